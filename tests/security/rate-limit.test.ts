/**
 * Issue 11, finding 9: rate limits on the API and the webhooks (@fastify/rate-limit).
 * `/api/hooks/*` per client address (HOOKS_RATE_LIMIT a minute), `/api/*` per API key
 * (API_RATE_LIMIT); 429 RATE_LIMITED with Retry-After; 0 turns a limit off; the panel and the
 * health checks are not limited by them; in scaled mode (Redis) web processes share the counters.
 * The limiter's window runs on Date: tests move it with fake timers (only Date), never sleep.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRateLimitRedis, type RateLimitRedis } from "../../admin/api/rate-limits.js";
import { buildApp } from "../../admin/app.js";
import type { Config } from "../../core/config/config.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";

const REDIS = process.env.TEST_REDIS_URL;
const VERIFY = "verify-me";

let w: TestWorld;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  w = await createWorld();
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await w?.close();
});

/** The web app with these limits (and a CAPI verify token, so the handshake webhook answers 200). */
async function appWith(
  limits: Partial<Config["rateLimits"]> = {},
  rateLimitRedis?: RateLimitRedis,
): Promise<FastifyInstance> {
  const config: Config = {
    ...w.deps.config,
    capi: { ...w.deps.config.capi, verifyToken: VERIFY },
    rateLimits: { ...w.deps.config.rateLimits, ...limits },
  };
  const app = await buildApp({
    ...w.deps,
    config,
    rateLimitRedis,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => undefined,
  });
  await app.ready();
  apps.push(app);
  return app;
}

/** Meta's lead-ads handshake: a real webhook that answers without touching the database. */
const hook = (app: FastifyInstance, remoteAddress = "203.0.113.7", headers: Record<string, string> = {}) =>
  app.inject({
    method: "GET",
    url: `/api/hooks/capi/lead?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=42`,
    remoteAddress,
    headers,
  });

function expectLimited(res: LightMyRequestResponse, limit: number) {
  expect(res.statusCode).toBe(429);
  const retryAfter = Number(res.headers["retry-after"]);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.json()).toEqual({
    error: {
      code: "RATE_LIMITED",
      message: expect.stringMatching(/too many requests/),
      details: { limit_per_minute: limit, retry_after_seconds: retryAfter },
    },
  });
}

describe("webhooks (/api/hooks/*), per client address", () => {
  it("take a burst of 700 calls from one address only up to the default 600 a minute", async () => {
    expect(w.deps.config.rateLimits.hooksPerMinute).toBe(600);
    const app = await appWith();
    const statuses: number[] = [];
    let limited: LightMyRequestResponse | undefined;
    for (let i = 0; i < 700; i++) {
      // A forged X-Forwarded-For changes nothing: no proxy is trusted unless TRUST_PROXY says so.
      const res = await hook(app, "203.0.113.7", { "x-forwarded-for": `198.51.100.${i % 250}` });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) limited ??= res;
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(600);
    expect(statuses.filter((s) => s === 429)).toHaveLength(100);
    expect(statuses.indexOf(429)).toBe(600);
    expectLimited(limited as LightMyRequestResponse, 600);
    // Another address has its own budget; the panel and the health checks are not limited.
    expect((await hook(app, "203.0.113.8")).statusCode).toBe(200);
    const local = { remoteAddress: "203.0.113.7" };
    expect((await app.inject({ method: "GET", url: "/healthz", ...local })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/readyz", ...local })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/admin/login", ...local })).statusCode).toBe(200);
  });

  it("let a busy installation's steady pace through (5 calls a second for 3 minutes)", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-03-01T10:00:00Z") });
    const app = await appWith();
    const statuses = new Set<number>();
    for (let s = 0; s < 180; s++) {
      for (let i = 0; i < 5; i++) statuses.add((await hook(app, "203.0.113.20")).statusCode);
      vi.advanceTimersByTime(1_000);
    }
    expect([...statuses]).toEqual([200]);
  });

  it("count an encoded path (/%61pi/hooks/…) against the same budget", async () => {
    const app = await appWith({ hooksPerMinute: 3 });
    const url = `/%61pi/hooks/capi/lead?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1`;
    for (let i = 0; i < 3; i++) await hook(app, "203.0.113.30");
    expectLimited(await app.inject({ method: "GET", url, remoteAddress: "203.0.113.30" }), 3);
  });

  it("open again once the minute has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-03-01T11:00:00Z") });
    const app = await appWith({ hooksPerMinute: 2 });
    expect((await hook(app, "203.0.113.40")).statusCode).toBe(200);
    expect((await hook(app, "203.0.113.40")).statusCode).toBe(200);
    const limited = await hook(app, "203.0.113.40");
    expectLimited(limited, 2);
    expect(limited.headers["retry-after"]).toBe("60");
    vi.advanceTimersByTime(30_000);
    expect((await hook(app, "203.0.113.40")).headers["retry-after"]).toBe("30");
    vi.advanceTimersByTime(30_001);
    expect((await hook(app, "203.0.113.40")).statusCode).toBe(200);
  });
});

describe("the API (/api/*), per key", () => {
  it("gives two keys (and key-less callers) separate budgets", async () => {
    const app = await appWith({ apiPerMinute: 5 });
    const a = await apiKey(w);
    const b = await apiKey(w);
    const leads = (headers: Record<string, string>) =>
      app.inject({ method: "GET", url: "/api/leads", headers, remoteAddress: "203.0.113.50" });
    for (let i = 0; i < 5; i++) expect((await leads(a)).statusCode).toBe(200);
    expectLimited(await leads(a), 5);
    // /api/events is part of the API budget too.
    expectLimited(
      await app.inject({ method: "GET", url: "/api/events", headers: a, remoteAddress: "203.0.113.50" }),
      5,
    );
    for (let i = 0; i < 5; i++) expect((await leads(b)).statusCode).toBe(200);
    expectLimited(await leads(b), 5);
    // Without a key the address is the budget: its own, and the key's exhaustion does not touch it.
    expect((await leads({})).statusCode).toBe(401);
    // The webhooks' budget is separate from the API's.
    expect((await hook(app, "203.0.113.50")).statusCode).toBe(200);
    // The panel is not limited by the API limit.
    for (let i = 0; i < 8; i++) {
      expect((await app.inject({ method: "GET", url: "/admin/login", remoteAddress: "203.0.113.50" })).statusCode).toBe(
        200,
      );
    }
  });

  it("limits a key whatever address it comes from", async () => {
    const app = await appWith({ apiPerMinute: 3 });
    const a = await apiKey(w);
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: "GET", url: "/api/leads", headers: a, remoteAddress: `192.0.2.${i + 1}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-ratelimit-remaining"]).toBe(String(2 - i));
    }
    expectLimited(await app.inject({ method: "GET", url: "/api/leads", headers: a, remoteAddress: "192.0.2.99" }), 3);
  });
});

describe("turning limits off", () => {
  it("0 turns each limit off", async () => {
    const app = await appWith({ apiPerMinute: 0, hooksPerMinute: 0 });
    const a = await apiKey(w);
    const statuses = new Set<number>();
    for (let i = 0; i < 700; i++) statuses.add((await hook(app, "203.0.113.60")).statusCode);
    for (let i = 0; i < 20; i++) {
      statuses.add((await app.inject({ method: "GET", url: "/api/leads", headers: a })).statusCode);
    }
    expect([...statuses]).toEqual([200]);
    const res = await hook(app, "203.0.113.60");
    expect(res.headers["x-ratelimit-limit"]).toBeUndefined();
  });

  it("one limit off leaves the other on", async () => {
    const app = await appWith({ apiPerMinute: 0, hooksPerMinute: 2 });
    const a = await apiKey(w);
    for (let i = 0; i < 10; i++) {
      expect((await app.inject({ method: "GET", url: "/api/leads", headers: a })).statusCode).toBe(200);
    }
    await hook(app, "203.0.113.61");
    await hook(app, "203.0.113.61");
    expectLimited(await hook(app, "203.0.113.61"), 2);
  });
});

describe.skipIf(!REDIS)("scaled mode: limits shared through Redis", () => {
  async function readyClient(): Promise<RateLimitRedis> {
    const client = createRateLimitRedis(REDIS as string);
    if (client.status !== "ready") await new Promise((resolve) => client.once("ready", resolve));
    return client;
  }

  it("two web processes spend one budget per address and per key", async () => {
    const one = await appWith({ hooksPerMinute: 10, apiPerMinute: 4 }, await readyClient());
    const two = await appWith({ hooksPerMinute: 10, apiPerMinute: 4 }, await readyClient());
    // A fresh address and key per run: the counters in Redis outlive a test run by a minute.
    const address = `10.${randomBytes(3).join(".")}`;
    for (let i = 0; i < 10; i++) expect((await hook(i % 2 ? one : two, address)).statusCode).toBe(200);
    expectLimited(await hook(one, address), 10);
    expectLimited(await hook(two, address), 10);

    const key = await apiKey(w);
    for (const app of [one, two, one, two]) {
      expect((await app.inject({ method: "GET", url: "/api/leads", headers: key })).statusCode).toBe(200);
    }
    expectLimited(await two.inject({ method: "GET", url: "/api/leads", headers: key }), 4);
    expectLimited(await one.inject({ method: "GET", url: "/api/leads", headers: key }), 4);
  });
});
