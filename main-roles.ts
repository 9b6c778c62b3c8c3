/**
 * The roles' part of a server, once its database is open and prepared (main-serve.ts): the
 * scheduler, the chat runtime, then the web (listening first), the worker and the bot, as the
 * role asks. Returns the graceful stop of everything started.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { loadChatRuntime, startChatRole } from "./bot/runtime.js";
import type { ensureFirstAdmin } from "./core/accounts/panel-auth.service.js";
import type { Config } from "./core/config/config.js";
import type { CoreDeps } from "./core/context.js";
import { handleWakeup } from "./core/wakeups.js";
import { EmbeddedScheduler } from "./jobs/embedded-scheduler.js";
import { createPrometheusMetrics, instrumentLlm, type PrometheusMetrics } from "./jobs/metrics.js";
import { jobDeps, startOutboxLoop, startWorker } from "./jobs/worker.js";
import { type ServeRole, UserError } from "./main-commands.js";
import { systemClock, systemIds } from "./main-database.js";
import type { Database } from "./prisma/database.js";
import { llmFromConfig } from "./prompts/openai-llm.js";

const version = (JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string })
  .version;

/** Core's log on pino; a child (a job's) carries its bindings on every line. */
function coreLog(log: Logger): CoreDeps["log"] {
  return {
    info: (msg, data) => log.info({ data }, msg),
    warn: (msg, data) => log.warn({ data }, msg),
    child: (bindings) => coreLog(log.child(bindings)),
  };
}

function coreDeps(
  config: Config,
  db: Database,
  scheduler: CoreDeps["scheduler"],
  log: Logger,
  metrics: PrometheusMetrics,
): CoreDeps {
  const llm = llmFromConfig(config); // unset OPENAI_* = no model: every AI surface answers from rules
  return {
    prisma: db.prisma,
    clock: systemClock,
    ids: systemIds,
    scheduler,
    config,
    log: coreLog(log),
    llm: llm && instrumentLlm(llm, metrics),
    metrics,
  };
}

/** Deadlines: BullMQ with Redis, in-process timers without. Either only wakes handlers. */
async function createScheduler(
  config: Config,
  deps: () => CoreDeps,
  log: Logger,
  metrics: PrometheusMetrics,
  stops: Array<() => Promise<void>>,
) {
  if (config.redisUrl) {
    const { BullmqScheduler, redisConnection } = await import("./jobs/bullmq-scheduler.js");
    const redis = redisConnection(config.redisUrl);
    const bull = new BullmqScheduler(redis);
    stops.push(() => bull.close());
    metrics.watchQueues([bull.queue]);
    return { scheduler: bull, redis };
  }
  const embedded = new EmbeddedScheduler(
    (key) => handleWakeup(jobDeps(deps(), { key }), key),
    Date.now,
    (key, err) => log.error({ key, err }, "wake-up failed"),
  );
  stops.push(async () => embedded.stop());
  return { scheduler: embedded, redis: undefined };
}

export interface RolesOptions {
  role: ServeRole;
  config: Config;
  log: Logger;
  db: Database;
  /** The admin made at this start (its generated password is printed once by the web). */
  firstAdmin: Awaited<ReturnType<typeof ensureFirstAdmin>>;
  /** main-web.ts, already loading, when the role serves the web. */
  webModule?: Promise<typeof import("./main-web.js")>;
}

/** Start the role's parts on the open database; returns the stop of everything (the database last). */
export async function startRoles({ role, config, log, db, firstAdmin, webModule }: RolesOptions) {
  const stops: Array<() => Promise<void>> = [() => db.close()];
  let stopWeb: (() => Promise<void>) | undefined;
  const stopAll = async () => {
    // The web stops taking requests first; then the rest, last started first.
    for (const stop of [...(stopWeb ? [stopWeb] : []), ...stops.reverse()]) {
      await stop().catch((err) => log.error(err, "error while stopping"));
    }
  };
  const metrics = createPrometheusMetrics({ role });
  metrics.watchOutbox(db.prisma, systemClock);
  try {
    let deps!: CoreDeps;
    const { scheduler, redis } = await createScheduler(config, () => deps, log, metrics, stops);
    deps = coreDeps(config, db, scheduler, log, metrics);
    const chat = await loadChatRuntime(deps);

    let httpPort: number | null = null;
    if (webModule) {
      // Listening first: the worker's catch-up and the bot's connections need no web, and
      // /healthz answers meanwhile (readiness is /readyz: the database).
      const started = await (await webModule).startWeb({ config, deps, db, chat, log, version, metrics, firstAdmin });
      stopWeb = started.close;
      httpPort = started.port;
    }

    // WhatsApp's socket lives in the bot process: in scaled mode the bot sends WhatsApp rows and
    // the worker every other channel (two sockets on one number would fight).
    const { whatsapp: whatsappChannel, ...workerChannels } = chat.channels;
    if (role === "all" || role === "worker") {
      const channels = role === "all" ? chat.channels : workerChannels;
      const worker = await startWorker({ deps, channels, redis });
      stops.push(() => worker.stop());
      metrics.watchQueues(worker.queues);
    }

    if (role === "all" || role === "bot") {
      // On PostgreSQL one bot holds the WhatsApp number (a lock; the others wait to take over),
      // and only it sends the WhatsApp rows.
      const whatsappOutbox =
        role === "bot" && whatsappChannel ? () => startOutboxLoop(deps, { whatsapp: whatsappChannel }) : undefined;
      stops.push(await startChatRole(chat, deps, { whatsappOutbox }));
    }

    if (httpPort !== null) {
      await db.announce({ httpPort });
      log.info(
        `LeadRelay ${version} (${role}) on ${config.publicUrl}${config.port === 0 ? ` (port ${httpPort})` : ""} — db ${db.mode}, queue ${config.redisUrl ? "redis" : "embedded"}`,
      );
    } else {
      log.info(`LeadRelay ${version} (${role}) running — db ${db.mode}`);
      if (config.metrics.port !== undefined) {
        // Worker and bot: /metrics on a tiny server of their own (METRICS_PORT).
        const { startMetricsServer } = await import("./jobs/metrics-server.js");
        const server = await startMetricsServer({
          port: config.metrics.port,
          host: config.host,
          token: config.metrics.token,
          scrape: metrics.scrape,
        }).catch((err: NodeJS.ErrnoException) => {
          throw new UserError(`METRICS_PORT ${config.metrics.port} on ${config.host} is not free (${err.code}).`);
        });
        stops.push(() => server.close());
        log.info(`metrics on ${config.host}:${server.port}/metrics`);
      }
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  return stopAll;
}
