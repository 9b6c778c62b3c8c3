/**
 * The web role's part of a server: the API, webhooks and admin panel on PORT. Imported by
 * main-serve.ts only when the role serves the web (all, web), so the bot and worker processes
 * never load fastify, the panel's views or the API's routes.
 */
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createRateLimitRedis } from "./admin/api/rate-limits.js";
import { buildApp } from "./admin/app.js";
import { argon2Hasher } from "./admin/panel/passwords.js";
import { type ChatRuntime, chatWebRoutes } from "./bot/runtime.js";
import { sandboxPort } from "./bot/sandbox/session.js";
import type { ensureFirstAdmin } from "./core/accounts/panel-auth.service.js";
import type { Config } from "./core/config/config.js";
import type { CoreDeps } from "./core/context.js";
import type { PrometheusMetrics } from "./jobs/metrics.js";
import { UserError } from "./main-commands.js";
import type { Database } from "./prisma/database.js";

export interface WebOptions {
  config: Config;
  deps: CoreDeps;
  db: Database;
  chat: ChatRuntime;
  log: Logger;
  version: string;
  metrics: PrometheusMetrics;
  /** The admin made at this start, whose generated password is printed once. */
  firstAdmin: Awaited<ReturnType<typeof ensureFirstAdmin>>;
}

/** Build the web app and listen on HOST:PORT; returns the port it got and the graceful close. */
export async function startWeb(o: WebOptions): Promise<{ port: number; close: () => Promise<void> }> {
  const { config, deps, db } = o;
  if (o.firstAdmin?.generatedPassword) {
    // Printed once: the next start finds the password set and prints nothing.
    console.log(
      `\nAdmin panel: ${config.publicUrl}/admin — sign in as ${o.firstAdmin.email} with password ${o.firstAdmin.generatedPassword}\n` +
        "(shown once; set ADMIN_EMAIL/ADMIN_PASSWORD, or `npm run cli -- admin-password --email …` for a new one)\n",
    );
  }
  const app = await buildApp({
    ...deps,
    hasher: argon2Hasher,
    sandbox: sandboxPort(deps, o.chat.chat),
    rateLimitRedis: config.redisUrl ? createRateLimitRedis(config.redisUrl) : undefined,
    loggerInstance: o.log,
    version: o.version,
    dbMode: db.mode,
    queueMode: config.redisUrl ? "redis" : "embedded",
    checkReady: async () => {
      await db.prisma.$queryRaw`select 1`;
    },
    scrapeMetrics: o.metrics.scrape, // GET /metrics on PORT
  });
  await app.register(chatWebRoutes(o.chat, deps));
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new UserError(
        `Port ${config.port} on ${config.host} is already in use: stop the other process or set PORT to a free port.`,
      );
    }
    if ((err as NodeJS.ErrnoException).code === "EADDRNOTAVAIL") {
      throw new UserError(`HOST ${config.host} is not an address of this machine: set HOST (e.g. 127.0.0.1).`);
    }
    throw err;
  }
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}
