/**
 * Events API benchmark (`npm run bench -- events`, or `npx tsx tests/bench/events.bench.ts`):
 * POST /api/events over real HTTP on loopback against a ceiling measured in the same run on the
 * same database and machine: a bare fastify route that does one `INSERT … ON CONFLICT (owner_id,
 * event_id) DO NOTHING` of the same event_logs row shape per request (node-postgres, same pool
 * size), driven by the same client at the same concurrency (32 in flight, keep-alive). The client
 * runs in its own process (load-client.ts) so it never steals the server's event loop. Both
 * streams carry 20 % redeliveries of recent event ids. Reported per database: requests/s of
 * each, the ratio (goal ≥ 50 %), p99 (goal ≤ 50 ms), the load average; and PGlite's rate as a
 * share of PostgreSQL's (goal ≥ 50 %). Every phase is bounded by a request count and a time limit.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import pg from "pg";
import { percentile } from "../backtest/backtest.js";
import { type BacktestApp, type DbKind, openBacktestDb, POSTGRES_URL, startBacktestApp } from "../backtest/env.js";
import { forkLoadClient, type LoadResult, type LoadSpec } from "./load-client.js";

export interface BenchResult {
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 2_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const DUPLICATE_RATE = 0.2;
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const load = () => loadavg()[0]?.toFixed(2) ?? "?";

async function seedCustomers(w: BacktestApp): Promise<string[]> {
  const now = w.clock.now();
  const rows = await w.prisma.customer.createManyAndReturn({
    data: Array.from({ length: CUSTOMERS }, (_, i) => ({
      owner_id: w.marketerId,
      name: `Bench Prospect ${i}`,
      email: `prospect${i}@bench.example`,
      status: "lead" as const,
      pipeline_status: "lead" as const,
      lead_source: "ig",
      stage_entered_at: now,
      last_activity_at: now,
      created_at: now,
      updated_at: now,
    })),
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/**
 * The ceiling: a bare fastify app whose one route inserts the posted event as an event_logs
 * row (`INSERT … ON CONFLICT (owner_id, event_id) DO NOTHING`), 201 when stored, 200 when not.
 */
async function startCeiling(dbUrl: string, ownerId: string, now: Date) {
  const pool = new pg.Pool({ connectionString: dbUrl, max: POOL });
  const sql = `INSERT INTO event_logs (event_id, event_name, customer_id, owner_id, source, timestamp, properties, utm,
      payload_hash, result, created_at)
    VALUES ($1, $2::"EventName", $3::uuid, $4::uuid, $5, $6, $7::jsonb, $8::jsonb, $9, $10::jsonb, $11)
    ON CONFLICT (owner_id, event_id) DO NOTHING`;
  const app = Fastify();
  app.post("/ceiling/events", async (req, res) => {
    const b = req.body as Record<string, unknown>;
    const r = await pool.query(sql, [
      b.event_id,
      b.event_name,
      b.customer_id,
      ownerId,
      b.source,
      b.timestamp,
      JSON.stringify(b.properties),
      JSON.stringify(b.utm),
      createHash("sha256").update(JSON.stringify(b)).digest("hex"),
      JSON.stringify({ customer_id: b.customer_id, customer_created: false, rules: [] }),
      now,
    ]);
    return res.status(r.rowCount === 1 ? 201 : 200).send({ ok: true });
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

/** Clock ticks a second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

/**
 * CPU milliseconds all local PostgreSQL processes have used so far (Linux /proc; null elsewhere
 * or when PostgreSQL runs on another machine): the database's side of the cost per request.
 */
function postgresCpuMs(): number | null {
  try {
    let ticks = 0;
    let found = false;
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      const close = stat.lastIndexOf(")");
      if (!stat.slice(stat.indexOf("(") + 1, close).startsWith("postgres")) continue;
      const f = stat.slice(close + 2).split(" ");
      // Fields 14–17 (utime, stime, cutime, cstime) are 11–14 after the name.
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      found = true;
    }
    return found ? (ticks * 1000) / TICKS : null;
  } catch {
    return null;
  }
}

/** A warm-up of the target, then the measured run, both from a fresh client process. */
async function measure(
  spec: Omit<LoadSpec, "tag" | "kOffset" | "count" | "limitMs" | "concurrency" | "duplicateRate">,
  count: number,
  limitMs: number,
) {
  const base = { ...spec, concurrency: CONCURRENCY, duplicateRate: DUPLICATE_RATE, limitMs };
  const tag = randomBytes(3).toString("hex");
  if (WARMUP > 0) {
    await forkLoadClient({ ...base, tag: `warm-${tag}`, kOffset: spec.customers.length * 8, count: WARMUP });
  }
  const loadBefore = load();
  const cpu0 = process.cpuUsage();
  const pg0 = postgresCpuMs();
  const r = await forkLoadClient({ ...base, tag: `run-${tag}`, kOffset: 0, count });
  const cpu = process.cpuUsage(cpu0);
  const pg1 = postgresCpuMs();
  // The server runs in this process (and, on PGlite, the database too).
  const serverCpuMs = (cpu.user + cpu.system) / 1000 / Math.max(1, r.requests);
  const dbCpuMs = pg0 !== null && pg1 !== null ? (pg1 - pg0) / Math.max(1, r.requests) : null;
  return { ...r, loadBefore, loadAfter: load(), serverCpuMs, dbCpuMs };
}

const rate = (r: LoadResult) => r.requests / (r.ms / 1000);
const fmtRate = (r: LoadResult) => `${Math.round(rate(r)).toLocaleString("en-US")} /s`;
const codes = (r: LoadResult) =>
  Object.entries(r.statuses)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([s, n]) => `${n}×${s}`)
    .join(", ");
const p = (r: LoadResult, q: number) => percentile(r.latencies, q).toFixed(1);

async function benchBackend(kind: DbKind): Promise<{ rows: string[][]; notes: string[]; apiRate: number }> {
  const embedded = kind === "pglite";
  const count = Number(process.env.BENCH_EVENTS ?? (embedded ? 4_000 : 10_000));
  const limitMs = Number(process.env.BENCH_SECONDS ?? 30) * 1000;
  const db = await openBacktestDb(kind);
  try {
    const w = await startBacktestApp(db.url, { dbMode: embedded ? "embedded" : "postgres", poolSize: POOL });
    try {
      const customers = await seedCustomers(w);
      const at = new Date(w.clock.now().getTime() - 60_000).toISOString();
      const name = embedded ? "PGlite (embedded)" : "PostgreSQL";
      progress(`${db.description}: ceiling (bare fastify + one INSERT) × ${count}, ${CONCURRENCY} in flight`);
      const ceiling = await startCeiling(db.url, w.marketerId, w.clock.now());
      let raw: Awaited<ReturnType<typeof measure>>;
      try {
        raw = await measure(
          { baseUrl: ceiling.baseUrl, path: "/ceiling/events", headers: {}, customers, at },
          count,
          limitMs,
        );
      } finally {
        await ceiling.close();
      }
      progress(`${db.description}: POST /api/events × ${count} (≤ ${limitMs / 1000} s), ${CONCURRENCY} in flight`);
      const api = await measure(
        { baseUrl: w.baseUrl, path: "/api/events", headers: { authorization: w.authorization }, customers, at },
        count,
        limitMs,
      );
      const ratio = Math.round((100 * rate(api)) / rate(raw));
      const p99 = percentile(api.latencies, 99);
      return {
        apiRate: rate(api),
        rows: [
          [
            name,
            "ceiling: bare fastify route, one INSERT … ON CONFLICT DO NOTHING",
            fmtRate(raw),
            "",
            `${codes(raw)}; p50 / p99 ${p(raw, 50)} / ${p(raw, 99)} ms; load ${raw.loadBefore}→${raw.loadAfter}`,
          ],
          [name, "POST /api/events", fmtRate(api), "", `${codes(api)}; load ${api.loadBefore}→${api.loadAfter}`],
          [name, "API ÷ ceiling", `${ratio} %`, "≥ 50 %", ratio >= 50 ? "met" : "NOT met"],
          [
            name,
            "API latency p50 / p99",
            `${p(api, 50)} / ${p(api, 99)} ms`,
            "p99 ≤ 50 ms",
            `${CONCURRENCY} in flight; ${p99 <= 50 ? "met" : "NOT met"}`,
          ],
          [
            name,
            "client CPU per request",
            `${api.clientCpuMsPerRequest.toFixed(2)} ms`,
            "",
            "in the client's own process",
          ],
          [
            name,
            "server CPU per request (ceiling / API)",
            `${raw.serverCpuMs.toFixed(2)} / ${api.serverCpuMs.toFixed(2)} ms`,
            "",
            embedded ? "the server's process, PGlite included" : "the server's process",
          ],
          ...(!embedded && raw.dbCpuMs !== null && api.dbCpuMs !== null
            ? [
                [
                  name,
                  "PostgreSQL CPU per request (ceiling / API)",
                  `${raw.dbCpuMs.toFixed(2)} / ${api.dbCpuMs.toFixed(2)} ms`,
                  "",
                  "all local postgres processes (/proc; other clients of the server included)",
                ],
              ]
            : []),
        ],
        notes: [
          `${name}: ${db.description}; ${api.requests} API requests (${api.fresh} new events) in ${(api.ms / 1000).toFixed(1)} s.`,
        ],
      };
    } finally {
      await w.close();
    }
  } finally {
    await db.close();
  }
}

async function postgresReachable(): Promise<boolean> {
  const u = new URL(POSTGRES_URL);
  if (!u.username) u.username = process.env.PGUSER || process.env.USER || "postgres";
  const c = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** PostgreSQL (when reachable) then PGlite; BENCH_DB=postgres|pglite runs one. */
export async function run(): Promise<BenchResult> {
  const only = process.env.BENCH_DB;
  const rows: string[][] = [];
  const notes: string[] = [];
  let pgRate: number | null = null;
  if (only !== "pglite") {
    if (await postgresReachable()) {
      const r = await benchBackend("postgres");
      rows.push(...r.rows);
      notes.push(...r.notes);
      pgRate = r.apiRate;
    } else notes.push(`PostgreSQL unreachable at ${new URL(POSTGRES_URL).host}: not measured.`);
  }
  if (only !== "postgres") {
    const r = await benchBackend("pglite");
    rows.push(...r.rows);
    notes.push(...r.notes);
    if (pgRate) {
      const share = Math.round((100 * r.apiRate) / pgRate);
      rows.push([
        "PGlite ÷ PostgreSQL",
        "POST /api/events rate",
        `${share} %`,
        "≥ 50 %",
        share >= 50 ? "met" : "NOT met",
      ]);
    }
  }
  notes.push(
    `Each request is one seed-003 envelope with a customer_id (${CUSTOMERS.toLocaleString("en-US")} customers walked ` +
      `down the funnel, so VIDEO_SENT and NO_SHOW create reminders and most events move a status); 20 % are ` +
      `redeliveries of one of the last 64 event ids (200 with the original). ${CONCURRENCY} in flight, keep-alive, ` +
      `after ${WARMUP} warm-up requests; the client runs in its own process; database pool ${POOL} for both ` +
      `servers. ${cpus().length} cores; "load" is the 1-minute load average before→after each phase.`,
  );
  return {
    title: "Events API — POST /api/events against an HTTP + INSERT ceiling",
    columns: ["backend", "measurement", "result", "goal", "notes"],
    rows,
    notes,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  console.log(`### ${r.title}\n`);
  console.log(`| ${r.columns.join(" | ")} |\n| ${r.columns.map(() => "---").join(" | ")} |`);
  for (const row of r.rows) console.log(`| ${row.join(" | ")} |`);
  for (const n of r.notes) console.log(`\n${n}`);
  process.exit(0);
}
