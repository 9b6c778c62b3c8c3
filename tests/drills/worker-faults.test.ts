/**
 * Drills on the worker role, with real `main.ts worker` processes on real PostgreSQL and Redis:
 * 300 response windows fall due within seconds while
 *   1. one of two workers is killed with -9 mid-expiry (then started again, as systemd would);
 *   2. Redis is flushed mid-run (FLUSHDB of this file's own Redis database index — a FLUSHALL
 *      would wipe the queues of test files running beside this one; the app sees the same thing);
 *   3. PostgreSQL terminates every connection of the app (`pg_terminate_backend`) mid-transaction,
 *      three times.
 * Each ends with every window expired exactly once (one strike, one notice, counts 1..n, no
 * charge, no half-written row) within RECOVERY_MS of the last deadline, and both workers alive.
 * Skipped without TEST_DATABASE_URL and TEST_REDIS_URL:
 *   TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres TEST_REDIS_URL=redis://127.0.0.1:6379 \
 *     npx vitest run tests/drills/worker-faults.test.ts
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BullmqScheduler, redisConnection } from "../../jobs/bullmq-scheduler.js";
import { createPrisma } from "../../prisma/database.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { type OpenWindow, scheduleExpiries, seedOpenWindows } from "../support/open-windows.js";
import {
  createDrillDatabase,
  DB,
  DRILL_REDIS_DB,
  expectEachWindowExpiredOnce,
  expiredCount,
  flushRedisDb,
  REDIS,
  redisDbUrl,
  type Spawned,
  spawnRole,
  stopAll,
  WORKER_READY,
  waitFor,
  withApplicationName,
} from "./drill-support.js";

const REDIS_DB = DRILL_REDIS_DB.workerFaults;
/**
 * Every window is handled within this of the last deadline, whatever the fault (RECONCILE_EVERY is
 * 1 s; the rest is headroom for a 2-core machine running other suites at the same time).
 */
const RECOVERY_MS = 20_000;
const WINDOWS = 60;
const SPREAD_MS = 3_000;
const SEEDER = "drill-seeder";

describe.skipIf(!DB || !REDIS)("worker drills: kill -9, Redis flushed, connections terminated", () => {
  let database: Awaited<ReturnType<typeof createDrillDatabase>>;
  let seeder: PrismaClient;
  let scheduler: BullmqScheduler;
  let cwd: string;
  let env: Record<string, string>;
  const workers: Spawned[] = [];
  let replacement: Spawned | undefined;

  function startWorker(): Spawned {
    const w = spawnRole("worker", env, cwd, WORKER_READY);
    workers.push(w);
    return w;
  }
  const alive = () => workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);

  /** WINDOWS windows ending from 2 s from now over SPREAD_MS, their wake-ups in the workers' queue. */
  async function openWindows(): Promise<{ windows: OpenWindow[]; ids: string[]; lastDueMs: number }> {
    const windows = await seedOpenWindows(seeder, {
      count: WINDOWS,
      contractors: 12, // 5 windows each: strikes 1..5, a ban at the third
      firstDueAt: new Date(Date.now() + 2_000),
      spreadMs: SPREAD_MS,
    });
    await scheduleExpiries(scheduler, windows, 20);
    const lastDueMs = Math.max(...windows.map((w) => w.endsAt.getTime()));
    return { windows, ids: windows.map((w) => w.bidId), lastDueMs };
  }

  /** Waits until some (not all) windows expired: the fault then hits mid-run. */
  async function midRun(ids: string[]): Promise<number> {
    expect(await waitFor(async () => (await expiredCount(seeder, ids)) >= 5, 10_000, 50)).toBe(true);
    const n = await expiredCount(seeder, ids);
    expect(n).toBeLessThan(WINDOWS * 0.8);
    return n;
  }

  /** All expired within RECOVERY_MS of the last deadline; returns how long after it the last one went. */
  async function expectRecovered(ids: string[], lastDueMs: number): Promise<number> {
    const done = await waitFor(
      async () => (await expiredCount(seeder, ids)) === WINDOWS,
      lastDueMs + RECOVERY_MS - Date.now(),
      100,
    );
    expect(done, `only ${await expiredCount(seeder, ids)} of ${WINDOWS} expired in time`).toBe(true);
    return Date.now() - lastDueMs;
  }

  beforeAll(async () => {
    await flushRedisDb(REDIS_DB);
    database = await createDrillDatabase("workers");
    seeder = createPrisma(withApplicationName(database.url, SEEDER), { poolSize: 4 });
    scheduler = new BullmqScheduler(redisConnection(redisDbUrl(REDIS_DB))); // the production queue name
    cwd = await mkdtemp(join(tmpdir(), "leadrelay-drill-workers-"));
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: redisDbUrl(REDIS_DB),
      DATA_DIR: join(cwd, "data"),
      RESPONSE_WINDOW: "2s",
      WINDOW_WARNING: "1s",
      RECONCILE_EVERY: "1s",
      LOG_LEVEL: "info",
    };
    const first = [startWorker(), startWorker()];
    await Promise.all(first.map((w) => w.ready));
  }, 60_000);

  afterAll(async () => {
    if (process.env.DRILL_LOGS) {
      for (const [i, w] of workers.entries()) await writeFile(`${process.env.DRILL_LOGS}-worker-${i}.log`, w.out());
    }
    await stopAll(workers.map((w) => w.child));
    await scheduler?.close();
    await seeder?.$disconnect();
    await database?.close();
    await flushRedisDb(REDIS_DB).catch(() => {});
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it("a worker killed with -9 mid-expiry: the other finishes every window, once", async () => {
    const { windows, ids, lastDueMs } = await openWindows();
    await midRun(ids);
    const [victim] = alive();
    victim?.child.kill("SIGKILL");
    const lateMs = await expectRecovered(ids, lastDueMs);
    console.log(`kill -9: last window expired ${lateMs} ms after the last deadline`);
    await expectEachWindowExpiredOnce(seeder, windows);
    // The replacement starts (systemd's Restart=always, compose's restart: unless-stopped) and
    // joins while the next drill runs; the last drill checks that both are up.
    replacement = startWorker();
  }, 50_000);

  it("Redis flushed mid-run: the reconciler catches every window, and its schedule is put back", async () => {
    const { windows, ids, lastDueMs } = await openWindows();
    await midRun(ids);
    expect(await flushRedisDb(REDIS_DB)).toBeGreaterThan(0); // the wake-ups and the reconcile schedule
    const lateMs = await expectRecovered(ids, lastDueMs);
    console.log(`Redis flushed: last window expired ${lateMs} ms after the last deadline`);
    await expectEachWindowExpiredOnce(seeder, windows);
    // The reconcile schedule is back in Redis: the workers' watchdog re-creates it (and says so), or
    // BullMQ itself did when a reconcile job that was running at the flush finished.
    const maintenance = new Queue("leadrelay-maintenance", { connection: redisConnection(redisDbUrl(REDIS_DB)) });
    try {
      expect(await waitFor(async () => Boolean(await maintenance.getJobScheduler("reconcile")), 15_000)).toBe(true);
    } finally {
      await maintenance.close();
    }
  }, 50_000);

  it("PostgreSQL connections terminated mid-transaction: work retried, nothing half-written", async () => {
    await replacement?.ready; // both workers serving when the connections go
    const { windows, ids, lastDueMs } = await openWindows();
    await midRun(ids);
    let terminated = 0;
    for (let round = 0; round < 3; round++) {
      const rows = await seeder.$queryRaw<Array<{ ok: boolean }>>`
        SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> ${SEEDER}`;
      terminated += rows.filter((r) => r.ok).length;
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(terminated).toBeGreaterThan(0);
    const lateMs = await expectRecovered(ids, lastDueMs);
    console.log(`${terminated} connections terminated: last window expired ${lateMs} ms after the last deadline`);
    await expectEachWindowExpiredOnce(seeder, windows);
    const dead = workers.filter((w) => w.child.exitCode !== null);
    expect(alive(), dead.map((w) => w.out().slice(-3000)).join("\n---\n")).toHaveLength(2); // both rode it out
  }, 50_000);
});
