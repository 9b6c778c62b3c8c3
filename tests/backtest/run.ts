/**
 * `npm run backtest -- --contacts 1000 [--db pglite|postgres] [--seed N] [--concurrency 16]
 *  [--duplicates 0.2] [--nba-sample 1000] [--timeout <s>]`
 *
 * The seed-003 backtest kit: a fresh database (PGlite by default; PostgreSQL with --db postgres
 * or when TEST_DATABASE_URL is set), the real web app on loopback on a fake clock, N synthetic
 * contacts replayed through POST /api/events with duplicate and conflicting deliveries, then
 * the checks. Prints a summary; exits 1 with the list of failures when a check fails.
 */

import { cpus, loadavg } from "node:os";
import { progressReporter } from "../../prisma/tools/progress.js";
import { type BacktestReport, runBacktest } from "./backtest.js";
import { type DbKind, openBacktestDb } from "./env.js";

interface Args {
  contacts: number;
  db: DbKind;
  seed: number;
  concurrency: number;
  duplicates: number;
  nbaSample: number;
  timeoutS?: number;
}

const USAGE =
  "usage: npm run backtest -- --contacts N [--db pglite|postgres] [--seed N] [--concurrency N] " +
  "[--duplicates 0..1] [--nba-sample N] [--timeout seconds]";

function parseArgs(argv: string[]): Args {
  const args: Args = {
    contacts: 1000,
    db: process.env.TEST_DATABASE_URL ? "postgres" : "pglite",
    seed: 1,
    concurrency: 16,
    duplicates: 0.2,
    nbaSample: 1000,
  };
  const list = argv.filter((a) => a !== "--");
  for (let i = 0; i < list.length; i++) {
    const token = list[i] as string;
    const [flag, inline] = token.split("=", 2) as [string, string | undefined];
    const value = inline ?? list[++i];
    const num = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number, got "${value}"`);
      return n;
    };
    if (flag === "--contacts") args.contacts = Math.floor(num());
    else if (flag === "--seed") args.seed = Math.floor(num());
    else if (flag === "--concurrency") args.concurrency = Math.max(1, Math.floor(num()));
    else if (flag === "--duplicates") args.duplicates = Math.min(1, num());
    else if (flag === "--nba-sample") args.nbaSample = Math.floor(num());
    else if (flag === "--timeout") args.timeoutS = num();
    else if (flag === "--db" && (value === "pglite" || value === "postgres")) args.db = value;
    else throw new Error(`unknown argument "${token}"${value === undefined ? "" : ` ${value}`}\n${USAGE}`);
  }
  if (args.contacts < 1) throw new Error(`--contacts must be at least 1\n${USAGE}`);
  return args;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function summary(r: BacktestReport, db: string, setupMs: number): string {
  return [
    `Backtest on ${db}`,
    `  contacts           ${r.contacts}`,
    `  events (distinct)  ${r.events}  (${r.figures.statusChanges} STATUS_CHANGED logged by the product)`,
    `  requests sent      ${r.requests}  (${r.duplicates} duplicate deliveries, ${r.conflicts} changed payloads)`,
    `  409 answers        ${r.answered409} of ${r.conflicts}`,
    `  reminders          ${r.figures.reminders} (${r.figures.remindersNotified} notified by ${r.wakeups} wake-ups)`,
    `  NBA checked        ${r.figures.nbaChecked} contacts one by one + the overview`,
    `  wall time          ${s(r.wallMs)}  (replay ${s(r.replayMs)} of which sending ${s(r.sendMs)}; checks ${s(r.verifyMs)})`,
    `  set-up             ${s(setupMs)} database + ${s(r.appStartMs)} app and client process (not in the wall time)`,
    `  throughput         ${Math.round(r.requestsPerSecond)} events/s while sending` +
      ` (latency p50 ${r.latencyP50Ms.toFixed(1)} ms, p99 ${r.latencyP99Ms.toFixed(1)} ms)`,
    `  CPU per request    server ${r.cpuMsPerRequest.toFixed(2)} ms over the replay (incl. wake-ups` +
      `${db.startsWith("PGlite") ? " and the database" : ""}); client ${r.clientCpuMsPerRequest.toFixed(2)} ms` +
      " while sending, in its own process",
    "  per wave           requests/s while sending; wake-ups fired on the way to the wave's clock",
    ...r.waves.map(
      (w) =>
        `    ${w.phase.padEnd(36)} ${String(w.requests).padStart(6)} req ${String(Math.round(w.requests / (w.sendMs / 1000))).padStart(5)}/s` +
        `   ${String(w.wakeups).padStart(5)} wake-ups in ${s(w.wakeupMs)}`,
    ),
  ].join("\n");
}

/** The goal (issue 16): 1,000 contacts in ≤ 10 s, generation + replay + checks (the wall time). */
const GOAL_CONTACTS = 1_000;
const GOAL_MS = 10_000;

/** One line: the elapsed time, whether the goal was met, and the machine's load. */
function elapsedLine(r: BacktestReport, loadBefore: number): string {
  const load = `load average ${loadBefore.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)} on ${cpus().length} cores`;
  const head = `Elapsed for ${r.contacts.toLocaleString("en-US")} contacts: ${s(r.wallMs)}`;
  if (r.contacts !== GOAL_CONTACTS)
    return `${head} (the ≤ 10 s goal is for ${GOAL_CONTACTS.toLocaleString("en-US")}; ${load})`;
  return `${head} — goal ≤ ${GOAL_MS / 1000} s ${r.wallMs <= GOAL_MS ? "met" : "NOT met"} (${load})`;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const loadBefore = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const db = await openBacktestDb(args.db);
  const setupMs = performance.now() - t0;
  const progress = progressReporter("backtest", { unit: "requests" });
  let report: BacktestReport;
  try {
    report = await runBacktest(db.url, args.db, {
      contacts: args.contacts,
      seed: args.seed,
      concurrency: args.concurrency,
      duplicateRate: args.duplicates,
      nbaSample: args.nbaSample,
      timeoutMs: args.timeoutS === undefined ? undefined : args.timeoutS * 1000,
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
    await db.close();
  }
  console.log(summary(report, db.description, setupMs));
  console.log(elapsedLine(report, loadBefore));
  if (report.failures.length === 0) {
    console.log("All checks passed.");
    return 0;
  }
  console.error(`\n${report.failures.length} check(s) failed:`);
  for (const line of report.failures) console.error(`  ✗ ${line}`);
  return 1;
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(`backtest failed: ${(err as Error).stack ?? err}`);
  return 1;
});
// Sockets or pools a failure left open must not keep the process alive.
process.exit(process.exitCode);
