/**
 * The backtest's world outside vitest: a fresh migrated database (PGlite, or a clone of the
 * migrated template on PostgreSQL), the real web app listening on loopback on a fake clock, a
 * marketer with a Telegram chat (so due reminders are queued to them) and their API key.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { buildApp } from "../../admin/app.js";
import { createApiKey } from "../../core/accounts/api-key.service.js";
import { parseConfig } from "../../core/config/config.js";
import type { CoreDeps } from "../../core/context.js";
import { handleCrmWakeups } from "../../core/crm/deadlines.js";
import { handleWakeup } from "../../core/wakeups.js";
import { createPrisma } from "../../prisma/database.js";
import { embeddedUrl } from "../../prisma/embedded.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { servePGlite } from "../../prisma/pglite-server.js";
import { FakeClock } from "../support/clock.js";
import { migratedPglite, readMigrations } from "../support/db.js";
import { RecordingScheduler } from "../support/scheduler.js";
import { MARKETER_TZ, START_AT } from "./generate.js";

export type DbKind = "pglite" | "postgres";

export interface BacktestDb {
  kind: DbKind;
  url: string;
  /** e.g. "PostgreSQL 15.20" or "PGlite 0.5.14 (in-process, over loopback TCP)". */
  description: string;
  close(): Promise<void>;
}

/** The PostgreSQL server to clone the template on: TEST_DATABASE_URL, else the local one. */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL || "postgresql://127.0.0.1:5432/postgres";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A fresh database of `kind` for a run outside vitest. */
export async function openBacktestDb(kind: DbKind): Promise<BacktestDb> {
  if (kind === "postgres") {
    // createTestDatabase clones the migrated template on the server TEST_DATABASE_URL names.
    process.env.TEST_DATABASE_URL = POSTGRES_URL;
    const { createTestDatabase } = await import("../support/db.js");
    const db = await createTestDatabase();
    return { kind, url: db.url, description: `PostgreSQL ${await serverVersion(db.url)}`, close: db.close };
  }
  const db = await cachedMigratedPglite();
  const server = await servePGlite(db, { maxConnections: 64 });
  return {
    kind,
    url: embeddedUrl(server.port),
    description: `PGlite ${await serverVersion(embeddedUrl(server.port))} (in-process, over loopback TCP)`,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * A migrated in-memory PGlite. Migrating takes seconds, so the migrated data dir is kept in
 * node_modules/.cache keyed by the migrations' hash, and later runs load it (under a second).
 */
async function cachedMigratedPglite(): Promise<PGlite> {
  const migrations = await readMigrations();
  const hash = createHash("sha256");
  for (const m of migrations) hash.update(`${m.name}\0${m.sql}\0`);
  const file = join(
    REPO_ROOT,
    "node_modules/.cache/leadrelay-backtest",
    `pglite-${hash.digest("hex").slice(0, 16)}.tar`,
  );
  const cached = await readFile(file).catch(() => null);
  if (cached) {
    const db = await PGlite.create({ loadDataDir: new Blob([cached]) }).catch(() => null);
    if (db) return db;
  }
  const db = await migratedPglite(migrations);
  try {
    const dump = Buffer.from(await (await db.dumpDataDir("none")).arrayBuffer());
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.${process.pid}`, dump);
    await rename(`${file}.${process.pid}`, file);
  } catch {
    // A read-only node_modules only costs the next run its migration time.
  }
  return db;
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const r = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return r.rows[0]?.v ?? "?";
  } finally {
    await client.end().catch(() => {});
  }
}

export interface BacktestApp {
  baseUrl: string;
  app: FastifyInstance;
  deps: CoreDeps;
  prisma: PrismaClient;
  clock: FakeClock;
  scheduler: RecordingScheduler;
  marketerId: string;
  /** `Bearer <key>` of the marketer's contractor-scoped key. */
  authorization: string;
  /**
   * Fire every wake-up due at the fake clock's time — the CRM's reminders in batches, as the reconciler
   * does, the rest `concurrency` at a time — and return how many were due.
   */
  runDue(concurrency?: number): Promise<number>;
  close(): Promise<void>;
}

/** The real web app (buildApp) on `dbUrl`, listening on 127.0.0.1 on a free port, on a fake clock. */
export async function startBacktestApp(
  dbUrl: string,
  opts: { dbMode: "embedded" | "postgres"; poolSize?: number },
): Promise<BacktestApp> {
  // Hot statements prepared, as `npm start` does (prisma/database.ts).
  const prisma = createPrisma(dbUrl, { poolSize: opts.poolSize ?? 16, prepared: true });
  const clock = new FakeClock(START_AT);
  const scheduler = new RecordingScheduler();
  const ids = { token: (bytes = 16) => randomBytes(bytes).toString("base64url") };
  const deps: CoreDeps = {
    prisma,
    clock,
    scheduler,
    ids,
    // One key drives the whole API as hard as it can: rate limits (issue 11) off, as an operator may.
    config: parseConfig({ NODE_ENV: "test", API_RATE_LIMIT: "0", HOOKS_RATE_LIMIT: "0" }),
    log: { info() {}, warn: (msg: string) => process.stderr.write(`[core] ${msg}\n`) },
  };
  const app = await buildApp({
    ...deps,
    version: "backtest",
    dbMode: opts.dbMode,
    queueMode: "embedded",
    checkReady: async () => {
      await prisma.$queryRaw`select 1`;
    },
  });
  try {
    await app.listen({ host: "127.0.0.1", port: 0 });
    const marketer = await prisma.user.create({
      data: { name: "Backtest Marketer", email: "marketer@backtest.example", role: "marketer", timezone: MARKETER_TZ },
    });
    await prisma.channelIdentity.create({
      data: { channel: "telegram", address: "backtest-marketer-chat", user_id: marketer.id },
    });
    const key = await createApiKey(prisma, ids, {
      name: "backtest",
      scope: { kind: "contractor", ownerId: marketer.id },
    });
    if (!key.ok) throw new Error(`createApiKey: ${key.message}`);
    const { port } = app.server.address() as AddressInfo;
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      app,
      deps,
      prisma,
      clock,
      scheduler,
      marketerId: marketer.id,
      authorization: `Bearer ${key.value.key}`,
      runDue: async (concurrency = 4) => {
        const due = scheduler.takeDue(clock.now());
        // What a reconciler sweep does: the CRM's reminders in batches, everything else one by one.
        const keys = await handleCrmWakeups(deps, due);
        let next = 0;
        const worker = async () => {
          while (next < keys.length) await handleWakeup(deps, keys[next++] as string);
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
        return due.length;
      },
      close: async () => {
        await app.close();
        await prisma.$disconnect();
      },
    };
  } catch (err) {
    await app.close();
    await prisma.$disconnect();
    throw err;
  }
}
