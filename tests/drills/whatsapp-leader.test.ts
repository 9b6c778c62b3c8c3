/**
 * Drill: two bot roles started for one WhatsApp number. Exactly one holds it (a PostgreSQL
 * advisory lock on a connection of its own, bot/whatsapp/leader-lock.ts); the other logs one line
 * and waits; when the holder dies (its lock connection is cut, as when the process is killed) the
 * other takes over within two retry intervals plus a second, and the queued WhatsApp messages are
 * each sent once. The two "processes" run in this one (two chat runtimes, two Prisma pools, two
 * lock connections) because a spawned bot would open a real Baileys socket to WhatsApp's servers:
 * here each gets the fake socket of tests/whatsapp. Needs real PostgreSQL (PGlite has one session,
 * so its advisory locks cannot tell two holders apart):
 *   TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx vitest run tests/drills/whatsapp-leader.test.ts
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { type ChatRuntime, startChatRole } from "../../bot/runtime.js";
import { createWhatsappAdapter } from "../../bot/whatsapp/adapter.js";
import { whatsappLockName } from "../../bot/whatsapp/leader-lock.js";
import { parseConfig } from "../../core/config/config.js";
import type { CoreDeps } from "../../core/context.js";
import { startOutboxLoop } from "../../jobs/worker.js";
import { createPrisma } from "../../prisma/database.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { RecordingScheduler } from "../support/scheduler.js";
import { type FakeSocket, FakeSocketFactory } from "../whatsapp/fake-baileys.js";
import { DB, waitFor } from "./drill-support.js";

/**
 * The lock is retried this often here (2 s in production). A takeover is one interval to get the
 * lock and one of grace before connecting; plus 1.2 s for a loaded machine.
 */
const RETRY_MS = 400;
const TAKEOVER_BOUND_MS = 2 * RETRY_MS + 1_200;
const MESSAGES = 6;
const TSX = pathToFileURL(fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url))).href;
const LEADER_LOCK = pathToFileURL(fileURLToPath(new URL("../../bot/whatsapp/leader-lock.ts", import.meta.url))).href;

interface BotProcess {
  name: string;
  prisma: PrismaClient;
  fake: FakeSocketFactory;
  lines: string[];
  stop: () => Promise<void>;
}

describe.skipIf(!DB)("two bot roles on one WhatsApp number", () => {
  let db: TestDatabase;
  let admin: PrismaClient;
  const bots: BotProcess[] = [];
  const sessionId = `drill-${randomBytes(4).toString("hex")}`;
  /** Sockets open right now across both processes, and the most ever seen at once. */
  let openNow = 0;
  let openMax = 0;

  /** One bot "process": its own pool, chat runtime, fake socket (opens by itself) and lock. */
  async function startBot(name: string): Promise<BotProcess> {
    const prisma = createPrisma(db.url, { poolSize: 4 });
    const lines: string[] = [];
    const log = {
      info: (msg: string) => lines.push(msg),
      warn: (msg: string) => lines.push(msg),
    };
    const deps: CoreDeps = {
      prisma,
      clock: { now: () => new Date() },
      ids: { token: (bytes = 16) => randomBytes(bytes).toString("base64url") },
      scheduler: new RecordingScheduler(),
      config: parseConfig({ NODE_ENV: "test", DATABASE_URL: db.url, WHATSAPP_ENABLED: "true" }),
      log,
    };
    const fake = new FakeSocketFactory();
    const chat = createChatApp(deps);
    const whatsapp = createWhatsappAdapter(deps, {
      chat,
      sessionId,
      random: () => 0, // the guard's pacing without jitter: one message a second
      socketFactory: (opts) => {
        const sock = fake.factory(opts) as FakeSocket;
        setImmediate(() => {
          if (sock.ended) return;
          openNow += 1;
          openMax = Math.max(openMax, openNow);
          sock.open();
        });
        const end = sock.end.bind(sock);
        sock.end = () => {
          if (!sock.ended && sock.user) openNow -= 1;
          end();
        };
        return sock;
      },
    });
    const rt: ChatRuntime = { chat, channels: {}, whatsapp };
    const stop = await startChatRole(rt, deps, {
      whatsappOutbox: () => startOutboxLoop(deps, { whatsapp: whatsapp.channel }, 100),
      whatsappLockRetryMs: RETRY_MS,
    });
    const bot = { name, prisma, fake, lines, stop };
    bots.push(bot);
    return bot;
  }

  /** The lock's holder, as PostgreSQL sees it (the backend pid of its lock connection). */
  async function holderPids(): Promise<number[]> {
    const rows = await admin.$queryRaw<Array<{ pid: number }>>`
      SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
        AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(${whatsappLockName(sessionId)}, 0)`;
    return rows.map((r) => r.pid);
  }

  const sentBy = (b: BotProcess) => b.fake.sockets.flatMap((s) => s.sent);

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = createPrisma(db.url, { poolSize: 2 });
  });

  afterAll(async () => {
    for (const b of bots) await b.stop().catch(() => {});
    for (const b of bots) await b.prisma.$disconnect();
    await admin?.$disconnect();
    await db?.close();
  });

  it("one holds the number, the other waits; a cut lock connection stops the socket; nothing sent twice", async () => {
    const a = await startBot("a");
    expect(await waitFor(() => a.fake.sockets.length === 1, 5_000)).toBe(true);
    const b = await startBot("b");
    expect(await waitFor(() => b.lines.some((l) => l.includes("waiting to take over")), 5_000)).toBe(true);
    // Exactly one holds it: one lock holder, one socket made, the waiter's line names the holder.
    expect(await holderPids()).toHaveLength(1);
    expect(b.fake.sockets).toHaveLength(0);
    expect(b.lines.find((l) => l.includes("waiting"))).toMatch(/leadrelay-bot .* pid \d+, PostgreSQL pid \d+/);
    await new Promise((r) => setTimeout(r, RETRY_MS * 3)); // the waiter keeps waiting, and says so once
    expect(b.lines.filter((l) => l.includes("waiting to take over"))).toHaveLength(1);
    expect(b.fake.sockets).toHaveLength(0);

    // WhatsApp rows to send while the lock changes hands.
    const contractor = await admin.user.create({
      data: { name: "Drill Contractor", email: `wa-${sessionId}@example.com`, role: "contractor" },
    });
    const now = new Date();
    await admin.outboundMessage.createMany({
      data: Array.from({ length: MESSAGES }, (_, i) => ({
        id: randomUUID(),
        channel: "whatsapp" as const,
        to_address: "4520000001",
        user_id: contractor.id,
        kind: "drill",
        body: `drill message ${i + 1}`,
        next_attempt_at: now,
      })),
    });
    expect(await waitFor(() => sentBy(a).length >= 2, 10_000)).toBe(true);

    // The holder's lock connection is cut (a DBA's pg_terminate_backend, a database restart): it
    // no longer knows it is alone, so it stops its socket at once; then one of the two holds it.
    const [holder] = await holderPids();
    await admin.$executeRawUnsafe(`SELECT pg_terminate_backend(${holder})`);
    expect(await waitFor(() => a.fake.sockets[0]?.ended === true, 1_000, 10)).toBe(true);
    expect(a.lines.some((l) => l.includes("lost the session lock"))).toBe(true);
    expect(await waitFor(async () => (await holderPids()).length === 1, TAKEOVER_BOUND_MS, 20)).toBe(true);

    // A graceful stop of the holder hands the number to the other within the bound.
    const [first, second] = a.fake.sockets.some((s) => !s.ended) ? [a, b] : [b, a];
    const before = second.fake.sockets.length;
    const stoppedAt = Date.now();
    await first.stop();
    expect(await waitFor(() => second.fake.sockets.length === before + 1, TAKEOVER_BOUND_MS, 20)).toBe(true);
    expect(Date.now() - stoppedAt).toBeLessThan(TAKEOVER_BOUND_MS);

    // Every message sent once, by one or the other; none left behind; never two sockets open.
    const done = await waitFor(
      async () =>
        (await admin.outboundMessage.count({ where: { user_id: contractor.id, status: "sent" } })) === MESSAGES,
      MESSAGES * 2_500,
    );
    expect(done).toBe(true);
    const bodies = [...sentBy(a), ...sentBy(b)].map((s) => s.content.text);
    expect(bodies.sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => `drill message ${i + 1}`).sort());
    expect(openMax).toBe(1);
    await second.stop();
  }, 40_000);

  it("the holder killed with -9: the waiting bot takes over within two retry intervals (plus slack)", async () => {
    // A bot process reduced to its WhatsApp lock (a real bot would open the socket at "LEADING").
    const script = [
      `import { holdWhatsappLock } from ${JSON.stringify(LEADER_LOCK)};`,
      "const log = { info: (m) => console.log(m), warn: (m) => console.log(m) };",
      `holdWhatsappLock({ databaseUrl: ${JSON.stringify(db.url)}, sessionId: ${JSON.stringify(sessionId)}, log,`,
      `  retryMs: ${RETRY_MS}, lead: async () => { console.log("LEADING"); return async () => {}; } });`,
    ].join("\n");
    const holder = spawn(process.execPath, ["--import", TSX, "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    holder.stdout?.on("data", (d) => {
      out += d;
    });
    try {
      expect(await waitFor(() => out.includes("LEADING"), 40_000), out).toBe(true);
      const c = await startBot("c");
      expect(await waitFor(() => c.lines.some((l) => l.includes("waiting to take over")), 5_000)).toBe(true);
      expect(c.fake.sockets).toHaveLength(0);
      const killedAt = Date.now();
      holder.kill("SIGKILL");
      expect(await waitFor(() => c.fake.sockets.length === 1, TAKEOVER_BOUND_MS, 20)).toBe(true);
      const takeoverMs = Date.now() - killedAt;
      console.log(`whatsapp takeover after the holder was killed: ${takeoverMs} ms`);
      expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);
      expect(await holderPids()).toHaveLength(1);
      await c.stop();
    } finally {
      holder.kill("SIGKILL");
    }
  }, 60_000);
});
