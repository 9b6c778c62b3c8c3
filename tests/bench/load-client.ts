/**
 * The benchmarks' HTTP load client, run in its own process (`forkLoadClient`) so that making
 * requests never steals the server's event loop. The parent sends one LoadSpec; the child
 * POSTs the events stream to `path` with `concurrency` in flight (keep-alive) and answers one
 * LoadResult. The events stream: request i is a new event (k = 0, 1, …) about customer
 * k mod customers, walking each customer down the funnel, or — `duplicateRate` of them — a
 * redelivery of one of the last 64 event ids.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { JsonClient } from "../backtest/http.js";

export interface LoadSpec {
  baseUrl: string;
  path: string;
  headers: Record<string, string>;
  customers: string[];
  /** Event ids are `<tag>-<k>`. */
  tag: string;
  /** Added to k for the event name (a warm-up walks other steps than the measured run). */
  kOffset: number;
  count: number;
  limitMs: number;
  concurrency: number;
  duplicateRate: number;
  /** The events' ISO timestamp. */
  at: string;
}

export interface LoadResult {
  requests: number;
  /** New events sent (not redeliveries). */
  fresh: number;
  ms: number;
  /** Per-request round trips, sorted ascending. */
  latencies: number[];
  statuses: Record<string, number>;
  /** CPU time of the client process per request. */
  clientCpuMsPerRequest: number;
}

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

/** The i-th request of a stream: a new event, or a redelivery of one of the last 64. */
function streamOf(tag: string, duplicateRate: number) {
  const sent: Array<{ id: string; k: number }> = [];
  let n = 0;
  return (i: number): { id: string; k: number; duplicate: boolean } => {
    // Deterministic "random" choice: a multiplicative hash of i.
    const duplicate = sent.length > 0 && ((i * 2_654_435_761) >>> 0) / 4_294_967_296 < duplicateRate;
    if (duplicate) return { ...(sent[(i * 40_503) % sent.length] as { id: string; k: number }), duplicate };
    const k = n++;
    const e = { id: `${tag}-${k}`, k };
    sent.push(e);
    if (sent.length > 64) sent.shift();
    return { ...e, duplicate };
  };
}

/** Drive the stream against the server (runs in the child). */
async function driveLoad(spec: LoadSpec): Promise<LoadResult> {
  const client = new JsonClient(spec.baseUrl, spec.headers, { sockets: spec.concurrency });
  const next = streamOf(spec.tag, spec.duplicateRate);
  const n = spec.customers.length;
  const out: LoadResult = { requests: 0, fresh: 0, ms: 0, latencies: [], statuses: {}, clientCpuMsPerRequest: 0 };
  const started = performance.now();
  const cpu = process.cpuUsage();
  let i = 0;
  const worker = async () => {
    while (i < spec.count && performance.now() - started < spec.limitMs) {
      const e = next(i++);
      if (!e.duplicate) out.fresh++;
      const k = e.k + spec.kOffset;
      const r = await client.post(spec.path, {
        event_id: e.id,
        event_name: FUNNEL[Math.floor(k / n) % FUNNEL.length],
        timestamp: spec.at,
        source: "ig",
        customer_id: spec.customers[e.k % n],
        properties: { n: e.k },
        utm: { utm_source: "bench" },
      });
      out.requests++;
      out.latencies.push(r.ms);
      out.statuses[r.status] = (out.statuses[r.status] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
  } finally {
    client.close();
  }
  out.ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  out.clientCpuMsPerRequest = (used.user + used.system) / 1000 / Math.max(1, out.requests);
  out.latencies.sort((a, b) => a - b);
  return out;
}

/** Run `spec` in a child process (this file, under tsx) and answer its result. */
export function forkLoadClient(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--child"], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let settled = false;
    child.once("message", (m: { ok: true; result: LoadResult } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(`load client: ${m.error}`));
      child.disconnect();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (!settled) reject(new Error(`load client exited with ${code} before answering`));
    });
    child.send(spec);
  });
}

if (process.argv[2] === "--child") {
  process.once("message", (spec: LoadSpec) => {
    driveLoad(spec).then(
      (result) => process.send?.({ ok: true, result }),
      (err: unknown) => process.send?.({ ok: false, error: String((err as Error)?.stack ?? err) }),
    );
  });
}
