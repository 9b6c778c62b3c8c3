import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Redis } from "ioredis";
import { hashApiKey } from "../../core/accounts/api-key.service.js";
import type { CoreDeps } from "../../core/context.js";
import { sendError } from "./errors.js";

/** Limits count requests per minute (API_RATE_LIMIT, HOOKS_RATE_LIMIT). */
export const RATE_WINDOW_MS = 60_000;

/** The Redis client the limits share in scaled mode (ioredis). */
export type RateLimitRedis = Redis;

/** Which budget a request spends: webhooks per client address, the rest of `/api` per key. */
export type RateBucket = "hooks" | "api";

function decodedPath(url: string): string {
  const path = url.split("?")[0] ?? "";
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The budget a request counts against, or null (panel, health checks, tracking links: not
 * limited here). The matched route's pattern is used when there is one — the router decodes
 * `%61pi`, so a raw-URL prefix test could be dodged — and the decoded path for a 404.
 */
export function bucketOf(req: FastifyRequest): RateBucket | null {
  const path = req.routeOptions.url ?? decodedPath(req.url);
  if (path === "/api/hooks" || path.startsWith("/api/hooks/")) return "hooks";
  if (path === "/api" || path.startsWith("/api/")) return "api";
  return null;
}

/**
 * Whose budget: `/api/*` per API key — a digest of the presented Bearer token (never the key
 * itself; no database lookup before the limit) — or the client address when there is none;
 * webhooks per client address (IPv6 grouped by /64). The address is fastify's `req.ip`, which
 * trusts `X-Forwarded-For` only from the proxies TRUST_PROXY names.
 */
export function rateKeyOf(req: FastifyRequest, bucket: RateBucket): string {
  if (bucket === "api") {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (token) return `api:key:${hashApiKey(token).slice(0, 32)}`;
  }
  return `${bucket}:ip:${normalizeIP(req.ip)}`;
}

/** A Redis client for the shared limits: fails fast (the limit is skipped, not the request) when Redis is away. */
export function createRateLimitRedis(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    commandTimeout: 500,
  });
}

/**
 * Rate limits of the API and the webhooks (@fastify/rate-limit): `/api/hooks/*` per client
 * address (HOOKS_RATE_LIMIT a minute), every other `/api/*` route — `/api/events` included —
 * per API key (API_RATE_LIMIT a minute); 0 turns a limit off. The panel keeps its own limit;
 * `/healthz`, `/readyz` and tracking links are not limited. Over the limit: 429 RATE_LIMITED
 * with `Retry-After` (seconds), before authentication or the body is read. With a Redis client
 * (scaled mode) the counters live in Redis, so the limits hold across web processes; if Redis
 * does not answer, requests pass rather than fail (availability first) and a warning is logged.
 * The defaults are far above what an installation sends (the backtest's busiest minute is
 * a few hundred calls) and far below a flood.
 */
export async function installRateLimits(
  app: FastifyInstance,
  deps: Pick<CoreDeps, "config" | "log"> & { rateLimitRedis?: Redis },
): Promise<void> {
  const { apiPerMinute, hooksPerMinute } = deps.config.rateLimits;
  if (apiPerMinute === 0 && hooksPerMinute === 0) return;
  const redis = deps.rateLimitRedis;
  if (redis) {
    let down = false;
    redis.on("error", (err: Error) => {
      if (down) return;
      down = true;
      deps.log.warn(`rate limits: Redis unavailable (${err.message}); requests are not limited until it is back`);
    });
    redis.on("ready", () => {
      down = false;
    });
    app.addHook("onClose", async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  }
  const perMinute: Record<RateBucket, number> = { api: apiPerMinute, hooks: hooksPerMinute };
  // `global: false`: the plugin adds no hook of its own; the one below picks the budget.
  await app.register(rateLimit, {
    global: false,
    timeWindow: RATE_WINDOW_MS,
    max: (_req, key) => perMinute[key.startsWith("hooks:") ? "hooks" : "api"],
    keyGenerator: (req) => rateKeyOf(req, bucketOf(req) ?? "api"),
    skipOnError: true,
    cache: 10_000,
    ...(redis ? { redis, nameSpace: "leadrelay:rate:" } : {}),
  });
  const check = app.createRateLimit();

  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    const bucket = bucketOf(req);
    if (!bucket || perMinute[bucket] === 0) return;
    const r = await check(req);
    if (r.isAllowed) return;
    reply.header("x-ratelimit-limit", r.max);
    reply.header("x-ratelimit-remaining", r.remaining);
    reply.header("x-ratelimit-reset", r.ttlInSeconds);
    if (!r.isExceeded) return;
    reply.header("retry-after", r.ttlInSeconds);
    const who = bucket === "hooks" ? "from one address to the webhooks" : "per API key";
    return sendError(
      reply,
      429,
      "RATE_LIMITED",
      `too many requests: at most ${r.max} a minute ${who}; try again in ${r.ttlInSeconds} s`,
      { limit_per_minute: r.max, retry_after_seconds: r.ttlInSeconds },
    );
  });
}
