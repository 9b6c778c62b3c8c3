/**
 * A tiny HTTP server for the roles without a web server (worker, bot): `GET /metrics` on
 * METRICS_PORT (Prometheus text), `GET /healthz` for a liveness probe, 404 otherwise. With
 * METRICS_TOKEN set, /metrics wants `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricsScrape } from "./metrics.js";

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Whether an Authorization header carries the bearer token (always true when no token is configured). */
export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim() ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Listen on `host:port` (0 = any free port); rejects when the port cannot be had. */
export function startMetricsServer(opts: {
  port: number;
  host: string;
  token?: string;
  scrape: () => Promise<MetricsScrape>;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET" }).end();
    } else if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    } else if (path !== "/metrics") {
      res.writeHead(404).end();
    } else if (!metricsAuthorized(req.headers.authorization, opts.token)) {
      res.writeHead(401, { "www-authenticate": "Bearer" }).end();
    } else {
      opts.scrape().then(
        (m) => res.writeHead(200, { "content-type": m.contentType }).end(m.body),
        (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`scrape failed: ${err.message}\n`),
      );
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
