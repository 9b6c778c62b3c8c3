/**
 * The seed-003 backtest in one call: start the real web app on a database, generate N contacts,
 * replay their event stream over HTTP on a fake clock from a client in its own process
 * (replay-client.ts), and check what the product did. Used by `npm run backtest` (run.ts) and
 * by backtest.test.ts.
 */
import { type DbKind, startBacktestApp } from "./env.js";
import { generateDataset } from "./generate.js";
import { JsonClient } from "./http.js";
import { advanceClockTo, type ReplayResult } from "./replay.js";
import { forkReplay } from "./replay-client.js";
import { type VerifyFigures, verifyBacktest } from "./verify.js";

export interface BacktestOptions {
  contacts: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency?: number;
  duplicateRate?: number;
  /** Contacts whose NBA is fetched one by one (the rest are covered by the overview). */
  nbaSample?: number;
  /** The whole run must finish within this; nothing new starts after it. */
  timeoutMs?: number;
  poolSize?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface BacktestReport {
  contacts: number;
  /** Distinct event_ids. */
  events: number;
  /** POST /api/events requests made (originals, duplicates, conflicts). */
  requests: number;
  duplicates: number;
  conflicts: number;
  /** How many of the conflicting redeliveries were answered 409. */
  answered409: number;
  wakeups: number;
  generateMs: number;
  /** Sending the events (clock moves and wake-ups excluded). */
  sendMs: number;
  /** The replay including clock moves and wake-ups. */
  replayMs: number;
  verifyMs: number;
  /** Starting the web app, the marketer and their key, and the client process. */
  appStartMs: number;
  /** Generation + replay + checks (the database and app start-up excluded). */
  wallMs: number;
  /**
   * CPU time of the server's process per request over the replay (web app, wake-ups and, on
   * PGlite, the database); the client's is clientCpuMsPerRequest.
   */
  cpuMsPerRequest: number;
  /** CPU time of the client's process per request while sending. */
  clientCpuMsPerRequest: number;
  /** Requests per second while sending. */
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  figures: VerifyFigures;
  waves: ReplayResult["waves"];
  failures: string[];
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Run the backtest against a fresh, migrated, empty database at `dbUrl`. */
export async function runBacktest(dbUrl: string, kind: DbKind, o: BacktestOptions): Promise<BacktestReport> {
  const started = performance.now();
  const deadline = Date.now() + (o.timeoutMs ?? 60_000 + o.contacts * 40);
  const concurrency = o.concurrency ?? 16;
  const [world, replayClient] = await Promise.all([
    startBacktestApp(dbUrl, {
      dbMode: kind === "pglite" ? "embedded" : "postgres",
      poolSize: o.poolSize ?? concurrency,
    }),
    forkReplay(),
  ]);
  const appStartMs = performance.now() - started;
  const client = new JsonClient(world.baseUrl, { authorization: world.authorization }, { sockets: concurrency });
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const run = await replayClient.run(
      {
        baseUrl: world.baseUrl,
        authorization: world.authorization,
        contacts: o.contacts,
        seed: o.seed,
        duplicateRate: o.duplicateRate,
        concurrency,
        deadline,
      },
      {
        advanceTo: (at) => advanceClockTo(world.clock, () => world.runDue(concurrency), at),
        runDue: () => world.runDue(concurrency),
        maintain: async () => {
          await world.prisma.$executeRaw`ANALYZE customers, event_logs, reminders, channel_identities`;
        },
        onProgress: o.onProgress,
      },
    );
    const serverCpu = process.cpuUsage(cpu0);
    // The same dataset the client replayed (generation is deterministic), for the checks.
    const data = generateDataset(o.contacts, o.seed, { duplicateRate: o.duplicateRate });
    o.onProgress?.(run.outcomes.length, run.outcomes.length, "checking");
    const t1 = performance.now();
    const { failures, figures } = await verifyBacktest(data, run, {
      client,
      prisma: world.prisma,
      marketerId: world.marketerId,
      nbaSample: o.nbaSample ?? 1_000,
      concurrency,
      deadline,
    });
    const verifyMs = performance.now() - t1;
    const latencies = run.outcomes
      .filter((r) => !r.error)
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    return {
      contacts: o.contacts,
      events: data.events.size,
      requests: run.outcomes.length,
      duplicates: figures.duplicates,
      conflicts: figures.conflicts,
      answered409: run.outcomes.filter((r) => r.delivery.kind === "conflict" && r.status === 409).length,
      wakeups: run.wakeups,
      generateMs: run.generateMs,
      sendMs: run.sendMs,
      replayMs: run.replayMs,
      verifyMs,
      appStartMs,
      wallMs: performance.now() - t0,
      requestsPerSecond: run.outcomes.length / (run.sendMs / 1000),
      cpuMsPerRequest: (serverCpu.user + serverCpu.system) / 1000 / Math.max(1, run.outcomes.length),
      clientCpuMsPerRequest: run.sendCpuMs / Math.max(1, run.outcomes.length),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      figures,
      waves: run.waves,
      failures: failures.lines(),
    };
  } finally {
    replayClient.kill();
    client.close();
    await world.close();
  }
}
