/**
 * Events API benchmark (`npm run bench -- events`, or `npx tsx tests/bench/events.bench.ts`):
 * POST /api/events throughput with idempotency over real HTTP on loopback (keep-alive, a
 * bounded number in flight), on PostgreSQL and on PGlite, against the ceiling measured in the
 * same run on the same database: raw `pg` INSERTs of the same row shape into event_logs with
 * ON CONFLICT (event_id) DO NOTHING. Both streams carry 20 % redeliveries of recent event ids.
 * Every phase is bounded by a request count and a time limit.
 */
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { percentile } from "../backtest/backtest.js";
import { type BacktestApp, type DbKind, openBacktestDb, POSTGRES_URL, startBacktestApp } from "../backtest/env.js";
import { JsonClient } from "../backtest/http.js";

export interface BenchResult {
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CUSTOMERS = 2_000;
const DUPLICATE_RATE = 0.2;
const FUNNEL = [
  "DM_STARTED",
  "INVITE_SENT",
  "VIDEO_SENT",
  "MEETING_BOOKED",
  "NO_SHOW",
  "MEETING_HELD",
  "FOLLOW_UP",
  "JOINED_TEAM",
] as const;
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Phase {
  requests: number;
  ms: number;
  /** CPU time of this Node process (client, web app and, for PGlite, the database) per request. */
  cpuMsPerRequest: number;
  latencies: number[];
  statuses: Map<number, number>;
}

/**
 * Run `send(i)` for i = 0, 1, … with `concurrency` in flight until `count` are done or
 * `limitMs` has passed (no new request starts after that).
 */
async function drive(
  count: number,
  limitMs: number,
  concurrency: number,
  send: (i: number) => Promise<{ status: number; ms: number }>,
): Promise<Phase> {
  const phase: Phase = { requests: 0, ms: 0, cpuMsPerRequest: 0, latencies: [], statuses: new Map() };
  const started = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() - started < limitMs) {
      const r = await send(next++);
      phase.requests++;
      phase.latencies.push(r.ms);
      phase.statuses.set(r.status, (phase.statuses.get(r.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  phase.ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  phase.cpuMsPerRequest = (used.user + used.system) / 1000 / Math.max(1, phase.requests);
  phase.latencies.sort((a, b) => a - b);
  return phase;
}

/** The i-th request of a stream: a new event, or (20 %) a redelivery of one of the last 64. */
function streamOf(tag: string) {
  const sent: string[] = [];
  let n = 0;
  return (i: number): { id: string; k: number; duplicate: boolean } => {
    // Deterministic "random" choice: a multiplicative hash of i.
    const duplicate = sent.length > 0 && ((i * 2_654_435_761) >>> 0) / 4_294_967_296 < DUPLICATE_RATE;
    if (duplicate) {
      const id = sent[(i * 40_503) % sent.length] as string;
      return { id, k: Number(id.split("-").at(-1)), duplicate };
    }
    const k = n++;
    const id = `${tag}-${k}`;
    sent.push(id);
    if (sent.length > 64) sent.shift();
    return { id, k, duplicate };
  };
}

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

/** POST /api/events: events k = 0, 1, … go to customer k mod 2,000, walking each one down the funnel. */
async function measureApi(w: BacktestApp, customers: string[], count: number, limitMs: number) {
  const client = new JsonClient(w.baseUrl, { authorization: w.authorization }, { sockets: CONCURRENCY });
  const at = new Date(w.clock.now().getTime() - 60_000).toISOString();
  const body = (id: string, k: number) => ({
    event_id: id,
    event_name: FUNNEL[Math.floor(k / customers.length) % FUNNEL.length],
    timestamp: at,
    source: "ig",
    customer_id: customers[k % customers.length],
    properties: { n: k },
    utm: { utm_source: "bench" },
  });
  try {
    const warm = streamOf(`warm-${randomBytes(3).toString("hex")}`);
    await drive(300, 30_000, CONCURRENCY, (i) => {
      const e = warm(i);
      return client.post("/api/events", body(e.id, e.k + customers.length * FUNNEL.length));
    });
    const next = streamOf(`api-${randomBytes(3).toString("hex")}`);
    let fresh = 0;
    const phase = await drive(count, limitMs, CONCURRENCY, (i) => {
      const e = next(i);
      if (!e.duplicate) fresh++;
      return client.post("/api/events", body(e.id, e.k));
    });
    return { ...phase, fresh };
  } finally {
    client.close();
  }
}

/** The ceiling: the same rows straight into event_logs with node-postgres, same concurrency, same 20 % repeats. */
async function measureRawInsert(w: BacktestApp, dbUrl: string, customers: string[], count: number, limitMs: number) {
  const pool = new pg.Pool({ connectionString: dbUrl, max: CONCURRENCY });
  const sql = `INSERT INTO event_logs (event_id, event_name, customer_id, owner_id, source, timestamp, properties, utm,
      payload_hash, result, created_at)
    VALUES ($1, $2::"EventName", $3::uuid, $4::uuid, 'ig', $5, $6::jsonb, $7::jsonb, $8, $9::jsonb, $10)
    ON CONFLICT (event_id) DO NOTHING`;
  const now = w.clock.now();
  const next = streamOf(`raw-${randomBytes(3).toString("hex")}`);
  try {
    const phase = await drive(count, limitMs, CONCURRENCY, async (i) => {
      const e = next(i);
      const t0 = performance.now();
      const r = await pool.query(sql, [
        e.id,
        FUNNEL[Math.floor(e.k / customers.length) % FUNNEL.length],
        customers[e.k % customers.length],
        w.marketerId,
        new Date(now.getTime() - 60_000),
        JSON.stringify({ n: e.k }),
        JSON.stringify({ utm_source: "bench" }),
        randomBytes(32).toString("hex"),
        JSON.stringify({ customer_id: customers[e.k % customers.length], customer_created: false, rules: [] }),
        now,
      ]);
      return { status: r.rowCount === 1 ? 201 : 200, ms: performance.now() - t0 };
    });
    return phase;
  } finally {
    await pool.end();
  }
}

const rate = (n: number, ms: number) => n / (ms / 1000);
const fmtRate = (n: number, ms: number) => `${Math.round(rate(n, ms)).toLocaleString("en-US")} /s`;
const codes = (p: Phase) =>
  [...p.statuses]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${n}×${s}`)
    .join(", ");

async function benchBackend(kind: DbKind): Promise<{ rows: string[][]; notes: string[] }> {
  const embedded = kind === "pglite";
  const count = Number(process.env.BENCH_EVENTS ?? (embedded ? 3_000 : 8_000));
  const limitMs = Number(process.env.BENCH_SECONDS ?? 30) * 1000;
  const db = await openBacktestDb(kind);
  try {
    const w = await startBacktestApp(db.url, { dbMode: embedded ? "embedded" : "postgres", poolSize: CONCURRENCY });
    try {
      const customers = await seedCustomers(w);
      progress(`${db.description}: POST /api/events × ${count} (≤ ${limitMs / 1000} s), ${CONCURRENCY} in flight`);
      const api = await measureApi(w, customers, count, limitMs);
      progress(`${db.description}: raw pg INSERT … ON CONFLICT × ${count}`);
      const raw = await measureRawInsert(w, db.url, customers, count, limitMs);
      const apiRate = rate(api.requests, api.ms);
      const rawRate = rate(raw.requests, raw.ms);
      const goal = embedded ? "≥ 500 /s" : "≥ 2,000 /s";
      const name = embedded ? "PGlite (embedded)" : "PostgreSQL";
      return {
        rows: [
          [name, "POST /api/events", fmtRate(api.requests, api.ms), goal, `${api.requests} requests: ${codes(api)}`],
          [name, "  new events only", fmtRate(api.fresh, api.ms), "", "201s: stored, automations run"],
          [
            name,
            "  latency p50 / p99",
            `${percentile(api.latencies, 50).toFixed(1)} / ${percentile(api.latencies, 99).toFixed(1)} ms`,
            "",
            `${CONCURRENCY} in flight, keep-alive`,
          ],
          [
            name,
            "  Node CPU per request",
            `${api.cpuMsPerRequest.toFixed(2)} ms`,
            "",
            embedded ? "client + web app + PGlite, one process" : "client + web app (PostgreSQL is another process)",
          ],
          [name, "raw pg INSERT … ON CONFLICT DO NOTHING", fmtRate(raw.requests, raw.ms), "ceiling", codes(raw)],
          [
            name,
            "API ÷ raw",
            `${Math.round((100 * apiRate) / rawRate)} %`,
            embedded ? "" : "≥ 50 %",
            "same run, same database",
          ],
        ],
        notes: [`${name}: ${db.description}.`],
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
  if (only !== "pglite") {
    if (await postgresReachable()) {
      const r = await benchBackend("postgres");
      rows.push(...r.rows);
      notes.push(...r.notes);
    } else notes.push(`PostgreSQL unreachable at ${new URL(POSTGRES_URL).host}: not measured.`);
  }
  if (only !== "postgres") {
    const r = await benchBackend("pglite");
    rows.push(...r.rows);
    notes.push(...r.notes);
  }
  notes.push(
    `Each request is one seed-003 envelope with a customer_id (2,000 customers walked down the funnel, so ` +
      `VIDEO_SENT and NO_SHOW create reminders and most events move a status); 20 % are redeliveries of one ` +
      `of the last 64 event ids (200 with the original). ${cpus().length} cores; the client, the web app and ` +
      `(for PGlite) the database share one Node process.`,
  );
  return {
    title: "Events API — POST /api/events with idempotency",
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
