/**
 * The Metrics port on prom-client: one Registry per process, every name prefixed `leadrelay_`,
 * the process defaults (CPU, memory, event-loop lag, GC) included. main.ts makes one and hands
 * `scrape` to the web role's `/metrics` and to the worker/bot metrics server (metrics-server.ts);
 * core and the adapters only see the port. Gauges that describe shared state (the outbox, the
 * BullMQ queues) are read at scrape time, so every process reports the same numbers: aggregate
 * them with `max`, not `sum`.
 */
import type { Queue } from "bullmq";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { PrismaClient } from "../core/db.js";
import type { Clock, Llm, MetricLabels, MetricName, Metrics, OutboundEnvelope } from "../core/ports.js";

const PREFIX = "leadrelay_";
/** Seconds late, from "on time" to "half an hour late". */
const LATENESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
const CHANNELS: ReadonlyArray<OutboundEnvelope["channel"]> = ["telegram", "whatsapp", "email", "sms", "sandbox"];
const QUEUE_STATES = ["waiting", "prioritized", "delayed", "active", "failed"] as const;

/** What a scrape answers: Prometheus text format. */
export interface MetricsScrape {
  contentType: string;
  body: string;
}

/** The Metrics port backed by a prom-client Registry, plus the scrape-time collectors. */
export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  /** The whole registry in Prometheus text format (collectors run now). */
  scrape(): Promise<MetricsScrape>;
  /** Report the outbox from the database at each scrape: pending and failed per channel, oldest due. */
  watchOutbox(prisma: PrismaClient, clock: Clock): void;
  /** Report the jobs per state of these BullMQ queues (and those watched before) at each scrape. */
  watchQueues(queues: readonly Queue[]): void;
}

type Recorder = (value: number, labels: MetricLabels) => void;

/** How long a scrape waits for the database or Redis before reporting without them. */
const COLLECT_TIMEOUT_MS = 2_000;

/** The value, or null when it failed or took longer than COLLECT_TIMEOUT_MS (a scrape never hangs). */
async function settle<T>(work: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), COLLECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Only the labels a metric declares (prom-client throws on others; the port never throws). */
function pick(labels: MetricLabels, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (labels[n] !== undefined) out[n] = labels[n];
  return out;
}

/**
 * A fresh registry with every LeadRelay metric. `role` becomes a label on all of them;
 * `defaults: false` leaves out the process metrics (tests that make many registries).
 */
export function createPrometheusMetrics(opts: { role: string; defaults?: boolean }): PrometheusMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: opts.role });
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]): Recorder => {
    const h = new Histogram({ name: PREFIX + name, help, labelNames, buckets, registers });
    return (value, labels) => h.observe(pick(labels, labelNames), value);
  };
  const counter = (name: string, help: string, labelNames: string[]): Recorder => {
    const c = new Counter({ name: PREFIX + name, help, labelNames, registers });
    return (value, labels) => c.inc(pick(labels, labelNames), value);
  };

  const httpLabels = ["method", "route", "status_code"];
  const httpDuration = histogram(
    "http_request_duration_seconds",
    "HTTP request latency by route pattern",
    httpLabels,
    HTTP_BUCKETS,
  );
  const httpRequests = counter("http_requests_total", "HTTP requests by route pattern and status", httpLabels);
  const llmDuration = histogram(
    "llm_call_duration_seconds",
    "Language-model call latency by feature and outcome (ok, timeout, error, invalid_output)",
    ["feature", "outcome"],
    LLM_BUCKETS,
  );
  const llmCalls = counter("llm_calls_total", "Language-model calls by feature and outcome", ["feature", "outcome"]);
  const llmFailures = counter("llm_call_failures_total", "Language-model calls that did not give an answer", [
    "feature",
    "outcome",
  ]);

  const recorders: Record<MetricName, Recorder> = {
    http_request_duration_seconds: (value, labels) => {
      httpDuration(value, labels);
      httpRequests(1, labels);
    },
    window_expiry_lateness_seconds: histogram(
      "window_expiry_lateness_seconds",
      "How long after its end a response window was expired (now - response_window_ends_at)",
      [],
      LATENESS_BUCKETS,
    ),
    queue_job_lateness_seconds: histogram(
      "queue_job_lateness_seconds",
      "How long after its due time a BullMQ job started, per queue",
      ["queue"],
      LATENESS_BUCKETS,
    ),
    outbox_send_lag_seconds: histogram(
      "outbox_send_lag_seconds",
      "How long after it was due an outbound message was sent, per channel",
      ["channel"],
      LATENESS_BUCKETS,
    ),
    channel_rate_limited_total: counter(
      "channel_rate_limited_total",
      "Sends a channel refused with 429 / retry-after, per channel",
      ["channel"],
    ),
    webhook_rejections_total: counter(
      "webhook_rejections_total",
      "Webhook requests refused (bad signature or secret), per route and status",
      ["route", "status_code"],
    ),
    llm_call_duration_seconds: (value, labels) => {
      llmDuration(value, labels);
      llmCalls(1, labels);
      if (labels.outcome !== "ok") llmFailures(1, labels);
    },
  };

  const observe = (name: MetricName, value: number, labels: MetricLabels = {}) => {
    if (!Number.isFinite(value)) return;
    try {
      recorders[name](Math.max(0, value), labels);
    } catch {
      // a measurement never breaks the work it measures
    }
  };

  const queues: Queue[] = [];
  const watching = new Set<"queues" | "outbox">();
  return {
    registry,
    observe,
    increment: (name, labels) => observe(name, 1, labels),
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    watchOutbox: (prisma, clock) => {
      if (watching.has("outbox")) return;
      watching.add("outbox");
      new Gauge({
        name: `${PREFIX}outbox_messages`,
        help: "Outbound messages waiting to be sent (pending: queued or sending) or failed for good, per channel",
        labelNames: ["channel", "status"],
        registers,
        async collect() {
          const rows = await settle(
            prisma.$queryRaw<Array<{ channel: string; status: string; n: number }>>`
              SELECT channel::text AS channel,
                     CASE WHEN status = 'failed' THEN 'failed' ELSE 'pending' END AS status,
                     count(*)::int AS n
                FROM outbound_messages WHERE status IN ('queued', 'sending', 'failed')
               GROUP BY 1, 2`,
          );
          this.reset();
          if (!rows) return; // the database did not answer: no series rather than a failed scrape
          for (const channel of CHANNELS) for (const status of ["pending", "failed"]) this.set({ channel, status }, 0);
          for (const r of rows) this.set({ channel: r.channel, status: r.status }, r.n);
        },
      });
      new Gauge({
        name: `${PREFIX}outbox_oldest_due_seconds`,
        help: "How long the oldest due, unsent message has been waiting, per channel (the send lag right now)",
        labelNames: ["channel"],
        registers,
        async collect() {
          const now = clock.now();
          const rows = await settle(
            prisma.$queryRaw<Array<{ channel: string; due: Date }>>`
              SELECT channel::text AS channel, min(next_attempt_at) AS due
                FROM outbound_messages WHERE status = 'queued' AND next_attempt_at <= ${now}
               GROUP BY 1`,
          );
          this.reset();
          if (!rows) return;
          for (const channel of CHANNELS) this.set({ channel }, 0);
          for (const r of rows) this.set({ channel: r.channel }, Math.max(0, (now.getTime() - r.due.getTime()) / 1000));
        },
      });
    },
    watchQueues: (more) => {
      queues.push(...more);
      if (watching.has("queues")) return; // one gauge, reading every queue watched so far
      watching.add("queues");
      new Gauge({
        name: `${PREFIX}queue_jobs`,
        help: "BullMQ jobs per queue and state (the queue depth: waiting + prioritized + delayed + active)",
        labelNames: ["queue", "state"],
        registers,
        async collect() {
          const all = await Promise.all(queues.map((q) => settle(q.getJobCounts(...QUEUE_STATES))));
          this.reset();
          for (const [i, counts] of all.entries()) {
            const queue = queues[i]?.name ?? "";
            if (counts) for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
          }
        },
      });
    },
  };
}

/**
 * The Llm port with each call measured (`leadrelay_llm_call_duration_seconds`, `_calls_total`,
 * `_call_failures_total` by feature and outcome). main.ts wraps the configured model with it.
 */
export function instrumentLlm(llm: Llm, metrics: Metrics): Llm {
  return {
    get model() {
      return llm.model;
    },
    async complete(request) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const answer = await llm.complete(request);
        const outcome = answer.ok ? "ok" : answer.reason;
        metrics.observe("llm_call_duration_seconds", seconds(), { feature: request.feature, outcome });
        return answer;
      } catch (err) {
        metrics.observe("llm_call_duration_seconds", seconds(), { feature: request.feature, outcome: "error" });
        throw err;
      }
    },
  };
}
