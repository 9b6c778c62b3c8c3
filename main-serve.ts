/**
 * The long-running roles (all, web, bot, worker): the database and its start-up steps, then the
 * roles (main-roles.ts), then waiting for a signal. Imported by main.ts only for these commands.
 * The roles' modules load while the database starts; each role's heavier adapters are imported
 * only when that role runs and its configuration asks for them — the web (main-web.ts: fastify,
 * the panel, the API), BullMQ (REDIS_URL), Baileys (WHATSAPP_ENABLED, bot/runtime.ts) — so an
 * embedded `npm start` keeps none of the rest resident.
 */
import type { Logger } from "pino";
import { ensureFirstAdmin } from "./core/accounts/panel-auth.service.js";
import type { Config } from "./core/config/config.js";
import type { ServeRole } from "./main-commands.js";
import { openMigrated, systemClock, systemIds } from "./main-database.js";
import { checkRedis } from "./main-startup.js";
import { progressReporter } from "./prisma/tools/progress.js";

/** How long a graceful stop may take before the process exits anyway (orchestrators wait ~30 s). */
const SHUTDOWN_GRACE_MS = 25_000;

/** Serve `role` until SIGINT/SIGTERM: the database first, then main-roles.ts starts the rest. */
export async function serve(role: ServeRole, config: Config, log: Logger) {
  // BullMQ's Redis must keep every key (noeviction): checked before anything is touched.
  if (config.redisUrl) await checkRedis(config.redisUrl);
  const web = role === "all" || role === "web";
  // The roles' modules (the web's: the largest part of the app) load while the database starts:
  // PGlite compiles its WASM and writes a new folder's files off the main thread meanwhile.
  const rolesModule = import("./main-roles.js");
  const webModule = web ? import("./main-web.js") : undefined;
  for (const loading of [rolesModule, webModule]) loading?.catch(() => {}); // surfaces where awaited
  let firstAdmin = null as Awaited<ReturnType<typeof ensureFirstAdmin>>; // set under the lock below
  const db = await openMigrated(config, log, { role, serving: true }, async (db) => {
    // Under the start-up lock, so replicas starting together make one admin and seed once.
    if (role === "all" && config.demoData && (await db.prisma.user.count()) === 0) {
      const seeding = progressReporter("seed", { unit: "phases" });
      const { seedDemoData } = await import("./prisma/seed.js"); // loaded only to seed
      log.info(await seedDemoData(db.prisma, systemClock.now(), seeding.update).finally(() => seeding.stop()));
    }
    if (web) {
      const { argon2Hasher } = await import("./admin/panel/passwords.js");
      firstAdmin = await ensureFirstAdmin({ ...db, clock: systemClock, ids: systemIds }, argon2Hasher, config.admin);
    }
  });
  const { startRoles } = await rolesModule;
  const stopAll = await startRoles({ role, config, log, db, firstAdmin, webModule });

  // Start-up garbage (a new data folder's template, the migration engine's buffers) would stay
  // resident until a GC that an idle process may never run; `npm start` exposes gc for this.
  (globalThis as { gc?: () => void }).gc?.();
  onSignals(log, stopAll);
}

/** Ctrl-C / SIGTERM: a graceful stop, forced after SHUTDOWN_GRACE_MS or by a later second signal. */
function onSignals(log: Logger, stopAll: () => Promise<void>) {
  let stoppingSince = 0;
  const shutdown = (signal: string) => {
    // npm/tsx relay the terminal's Ctrl-C, so one press can arrive twice: only a later second
    // signal forces the exit.
    if (stoppingSince > 0) {
      if (Date.now() - stoppingSince < 2000) return;
      log.warn("forced exit");
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info(`${signal} received, shutting down…`);
    // In-flight work finishes (HTTP requests, the active jobs, the message being sent); the rest
    // is handed back. Past SHUTDOWN_GRACE_MS something hangs: exit anyway (claims expire, jobs retry).
    setTimeout(() => {
      log.warn(`still stopping after ${SHUTDOWN_GRACE_MS / 1000} s; forced exit`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    stopAll().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}
