import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Metrics } from "../../core/ports.js";

/** What `/metrics` serves, handed in by main.ts (the registry lives outside admin/). */
export interface MetricsScrape {
  contentType: string;
  body: string;
}

export interface WebMetricsOptions {
  metrics?: Metrics;
  /** Serves `GET /metrics` when given. */
  scrape?: () => Promise<MetricsScrape>;
  /** METRICS_TOKEN: `/metrics` then wants `Authorization: Bearer <token>`. */
  token?: string;
  /** The Telegram webhook's path (TELEGRAM_WEBHOOK_URL), a webhook like `/api/hooks/*`. */
  telegramWebhookPath?: string | null;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim() ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Measure every request (latency and count by method, route pattern — never the raw URL, so ids
 * do not explode the series — and status) and count refused webhooks (401/403 on `/api/hooks/*`
 * or the Telegram webhook: a bad signature or secret). Serves `GET /metrics` in Prometheus text:
 * outside `/api`, so neither rate-limited nor behind an API key; METRICS_TOKEN protects it.
 * Call before any route is registered (the hook is the root instance's).
 */
export function installWebMetrics(app: FastifyInstance, opts: WebMetricsOptions): void {
  const { metrics, scrape, token } = opts;
  if (metrics) {
    app.addHook("onResponse", async (req, reply) => {
      const route = req.routeOptions.url ?? "(unmatched)";
      if (route === "/metrics") return;
      const status_code = String(reply.statusCode);
      metrics.observe("http_request_duration_seconds", reply.elapsedTime / 1000, {
        method: req.method,
        route,
        status_code,
      });
      const webhook = route.startsWith("/api/hooks/") || route === opts.telegramWebhookPath;
      if (webhook && (reply.statusCode === 401 || reply.statusCode === 403)) {
        metrics.increment("webhook_rejections_total", { route, status_code });
      }
    });
  }
  if (scrape) {
    app.get("/metrics", { schema: { hide: true } }, async (req, reply) => {
      if (token && !bearerMatches(req.headers.authorization, token)) {
        return reply
          .code(401)
          .header("www-authenticate", "Bearer")
          .send({ error: { code: "UNAUTHORIZED", message: "METRICS_TOKEN required", details: null } });
      }
      const m = await scrape();
      return reply.header("content-type", m.contentType).send(m.body);
    });
  }
}
