/**
 * Drill: replicas started at the same moment on a new PostgreSQL database (what every
 * orchestrator does). Two real `main.ts web` processes — and a worker when Redis is there — are
 * spawned together on an empty database: the migrations are applied once, one admin exists,
 * both web processes answer /healthz. The processes need real PostgreSQL (skipped without
 * TEST_DATABASE_URL); the first-admin race itself is also run in one process on any database:
 *   TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx vitest run tests/drills/concurrent-start.test.ts
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFirstAdmin } from "../../core/accounts/panel-auth.service.js";
import type { PasswordHasher } from "../../core/ports.js";
import { startCli, stop } from "../cli/cli-process.js";
import { createWorld, type TestWorld } from "../support/deps.js";

const SERVER = process.env.TEST_DATABASE_URL;
const REDIS = process.env.TEST_REDIS_URL;
/** Everything (both starts, the checks) must be over within this. */
const BOUND_MS = 90_000;

interface Started {
  child: ChildProcess;
  out: () => string;
  /** Resolves with the port of the first line matching `re` (or rejects when the process exits first). */
  port: Promise<number>;
}

function start(args: string[], env: Record<string, string>, cwd: string, re: RegExp): Started {
  const child = startCli(args, { cwd, env });
  let out = "";
  const port = new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = re.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}:\n${out}`)));
  });
  port.catch(() => {}); // observed by the test
  return { child, out: () => out, port };
}

describe.skipIf(!SERVER)("two web processes starting at once on an empty PostgreSQL database", () => {
  const dbName = `lr_drill_start_${randomBytes(4).toString("hex")}`;
  let admin: pg.Client;
  let dbUrl: string;
  let cwd: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    const server = new URL(SERVER as string);
    if (!server.username) server.username = "postgres";
    admin = new pg.Client({ connectionString: server.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`); // empty: no tables, no migrations table
    server.pathname = `/${dbName}`;
    dbUrl = server.toString();
    cwd = await mkdtemp(join(tmpdir(), "leadrelay-drill-start-"));
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => stop(c)));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await rm(cwd, { recursive: true, force: true });
  });

  it("applies the migrations once, creates one admin, and both answer /healthz", async () => {
    const started = Date.now();
    const env = {
      DATABASE_URL: dbUrl,
      DATA_DIR: join(cwd, "data"),
      PORT: "0",
      LOG_LEVEL: "info",
      ADMIN_EMAIL: "ops@example.com",
      ADMIN_PASSWORD: "correct horse battery staple",
      ...(REDIS ? { REDIS_URL: REDIS } : {}),
    };
    const listening = /\(port (\d+)\)/;
    const webs = [0, 1].map(() => start(["web"], env, cwd, listening));
    // A worker started at the same moment serves its metrics on METRICS_PORT (0 = any free port).
    const worker = REDIS ? start(["worker"], { ...env, METRICS_PORT: "0" }, cwd, /metrics on \S+:(\d+)/) : null;
    children.push(...webs.map((w) => w.child), ...(worker ? [worker.child] : []));

    const ports = await Promise.race([
      Promise.all(webs.map((w) => w.port)),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`not started in time:\n${webs.map((w) => w.out()).join("\n---\n")}`)),
          BOUND_MS,
        ),
      ),
    ]);
    for (const port of ports) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { db: string }).db).toBe("postgres");
    }

    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    try {
      const dirs = (await readdir(new URL("../../prisma/migrations/", import.meta.url), { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
      const rows = await db.query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        `SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(rows.rows.map((r) => r.migration_name)).toEqual(dirs); // each exactly once
      expect(rows.rows.every((r) => r.finished_at !== null && r.rolled_back_at === null)).toBe(true);
      const admins = await db.query<{ email: string }>(`SELECT email FROM users WHERE role = 'admin'`);
      expect(admins.rows.map((r) => r.email)).toEqual(["ops@example.com"]);
      const categories = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM categories");
      expect(categories.rows[0]?.n).toBeGreaterThan(0); // reference data too, once (slugs are unique)
    } finally {
      await db.end();
    }

    if (worker) {
      const port = await worker.port;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("leadrelay_queue_jobs");
    }
    for (const w of webs) expect(w.out()).not.toMatch(/users_email_key|Unique constraint/);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
  }, 120_000);
});

/** A hasher slow enough that racing callers all pass their "is there an admin?" check first. */
const slowHasher: PasswordHasher = {
  hash: async (p) => {
    await new Promise((r) => setTimeout(r, 50));
    return `hash:${p}`;
  },
  verify: async (h, p) => h === `hash:${p}`,
};

describe("the first admin, made by several processes at the same moment", () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await createWorld();
  });
  afterAll(async () => w.close());

  it("without ADMIN_EMAIL: one admin, one generated password handed out, no unique-key crash", async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureFirstAdmin(w.deps, slowHasher, {})));
    const admins = await w.prisma.user.findMany({ where: { role: "admin" } });
    expect(admins.map((a) => a.email)).toEqual(["admin@leadrelay.local"]);
    const printed = results.filter((r) => r?.generatedPassword);
    expect(printed).toHaveLength(1); // the one password printed is the one stored
    expect(admins[0]?.password_hash).toBe(`hash:${printed[0]?.generatedPassword}`);
    expect(await ensureFirstAdmin(w.deps, slowHasher, {})).toBeNull(); // a later start prints nothing
  });

  it("with ADMIN_EMAIL and ADMIN_PASSWORD: one admin with that password", async () => {
    const input = { email: "Racer@Example.com", password: "correct horse battery staple" };
    const results = await Promise.all([1, 2, 3].map(() => ensureFirstAdmin(w.deps, slowHasher, input)));
    expect(results.map((r) => r?.email)).toEqual(["racer@example.com", "racer@example.com", "racer@example.com"]);
    const rows = await w.prisma.user.findMany({ where: { email: "racer@example.com" } });
    expect(rows.map((r) => [r.role, r.password_hash])).toEqual([["admin", `hash:${input.password}`]]);
  });
});
