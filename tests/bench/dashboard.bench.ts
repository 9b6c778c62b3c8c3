/**
 * Dashboard benchmark (`npm run bench -- dashboard`): on a dedicated PostgreSQL database (a
 * clone of the migrated test template, dropped afterwards) holding 1,000,000 event_logs rows and
 * 100,000 customers (tests/bench/dashboard-data.ts), the latency of a full, signed-in
 * GET /admin over real HTTP — p50/p95 over BENCH_REQUESTS (60) sequential requests after
 * BENCH_WARMUP (20) — and, to find the slow part, each KPI read on its own. BENCH_KEEP_DB=1 keeps
 * the database for EXPLAIN ANALYZE (its URL is printed; drop it by hand); BENCH_DB_URL=<that URL>
 * measures it again without generating.
 */
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { argon2Hasher } from "../../admin/panel/passwords.js";
import { recentTicker } from "../../core/kpi/activity.kpi.js";
import { dmoPanel, nbaPanel, PLATFORM, RESPONSE_BUCKETS_MIN } from "../../core/kpi/dashboard.query.js";
import { marketplaceKpis } from "../../core/kpi/marketplace.kpi.js";
import { pulseMetrics, valueVsRevenue, weeklyStats } from "../../core/kpi/nurturing.kpi.js";
import { tickerHead } from "../../core/kpi/ticker.query.js";
import { percentile } from "../backtest/backtest.js";
import { openBacktestDb, startBacktestApp } from "../backtest/env.js";
import { generateDashboardWorld, SIZES } from "./dashboard-data.js";
import type { BenchResult } from "./events.bench.js";

const NOW = new Date("2026-11-18T17:00:00Z");
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const GOAL_P95_MS = 300;
const ADMIN = { email: "admin@bench.example", password: "bench-admin-password-1" };
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Cookie jar of one: the panel's session cookie. */
function cookieOf(res: Response, previous: string): string {
  const line = res.headers.getSetCookie().find((c) => /^(__Host-)?leadrelay=/.test(c));
  return line ? (line.split(";")[0] ?? previous) : previous;
}

/** Sign in through the form; returns the session cookie. */
async function signIn(base: string): Promise<string> {
  const form = await fetch(`${base}/admin/login`);
  const cookie = cookieOf(form, "");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const res = await fetch(`${base}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email: ADMIN.email, password: ADMIN.password, _csrf: csrf }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return cookieOf(res, cookie);
}

/** Milliseconds of `fn` over `n` runs after one warm-up: [p50, max]. */
async function timeIt(n: number, fn: () => Promise<unknown>): Promise<[number, number]> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return [percentile(ms, 50), ms[ms.length - 1] ?? 0];
}

const f1 = (n: number) => `${n.toFixed(1)} ms`;

/** Generate the world, start the app, measure, drop the database. */
export async function run(): Promise<BenchResult> {
  const reuse = process.env.BENCH_DB_URL;
  const db = reuse
    ? { url: reuse, description: "PostgreSQL (BENCH_DB_URL, reused)", close: async () => {} }
    : await openBacktestDb("postgres");
  try {
    const t0 = performance.now();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      if (reuse)
        await client.query("DELETE FROM users WHERE email IN ($1, 'marketer@backtest.example')", [ADMIN.email]);
      else await generateDashboardWorld(client, NOW, progress);
    } finally {
      await client.end();
    }
    const genSeconds = (performance.now() - t0) / 1000;
    const w = await startBacktestApp(db.url, { dbMode: "postgres", poolSize: 16 });
    try {
      w.clock.set(NOW);
      await w.prisma.user.create({
        data: {
          email: ADMIN.email,
          name: "Bench Admin",
          role: "admin",
          password_hash: await argon2Hasher.hash(ADMIN.password),
        },
      });
      const cookie = await signIn(w.baseUrl);
      const get = async () => {
        const t = performance.now();
        const res = await fetch(`${w.baseUrl}/admin`, { headers: { cookie } });
        const body = await res.text();
        if (res.status !== 200 || !body.includes('data-kpi="contact_rate"')) {
          throw new Error(`GET /admin: ${res.status} ${body.slice(0, 300)}`);
        }
        return { ms: performance.now() - t, bytes: body.length };
      };
      progress(`GET /admin × ${WARMUP} warm-up, then × ${REQUESTS}`);
      for (let i = 0; i < WARMUP; i++) await get();
      const lat: number[] = [];
      let bytes = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const r = await get();
        lat.push(r.ms);
        bytes = r.bytes;
      }
      lat.sort((a, b) => a - b);
      const p95 = percentile(lat, 95);

      progress("each KPI read on its own × 10");
      const tz = w.deps.config.defaultTimezone;
      const parts: Array<[string, () => Promise<unknown>]> = [
        ["pulseMetrics", () => pulseMetrics(w.prisma, PLATFORM, NOW)],
        ["weeklyStats", () => weeklyStats(w.prisma, PLATFORM, NOW, tz)],
        ["valueVsRevenue", () => valueVsRevenue(w.prisma, PLATFORM, null)],
        ["marketplaceKpis", () => marketplaceKpis(w.prisma, PLATFORM, NOW, tz)],
        ["marketplaceKpis + histogram", () => marketplaceKpis(w.prisma, PLATFORM, NOW, tz, 12, RESPONSE_BUCKETS_MIN)],
        ["dmoPanel (first marketer)", () => dmoPanel(w.prisma, NOW)],
        ["nbaPanel (8 rows)", () => nbaPanel(w.deps, 8)],
        [
          "recentTicker + tickerHead",
          () => Promise.all([recentTicker(w.prisma, PLATFORM, NOW, { limit: 15 }), tickerHead(w.prisma, PLATFORM)]),
        ],
      ];
      const rows: string[][] = [
        [
          "GET /admin p50",
          f1(percentile(lat, 50)),
          "",
          `${REQUESTS} sequential requests after ${WARMUP} warm-up, signed in`,
        ],
        ["GET /admin p95", f1(p95), `≤ ${GOAL_P95_MS} ms`, p95 <= GOAL_P95_MS ? "met" : "NOT met"],
        ["GET /admin max", f1(lat[lat.length - 1] ?? 0), "", `${Math.round(bytes / 1024)} KiB of HTML`],
      ];
      for (const [name, fn] of parts) {
        const [p50, max] = await timeIt(10, fn);
        rows.push([`  ${name}`, `${f1(p50)} (max ${f1(max)})`, "", "alone, p50 of 10; the page runs them in parallel"]);
      }
      return {
        title: "Dashboard — GET /admin on PostgreSQL with 1M events and 100k customers",
        columns: ["measurement", "result", "goal", "notes"],
        rows,
        notes: [
          `${db.description}; ${cpus().length} cores. Data generated in SQL in ${genSeconds.toFixed(0)} s: ` +
            `${SIZES.owners} owners, ${SIZES.customers.toLocaleString("en-US")} customers, ` +
            `${SIZES.events.toLocaleString("en-US")} event_logs, ${SIZES.sequences.toLocaleString("en-US")} sequences ` +
            `(${SIZES.sequenceSteps.toLocaleString("en-US")} steps), ${SIZES.leads.toLocaleString("en-US")} leads, ` +
            `${SIZES.bids.toLocaleString("en-US")} bids with their messages and conversions, ` +
            `${SIZES.reminders.toLocaleString("en-US")} reminders; the database is dropped afterwards.`,
        ],
      };
    } finally {
      await w.close();
    }
  } finally {
    if (process.env.BENCH_KEEP_DB === "1") progress(`kept ${db.url} (BENCH_KEEP_DB=1): drop it when done`);
    else await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  console.log(`### ${r.title}\n`);
  console.log(`| ${r.columns.join(" | ")} |\n| ${r.columns.map(() => "---").join(" | ")} |`);
  for (const row of r.rows) console.log(`| ${row.join(" | ")} |`);
  for (const n of r.notes) console.log(`\n${n}`);
  process.exit(0);
}
