/**
 * `GET /metrics` (Prometheus text, prom-client): each metric moves when its path is used — HTTP
 * requests by route pattern, the outbox gauges and send lag, window-expiry lateness on the fake
 * clock, webhook rejections, a channel's 429s, LLM calls, BullMQ queue depth and job lateness
 * (with TEST_REDIS_URL) — and METRICS_TOKEN guards it, on the web role and the worker's server.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildApp } from "../../admin/app.js";
import { expireWindow } from "../../core/marketplace/window.service.js";
import { enqueue } from "../../core/messaging/outbox.js";
import type { Channel, Llm, SendResult } from "../../core/ports.js";
import { BullmqScheduler, redisConnection, startWakeupWorker } from "../../jobs/bullmq-scheduler.js";
import { createPrometheusMetrics, instrumentLlm, type PrometheusMetrics } from "../../jobs/metrics.js";
import { startMetricsServer } from "../../jobs/metrics-server.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeBid, makeContractor, makeLead } from "../support/factories.js";

const TOKEN = "metrics-token-0123456789";
const REDIS = process.env.TEST_REDIS_URL;

/** The value of one series in Prometheus text (`labels` must all match), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

let w: TestWorld;
let app: FastifyInstance;
let metrics: PrometheusMetrics;

async function scrape(): Promise<string> {
  const res = await app.inject({ url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toContain("text/plain");
  return res.body;
}

beforeAll(async () => {
  w = await createWorld({ METRICS_TOKEN: TOKEN, CAPI_APP_SECRET: "capi-secret", RESPONSE_WINDOW: "2h" });
  metrics = createPrometheusMetrics({ role: "web" });
  metrics.watchOutbox(w.prisma, w.clock);
  w.deps.metrics = metrics;
  app = await buildApp({
    ...w.deps,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => {},
    scrapeMetrics: metrics.scrape,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("/metrics on the web role", () => {
  it("wants the METRICS_TOKEN bearer when one is set, and is outside the API's key and limits", async () => {
    expect((await app.inject({ url: "/metrics" })).statusCode).toBe(401);
    const wrong = await app.inject({ url: "/metrics", headers: { authorization: "Bearer nope" } });
    expect(wrong.statusCode).toBe(401);
    const text = await scrape();
    expect(text).toContain("leadrelay_process_cpu_user_seconds_total"); // the process defaults
    expect(text).toMatch(/leadrelay_nodejs_eventloop_lag_seconds/);
  });

  it("counts HTTP requests and their latency by route pattern, not by raw URL", async () => {
    const before = await scrape();
    const route = { method: "GET", route: "/healthz", status_code: "200" };
    const n0 = sample(before, "leadrelay_http_requests_total", route) ?? 0;
    await app.inject({ url: "/healthz" });
    await app.inject({ url: "/healthz" });
    await app.inject({ url: `/api/leads/${randomBytes(8).toString("hex")}` }); // 401 without a key
    const after = await scrape();
    expect(sample(after, "leadrelay_http_requests_total", route)).toBe(n0 + 2);
    expect(sample(after, "leadrelay_http_request_duration_seconds_count", route)).toBe(n0 + 2);
    expect(sample(after, "leadrelay_http_requests_total", { route: "/api/leads/:id", status_code: "401" })).toBe(1);
    expect(after).not.toMatch(/route="\/api\/leads\/[0-9a-f]{16}"/);
  });

  it("counts webhook rejections (a bad signature) by route", async () => {
    const labels = { route: "/api/hooks/capi/lead", status_code: "401" };
    expect(sample(await scrape(), "leadrelay_webhook_rejections_total", labels)).toBeUndefined();
    const res = await app.inject({
      method: "POST",
      url: "/api/hooks/capi/lead",
      headers: { "content-type": "application/json", "x-hub-signature-256": "sha256=00" },
      payload: { object: "page", entry: [] },
    });
    expect(res.statusCode).toBe(401);
    expect(sample(await scrape(), "leadrelay_webhook_rejections_total", labels)).toBe(1);
  });

  it("reports the outbox pending per channel, a channel's 429s, then the send lag once sent", async () => {
    const pending = { channel: "sms", status: "pending" };
    expect(sample(await scrape(), "leadrelay_outbox_messages", pending)).toBe(0);
    const now = w.clock.now();
    await enqueue(w.prisma, {
      channel: "sms",
      to_address: "+16025550100",
      kind: "test",
      body: "hi",
      next_attempt_at: now,
    });
    w.clock.advance(3_000); // due 3 s ago
    let text = await scrape();
    expect(sample(text, "leadrelay_outbox_messages", pending)).toBe(1);
    expect(sample(text, "leadrelay_outbox_oldest_due_seconds", { channel: "sms" })).toBe(3);

    let answer: SendResult = { ok: false, retryable: true, error: "429 Too Many Requests", retryAfterMs: 2_000 };
    const sms: Channel = { send: async () => answer };
    const sender = new OutboxSender(w.deps, { channels: { sms }, sleep: async () => {} });
    expect(await sender.tick()).toBe(1);
    text = await scrape();
    expect(sample(text, "leadrelay_channel_rate_limited_total", { channel: "sms" })).toBe(1);
    expect(sample(text, "leadrelay_outbox_messages", pending)).toBe(1); // still waiting, not lost

    answer = { ok: true, providerMessageId: "SM1" };
    w.clock.advance(5_000); // the retry-after is over: due 3 s ago
    expect(await sender.tick()).toBe(1);
    text = await scrape();
    expect(sample(text, "leadrelay_outbox_messages", pending)).toBe(0);
    expect(sample(text, "leadrelay_outbox_send_lag_seconds_count", { channel: "sms" })).toBe(1);
    expect(sample(text, "leadrelay_outbox_send_lag_seconds_sum", { channel: "sms" })).toBe(3);
  });

  it("records window-expiry lateness (now - response_window_ends_at) when a window is expired", async () => {
    const name = "leadrelay_window_expiry_lateness_seconds_count";
    expect(sample(await scrape(), name)).toBe(0);
    const endsAt = w.clock.now();
    const contractor = await makeContractor(w.prisma);
    const lead = await makeLead(w.prisma, { status: "PENDING_RESPONSE_1", current_rank: 1 });
    const bid = await makeBid(w.prisma, {
      lead_id: lead.id,
      contractor_id: contractor.id,
      bid_rank: 1,
      status: "WON",
      response_window_starts_at: new Date(endsAt.getTime() - 7_200_000),
      response_window_ends_at: endsAt,
    });
    w.clock.advance(7_000); // the worker got to it 7 s late
    const r = await expireWindow(w.deps, bid.id);
    expect(r.ok && r.value.expired).toBe(true);
    expect((await expireWindow(w.deps, bid.id)).ok).toBe(true); // a second wake-up expires nothing
    const text = await scrape();
    expect(sample(text, name)).toBe(1);
    expect(sample(text, "leadrelay_window_expiry_lateness_seconds_sum")).toBe(7);
    expect(sample(text, "leadrelay_window_expiry_lateness_seconds_bucket", { le: "5" })).toBe(0);
    expect(sample(text, "leadrelay_window_expiry_lateness_seconds_bucket", { le: "10" })).toBe(1);
  });

  it("counts LLM calls, latency and failures by feature through the instrumented model", async () => {
    let fail = false;
    const fake: Llm = {
      model: "fake",
      complete: async <T>() =>
        fail
          ? { ok: false, reason: "timeout", retryable: false, detail: "slow", model: "fake", tokens: zero }
          : { ok: true, value: { text: "hi" } as T, model: "fake", tokens: zero },
    };
    const zero = { input: 0, output: 0, cached: 0 };
    const llm = instrumentLlm(fake, metrics);
    const request = { feature: "timeline_summary", system: "s", user: "u", schema: z.object({ text: z.string() }) };
    await llm.complete(request);
    fail = true;
    await llm.complete(request);
    const text = await scrape();
    const f = { feature: "timeline_summary" };
    expect(sample(text, "leadrelay_llm_calls_total", { ...f, outcome: "ok" })).toBe(1);
    expect(sample(text, "leadrelay_llm_calls_total", { ...f, outcome: "timeout" })).toBe(1);
    expect(sample(text, "leadrelay_llm_call_failures_total", { ...f, outcome: "timeout" })).toBe(1);
    expect(sample(text, "leadrelay_llm_call_failures_total", { ...f, outcome: "ok" })).toBeUndefined();
    expect(sample(text, "leadrelay_llm_call_duration_seconds_count", { ...f, outcome: "ok" })).toBe(1);
  });
});

describe("/metrics on the worker and bot roles (METRICS_PORT)", () => {
  it("serves the same registry on a port of its own, behind the token", async () => {
    const server = await startMetricsServer({ port: 0, host: "127.0.0.1", token: TOKEN, scrape: metrics.scrape });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("leadrelay_outbox_messages");
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!REDIS)("BullMQ queue depth and job lateness (Redis)", () => {
  it("reports delayed jobs per queue and how late a due job started", async () => {
    const queueName = `lr-test-metrics-${randomBytes(4).toString("hex")}`;
    const connection = redisConnection(REDIS as string);
    const scheduler = new BullmqScheduler(connection, queueName);
    metrics.watchQueues([scheduler.queue]);
    const handled: string[] = [];
    const worker = startWakeupWorker(connection, async (key) => void handled.push(key), { queueName, metrics });
    try {
      const delayed = { queue: queueName, state: "delayed" };
      expect(sample(await scrape(), "leadrelay_queue_jobs", delayed)).toBe(0);
      await scheduler.at("later:1", new Date(Date.now() + 60_000));
      await scheduler.at("later:2", new Date(Date.now() + 60_000));
      expect(sample(await scrape(), "leadrelay_queue_jobs", delayed)).toBe(2);

      await scheduler.at("now:1", new Date(Date.now() - 1_500)); // already 1.5 s late when queued
      const deadline = Date.now() + 10_000;
      while (!handled.includes("now:1") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(handled).toEqual(["now:1"]);
      const text = await scrape();
      expect(sample(text, "leadrelay_queue_job_lateness_seconds_count", { queue: queueName })).toBe(1);
      expect(sample(text, "leadrelay_queue_job_lateness_seconds_sum", { queue: queueName })).toBeGreaterThanOrEqual(
        1.5,
      );
    } finally {
      await worker.close();
      await scheduler.queue.obliterate({ force: true });
      await scheduler.close();
    }
  });
});
