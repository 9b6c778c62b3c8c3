/**
 * Marketplace benchmarks (`npm run bench -- marketplace`):
 *  (a) window-expiry lateness: 10,000 open response windows due over ~20 s, woken by the BullMQ
 *      scheduler and handled by 2 wake-up worker processes on real PostgreSQL (without PostgreSQL
 *      or Redis: the embedded scheduler on PGlite, fewer windows, and the table says so);
 *  (b) lead-offer fan-out: one createLead matching 500 contractors on Telegram, sent by the real
 *      OutboxSender through telegramChannel to the rate-limited fake Telegram.
 * Every phase is bounded in time. Fixtures: tests/support/open-windows.ts.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Api } from "grammy";
import { Redis } from "ioredis";
import pg from "pg";
import { telegramChannel } from "../../bot/telegram/channel.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { parseWakeKey, wakeKey } from "../../core/marketplace/wakeups.js";
import { DEFAULT_LIMITS, SendRateLimiter } from "../../core/messaging/rate-limit.js";
import type { Scheduler } from "../../core/ports.js";
import { handleWakeup } from "../../core/wakeups.js";
import { BullmqScheduler, redisConnection, startWakeupWorker } from "../../jobs/bullmq-scheduler.js";
import { EmbeddedScheduler } from "../../jobs/embedded-scheduler.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { createPrisma } from "../../prisma/database.js";
import { embeddedUrl } from "../../prisma/embedded.js";
import { servePGlite } from "../../prisma/pglite-server.js";
import { migratedPglite, readMigrations } from "../support/db.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import {
  countExpired,
  expiryLateness,
  percentile,
  realDeps,
  retimeWindows,
  scheduleExpiries,
  seedOpenWindows,
  waitUntil,
} from "../support/open-windows.js";

export interface BenchResult {
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : "n/a");
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const noScheduler: Scheduler = { at: async () => {}, cancel: async () => {} };

// ───────────────────────────── environment ─────────────────────────────

interface BenchEnv {
  /** "scaled": PostgreSQL + Redis; "embedded": PGlite and the in-process scheduler. */
  mode: "scaled" | "embedded";
  dbUrl: string;
  redisUrl?: string;
  description: string;
  close(): Promise<void>;
}

const PG_URL = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || "postgresql://127.0.0.1:5432/postgres";
const REDIS_URL = process.env.TEST_REDIS_URL || process.env.REDIS_URL || "redis://127.0.0.1:6379";

async function pgVersion(url: string): Promise<string | null> {
  const u = new URL(url);
  if (!u.username) u.username = process.env.PGUSER || process.env.USER || "postgres";
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const r = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return r.rows[0]?.v ?? "?";
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisVersion(url: string): Promise<string | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const info = await redis.info("server");
    return /redis_version:(\S+)/.exec(info)?.[1] ?? "?";
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** A fresh database: a clone of the migrated template on PostgreSQL, else a migrated PGlite. */
async function openEnv(): Promise<BenchEnv> {
  const forceEmbedded = process.env.BENCH_EMBEDDED === "1";
  const [pgV, redisV] = forceEmbedded ? [null, null] : await Promise.all([pgVersion(PG_URL), redisVersion(REDIS_URL)]);
  if (pgV && redisV) {
    process.env.TEST_DATABASE_URL = PG_URL;
    const { createTestDatabase } = await import("../support/db.js");
    const db = await createTestDatabase();
    return {
      mode: "scaled",
      dbUrl: db.url,
      redisUrl: REDIS_URL,
      description: `PostgreSQL ${pgV} + Redis ${redisV} (BullMQ)`,
      close: db.close,
    };
  }
  const why = forceEmbedded
    ? "BENCH_EMBEDDED=1"
    : `${pgV ? "" : `PostgreSQL unreachable at ${new URL(PG_URL).host}`}${!pgV && !redisV ? ", " : ""}${redisV ? "" : `Redis unreachable at ${new URL(REDIS_URL).host}`}`;
  progress(`falling back to PGlite + the embedded scheduler (${why})`);
  const db = await migratedPglite(await readMigrations());
  const server = await servePGlite(db, { maxConnections: 30 });
  return {
    mode: "embedded",
    dbUrl: embeddedUrl(server.port),
    description: `PGlite + embedded scheduler (${why})`,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

// ───────────────────────────── (a) window-expiry lateness ─────────────────────────────

interface WorkerReport {
  handled: number;
  /** [key, ms since epoch when the handler finished] for each first wake-up of a key. */
  done: Array<[string, number]>;
}

/** Start one wake-up worker process (this file, run with the "wakeup-worker" argument). */
function spawnWakeupWorker(
  env: BenchEnv,
  queue: string,
  handler: Handler,
): { child: ChildProcess; ready: Promise<void> } {
  const child = fork(fileURLToPath(import.meta.url), ["wakeup-worker"], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      BENCH_DB: env.dbUrl,
      BENCH_REDIS: env.redisUrl ?? "",
      BENCH_QUEUE: queue,
      BENCH_HANDLER: handler,
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`wake-up worker exited early (${code})`)));
  });
  return { child, ready };
}

function stopWakeupWorker(child: ChildProcess, timeoutMs = 15_000): Promise<WorkerReport> {
  return new Promise((resolve) => {
    if (!child.connected) return resolve({ handled: 0, done: [] });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ handled: 0, done: [] });
    }, timeoutMs);
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve(m as WorkerReport);
    });
    child.send("stop");
  });
}

/**
 * What a wake-up does: "full" is the real handler (handleWakeup: batched expiry with strikes,
 * bans, notices, the next rank); "bare" is the ceiling — the same scheduler, processes and pool,
 * but one `UPDATE bids SET status = 'EXPIRED'` of the woken bid and nothing else.
 */
type Handler = "full" | "bare";

async function bareExpiry(prisma: ReturnType<typeof createPrisma>, key: string): Promise<void> {
  const id = parseWakeKey(key)?.id;
  if (!id) return;
  await prisma.$executeRaw`
    UPDATE bids SET status = 'EXPIRED', updated_at = now() WHERE id = ${id}::uuid AND status = 'WON'`;
}

/** The child side: a BullMQ wake-up worker with its own Prisma pool, like a `worker` process. */
async function wakeupWorkerChild(): Promise<void> {
  const prisma = createPrisma(process.env.BENCH_DB as string, { poolSize: 10 });
  const connection = redisConnection(process.env.BENCH_REDIS as string);
  const scheduler = new BullmqScheduler(connection, process.env.BENCH_QUEUE);
  const deps = realDeps(prisma, scheduler);
  const done = new Map<string, number>();
  let handled = 0;
  const worker = startWakeupWorker(
    connection,
    async (key) => {
      if (process.env.BENCH_HANDLER === "bare") await bareExpiry(prisma, key);
      else await handleWakeup(deps, key);
      handled++;
      if (!done.has(key)) done.set(key, Date.now());
    },
    { queueName: process.env.BENCH_QUEUE },
  );
  await worker.waitUntilReady();
  // If the bench dies, do not linger as an orphan holding Redis and PostgreSQL connections.
  process.once("disconnect", () => process.exit(0));
  process.send?.("ready");
  process.on("message", async () => {
    await worker.close();
    await scheduler.close();
    await prisma.$disconnect();
    process.send?.({ handled, done: [...done] } satisfies WorkerReport, () => process.exit(0));
  });
}

async function measureExpiry(
  env: BenchEnv,
  count: number,
  handler: Handler = "full",
): Promise<{ rows: string[][]; notes: string[]; p99: number; rate: number }> {
  const scaled = env.mode === "scaled";
  const spreadMs = 20_000;
  const leadMs = Number(process.env.BENCH_LEAD_MS ?? Math.max(3_000, count * (scaled ? 0.8 : 0.1)));
  const notes: string[] = [];
  const prisma = createPrisma(env.dbUrl, { poolSize: 10 });
  const queue = `leadrelay-bench-${randomBytes(4).toString("hex")}`;
  const done = new Map<string, number>();
  let scheduler: Scheduler;
  let stopWorkers: () => Promise<WorkerReport[]>;
  let close: () => Promise<void>;
  if (scaled) {
    const bull = new BullmqScheduler(redisConnection(env.redisUrl as string), queue);
    const workers = [spawnWakeupWorker(env, queue, handler), spawnWakeupWorker(env, queue, handler)];
    await Promise.all(workers.map((w) => w.ready));
    scheduler = bull;
    let stopping: Promise<WorkerReport[]> | undefined;
    stopWorkers = () => (stopping ??= Promise.all(workers.map((w) => stopWakeupWorker(w.child))));
    close = async () => {
      await bull.queue.obliterate({ force: true }).catch(() => {});
      await bull.close();
    };
  } else {
    const deps = realDeps(prisma, noScheduler);
    const embedded = new EmbeddedScheduler(async (key) => {
      if (handler === "bare") await bareExpiry(prisma, key);
      else await handleWakeup(deps, key);
      if (!done.has(key)) done.set(key, Date.now());
    });
    scheduler = embedded;
    stopWorkers = async () => {
      embedded.stop();
      return [];
    };
    close = async () => {};
  }
  try {
    // A fresh process compiles its queries on first use (the first expiries take ~1 s): warm the
    // workers up on 40 windows that are already due, as a long-running worker would be.
    const w0 = Date.now();
    const warm = await seedOpenWindows(prisma, {
      count: 40,
      contractors: 4,
      firstDueAt: new Date(w0 + 100),
      spreadMs: 0,
    });
    await scheduleExpiries(scheduler, warm, 20);
    const warmIds = warm.map((w) => w.bidId);
    const warmed = await waitUntil(async () => (await countExpired(prisma, warmIds)) === warm.length, 30_000, 100);
    notes.push(
      `${count} windows: warm-up (40 expiries on fresh workers) took ${Date.now() - w0} ms${warmed ? "" : ", unfinished"}.`,
    );
    progress(`(a) seeding ${count} open windows`);
    const t0 = Date.now();
    const seeded = await seedOpenWindows(prisma, {
      count,
      contractors: Math.max(1, Math.round(count / 10)),
      firstDueAt: new Date(t0 + 3_600_000),
      spreadMs,
    });
    const seededMs = Date.now() - t0;
    // The head start only has to cover scheduling the wake-ups (about 0.5 ms each when busy).
    const firstDueAt = new Date(Date.now() + leadMs);
    const windows = await retimeWindows(prisma, seeded, firstDueAt, spreadMs);
    const t1 = Date.now();
    await scheduleExpiries(scheduler, windows, 100);
    const scheduledMs = Date.now() - t1;
    progress(`(a) seeded in ${seededMs} ms, scheduled in ${scheduledMs} ms; due ${firstDueAt.toISOString()} + 20 s`);
    if (Date.now() > firstDueAt.getTime()) {
      notes.push(`${count} windows: scheduling overran the first deadline; early windows are late by that.`);
    }
    const ids = windows.map((w) => w.bidId);
    const lastDue = firstDueAt.getTime() + spreadMs;
    // Bounded: whatever is not expired 2 minutes after the last deadline is reported as missing.
    let polls = 0;
    await waitUntil(
      async () => {
        if (Date.now() < lastDue) return false;
        const n = await countExpired(prisma, ids);
        if (polls++ % 5 === 0 || n === count) progress(`(a) ${n}/${count} expired`);
        return n === count;
      },
      lastDue - Date.now() + 120_000,
      1_000,
    );
    const reports = await stopWorkers();
    for (const r of reports) for (const [key, at] of r.done) if (!done.has(key)) done.set(key, at);
    const { expired, latenessMs, lastAtMs } = await expiryLateness(prisma, ids);
    const throughput = expired / Math.max(0.001, (lastAtMs - firstDueAt.getTime()) / 1000);
    const commitLate = windows
      .map((w) => (done.get(wakeKey("expire", w.bidId)) ?? Number.NaN) - w.endsAt.getTime())
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const handledTotal = (scaled ? reports.reduce((s, r) => s + r.handled, 0) : done.size) - warm.length;
    const how = scaled ? "BullMQ + 2 wake-up worker processes" : "embedded scheduler (in-process)";
    const n = `(a) ${count.toLocaleString("en-US")} windows${handler === "bare" ? ", ceiling (bare UPDATE)" : ""}`;
    const dueRate = Math.round(count / (spreadMs / 1000));
    const rows = [
      [`${n}: expired`, `${expired} / ${count}`, "all", `${how}; due over ${spreadMs / 1000} s (${dueRate}/s)`],
      [`${n}: lateness p50`, fmt(percentile(latenessMs, 50)), "", "expired-at stamp − window end"],
      [`${n}: lateness p99`, fmt(percentile(latenessMs, 99)), handler === "full" ? "≤ 5000 ms" : "", ""],
      [`${n}: lateness max`, fmt(latenessMs.at(-1) ?? Number.NaN), "", ""],
      [`${n}: lateness p99 committed`, fmt(percentile(commitLate, 99)), "", "handler finished − window end"],
      [`${n}: wake-ups handled`, String(handledTotal), String(count), "a duplicate or early wake-up would show"],
      [
        `${n}: expiries per second`,
        `${throughput.toFixed(0)} /s`,
        `${dueRate} /s`,
        "expired ÷ (last − first deadline)",
      ],
    ];
    notes.push(`${n}: inserted in ${seededMs} ms, wake-ups scheduled in ${scheduledMs} ms.`);
    return { rows, notes, p99: percentile(latenessMs, 99), rate: throughput };
  } finally {
    await stopWorkers().catch(() => []);
    await close();
    await prisma.$disconnect();
  }
}

// ───────────────────────────── (b) lead-offer fan-out ─────────────────────────────

async function measureFanOut(env: BenchEnv): Promise<{ rows: string[][]; notes: string[] }> {
  const contractors = Number(process.env.BENCH_CONTRACTORS ?? 500);
  const tg = await FakeTelegram.start();
  const prisma = createPrisma(env.dbUrl, { poolSize: 5 });
  try {
    const deps = realDeps(prisma, noScheduler);
    const tag = randomBytes(4).toString("hex");
    const category = await prisma.category.create({ data: { slug: `fan-${tag}`, display_name: "HVAC" } });
    await prisma.leadSource.create({
      data: { slug: `fan-${tag}`, display_name: "Fan-out", bidding_window_seconds: 900, default_base_lead_cost: "40" },
    });
    const ids = Array.from({ length: contractors }, () => randomUUID());
    await prisma.user.createMany({
      data: ids.map((id, i) => ({
        id,
        name: `Fan ${i}`,
        email: `fan-${tag}-${i}@example.com`,
        role: "contractor" as const,
        service_area_zip_codes: ["85004"],
        contractor_categories: [category.id],
        profile_rating: "4.60",
      })),
    });
    const chatIds = ids.map((_, i) => String(700_000_000 + i));
    await prisma.channelIdentity.createMany({
      data: ids.map((id, i) => ({ channel: "telegram" as const, address: chatIds[i] as string, user_id: id })),
    });
    for (const chat of chatIds) tg.registerChat(chat);

    const t0 = Date.now();
    const lead = await createLead(deps, {
      category: category.slug,
      lead_source: `fan-${tag}`,
      title: "Replace water heater",
      description: "50-gallon gas tank leaking",
      customer_name: "Anna Jensen",
      customer_phone: "+1 602 555 0142",
      customer_zip_code: "85004",
    });
    if (!lead.ok) throw new Error(`createLead failed: ${lead.message}`);
    const enqueueMs = Date.now() - t0;
    progress(`(b) createLead offered ${lead.value.offered} in ${enqueueMs} ms; sending`);

    const safety = process.env.BENCH_SAFETY_MS;
    const sender = new OutboxSender(deps, {
      channels: { telegram: telegramChannel(new Api(tg.token, { apiRoot: tg.apiRoot })) },
      limiter: safety === undefined ? undefined : new SendRateLimiter(DEFAULT_LIMITS, Number(safety)),
    });
    const start = Date.now();
    const deadline = start + 60_000;
    while (tg.sent.length < lead.value.offered && Date.now() < deadline) {
      if ((await sender.tick()) === 0) await sleep(20);
    }
    const sent = tg.sent.length;
    const lastAt = tg.sent.at(-1)?.at ?? start;
    const rate = sent / Math.max(0.001, (lastAt - start) / 1000);
    const times = tg.sent.map((s) => s.at);
    let maxInSecond = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1_000) j++;
      maxInSecond = Math.max(maxInSecond, i - j + 1);
    }
    const rowsSent = await prisma.outboundMessage.count({ where: { lead_id: lead.value.lead.id, status: "sent" } });
    const rows = [
      [
        "(b) offers queued by createLead",
        String(lead.value.offered),
        String(contractors),
        `one transaction, ${enqueueMs} ms`,
      ],
      [
        "(b) offers sent",
        `${sent} (${rowsSent} rows marked sent)`,
        String(contractors),
        "OutboxSender → telegramChannel → fake Telegram",
      ],
      [
        "(b) send rate",
        `${rate.toFixed(1)} msg/s`,
        "≥ 28.5 msg/s",
        `${sent} in ${((lastAt - start) / 1000).toFixed(2)} s`,
      ],
      ["(b) HTTP 429 answers", String(tg.rejected429.length), "0", "fake enforces 30/s overall, 1/s per chat"],
      ["(b) most sends in any 1 s", String(maxInSecond), "≤ 30", ""],
    ];
    return { rows, notes: [] };
  } finally {
    await prisma.$disconnect();
    await tg.close();
  }
}

// ───────────────────────────── entry points ─────────────────────────────

/** Run both measurements; bounded (each phase has its own deadline). */
export async function run(): Promise<BenchResult> {
  const env = await openEnv();
  try {
    progress(`environment: ${env.description}`);
    // BENCH_ONLY=expiry or =fanout runs one half (for quick iterations).
    const only = process.env.BENCH_ONLY;
    const none = { rows: [], notes: [], p99: Number.NaN, rate: Number.NaN };
    // The 10,000-window load asked for: first the ceiling (the same wake-ups, a bare UPDATE
    // each), then the real handler; optionally a lighter load for contrast.
    const heavy = Number(process.env.BENCH_WINDOWS ?? (env.mode === "scaled" ? 10_000 : 2_000));
    const light = Number(process.env.BENCH_WINDOWS_LIGHT ?? 0);
    const ceiling = only === "fanout" ? none : await measureExpiry(env, heavy, "bare");
    const expiry = only === "fanout" ? none : await measureExpiry(env, heavy);
    const expiryLight = only === "fanout" || light <= 0 ? none : await measureExpiry(env, light);
    const fan = only === "expiry" ? none : await measureFanOut(env);
    const ratio =
      only === "fanout"
        ? []
        : [
            [
              "(a) expiries per second ÷ ceiling",
              `${Math.round((100 * expiry.rate) / ceiling.rate)} %`,
              "",
              `${expiry.rate.toFixed(0)} ÷ ${ceiling.rate.toFixed(0)} /s`,
            ],
          ];
    return {
      title: `Marketplace — ${env.description}`,
      columns: ["measurement", "result", "goal", "how"],
      rows: [...ceiling.rows, ...expiry.rows, ...ratio, ...expiryLight.rows, ...fan.rows],
      notes: [...ceiling.notes, ...expiry.notes, ...expiryLight.notes, ...fan.notes],
    };
  } finally {
    await env.close();
  }
}

if (process.argv[2] === "wakeup-worker" && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void wakeupWorkerChild();
}
