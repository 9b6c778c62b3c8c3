/**
 * LeadRelay's one composition root and command line.
 *
 *   tsx main.ts [all|web|bot|worker|migrate|seed]      (npm start = all)
 *   tsx main.ts api-key create --name NAME --scope admin|contractor:<id>
 *   tsx main.ts admin-password --email EMAIL     (prints a new panel password)
 *   tsx main.ts <command> --help                 (the grammar is in main-commands.ts)
 *
 * Only this file knows every adapter. Problems a person can fix (bad configuration, a port in
 * use, an unreachable database) end the process with one clear line and exit code 1.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { createRateLimitRedis } from "./admin/api/rate-limits.js";
import { buildApp } from "./admin/app.js";
import { argon2Hasher } from "./admin/panel/passwords.js";
import { chatWebRoutes, createChatRuntime, startChatRole } from "./bot/runtime.js";
import { sandboxPort } from "./bot/sandbox/session.js";
import { createApiKey, parseScope } from "./core/accounts/api-key.service.js";
import { ensureFirstAdmin, setPanelPassword } from "./core/accounts/panel-auth.service.js";
import { syncDefaultPrompts } from "./core/ai/prompt-sync.js";
import { type Config, ConfigError, parseConfig } from "./core/config/config.js";
import type { CoreDeps } from "./core/context.js";
import type { Clock, Ids } from "./core/ports.js";
import { handleWakeup } from "./core/wakeups.js";
import { BullmqScheduler, redisConnection } from "./jobs/bullmq-scheduler.js";
import { EmbeddedScheduler } from "./jobs/embedded-scheduler.js";
import { createPrometheusMetrics, instrumentLlm, type PrometheusMetrics } from "./jobs/metrics.js";
import { startMetricsServer } from "./jobs/metrics-server.js";
import { jobDeps, startOutboxLoop, startWorker } from "./jobs/worker.js";
import { type OnceRole, parseCommand, type ServeRole } from "./main-commands.js";
import { checkRedis, StartupCheckError, withStartupLock } from "./main-startup.js";
import { type Database, DatabaseUnavailableError, openDatabase } from "./prisma/database.js";
import { EmbeddedDatabaseBusyError } from "./prisma/embedded.js";
import { migrationsCurrent } from "./prisma/migrations-current.js";
import { applyReferenceData } from "./prisma/seed/reference.js";
import { progressReporter } from "./prisma/tools/progress.js";
import { DEFAULT_PROMPTS } from "./prompts/default-prompts.js";
import { llmFromConfig } from "./prompts/openai-llm.js";

const version = (JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string })
  .version;

/** How long a graceful stop may take before the process exits anyway (orchestrators wait ~30 s). */
const SHUTDOWN_GRACE_MS = 25_000;

/** A problem the user can fix: printed as one line, exit code 1 (2 for usage). */
class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const systemClock: Clock = { now: () => new Date() };
const systemIds: Ids = { token: (bytes = 16) => randomBytes(bytes).toString("base64url") };

function createLogger(config: Config): Logger {
  const pretty = process.stdout.isTTY && config.env !== "production";
  return pino({
    level: config.logLevel,
    transport: pretty
      ? { target: "pino-pretty", options: { translateTime: "HH:MM:ss", ignore: "pid,hostname" } }
      : undefined,
  });
}

/**
 * Open the database and bring its schema up to date (every command does this first). A server
 * (`serving`) owns its embedded data folder alone; a one-off command says first which database
 * it writes to, so nobody makes a key in another data folder by mistake.
 */
async function openMigrated(
  config: Config,
  log: Logger,
  owner: { role: string; serving: boolean },
  /** More start-up work to do under the same lock (the first admin, the demo data). */
  underLock?: (db: Database) => Promise<void>,
): Promise<Database> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    log: (l) => log.info(l),
    owner,
  });
  if (!owner.serving) console.error(`leadrelay: writing to ${db.description}`);
  // On a PostgreSQL server, processes starting together (replicas) take turns: migrations,
  // reference data and the first admin run under one advisory lock (main-startup.ts).
  const locked = <T>(fn: () => Promise<T>): Promise<T> =>
    db.mode === "postgres"
      ? withStartupLock(db.url, fn, {
          onWait: (pid) => log.info(`waiting for another process's start-up steps (server pid ${pid ?? "?"})…`),
        })
      : fn();
  try {
    await locked(() => migrateAndPrepare(db, log, underLock));
    return db;
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** The start-up steps, each idempotent: migrations, reference data, then the caller's own. */
async function migrateAndPrepare(db: Database, log: Logger, underLock?: (db: Database) => Promise<void>) {
  // Nothing to apply (the usual restart): the WASM migration engine is not even loaded.
  if (!(await migrationsCurrent(db.prisma))) {
    const { applyMigrations } = await import("./prisma/tools/schema-engine.js");
    const migrating = progressReporter("migrate", { unit: "migrations" });
    const { applied } = await applyMigrations(db.url, { onProgress: migrating.update }).finally(() => migrating.stop());
    if (applied.length > 0) log.info({ applied }, `applied ${applied.length} migration(s)`);
  }
  // Reference data (categories, lead sources) with every migrate and start, whatever DEMO_DATA says.
  const added = await applyReferenceData(db.prisma, systemClock.now());
  if (added.categories + added.leadSources > 0) log.info(added, "added reference data");
  // Prompt templates in step with the code that fills them (new keys; defaults whose stored text no longer fits).
  const prompts = await syncDefaultPrompts(db.prisma, DEFAULT_PROMPTS, systemClock.now());
  if (prompts.inserted.length + prompts.updated.length > 0) log.info(prompts, "updated default prompt templates");
  await underLock?.(db);
}

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

/** Options were checked by parseCommand (main-commands.ts); `values` holds the command's required ones. */
async function runOnce(role: OnceRole, config: Config, log: Logger, values: Record<string, string>) {
  const scope = role === "api-key" ? parseScope(values.scope ?? "") : undefined;
  if (scope === null)
    throw new UserError(`--scope must be "admin", "contractor:<uuid>" or "team:<uuid>" (got "${values.scope}")`, 2);
  const db = await openMigrated(config, log, { role, serving: false });
  try {
    if (role === "migrate") {
      console.log(`Database is up to date: ${db.description}.`);
    } else if (role === "admin-password" && values.email) {
      const password = systemIds.token(12);
      const done = await setPanelPassword({ prisma: db.prisma, clock: systemClock }, argon2Hasher, {
        email: values.email,
        password,
      });
      if (!done) throw new UserError(`No admin, sales manager or read-only user with e-mail ${values.email}.`);
      console.log(`New panel password for ${values.email} (shown once):`);
      console.log(password);
    } else if (role === "seed") {
      const seeding = progressReporter("seed", { unit: "phases" });
      const { seedDemoData } = await import("./prisma/seed.js"); // loaded only to seed
      const summary = await seedDemoData(db.prisma, systemClock.now(), seeding.update).finally(() => seeding.stop());
      console.log(summary);
    } else if (role === "api-key" && scope && values.name) {
      const res = await createApiKey(db.prisma, systemIds, { name: values.name, scope });
      if (!res.ok) throw new UserError(res.message);
      console.log(`Created API key "${values.name}" (${values.scope}). Store it now; it is not shown again:`);
      console.log(res.value.key);
    }
  } finally {
    await db.close();
  }
}

async function serve(role: ServeRole, config: Config, log: Logger) {
  // BullMQ's Redis must keep every key (noeviction): checked before anything is touched.
  if (config.redisUrl) await checkRedis(config.redisUrl);
  const web = role === "all" || role === "web";
  let firstAdmin = null as Awaited<ReturnType<typeof ensureFirstAdmin>>; // set under the lock below
  const db = await openMigrated(config, log, { role, serving: true }, async (db) => {
    // Under the start-up lock, so replicas starting together make one admin and seed once.
    if (role === "all" && config.demoData && (await db.prisma.user.count()) === 0) {
      const seeding = progressReporter("seed", { unit: "phases" });
      const { seedDemoData } = await import("./prisma/seed.js"); // loaded only to seed
      log.info(await seedDemoData(db.prisma, systemClock.now(), seeding.update).finally(() => seeding.stop()));
    }
    if (web)
      firstAdmin = await ensureFirstAdmin({ ...db, clock: systemClock, ids: systemIds }, argon2Hasher, config.admin);
  });
  const stops: Array<() => Promise<void>> = [() => db.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.error(err, "error while stopping"));
  };
  const metrics = createPrometheusMetrics({ role });
  metrics.watchOutbox(db.prisma, systemClock);
  try {
    // Deadlines: BullMQ with Redis, in-process timers without. Either only wakes handlers.
    let deps!: CoreDeps;
    const redis = config.redisUrl ? redisConnection(config.redisUrl) : undefined;
    let scheduler: CoreDeps["scheduler"];
    if (redis) {
      const bull = new BullmqScheduler(redis);
      stops.push(() => bull.close());
      metrics.watchQueues([bull.queue]);
      scheduler = bull;
    } else {
      const embedded = new EmbeddedScheduler(
        (key) => handleWakeup(jobDeps(deps, { key }), key),
        Date.now,
        (key, err) => log.error({ key, err }, "wake-up failed"),
      );
      stops.push(async () => embedded.stop());
      scheduler = embedded;
    }
    deps = coreDeps(config, db, scheduler, log, metrics);
    const chat = createChatRuntime(deps);

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

    if (web) {
      if (firstAdmin?.generatedPassword) {
        // Printed once: the next start finds the password set and prints nothing.
        console.log(
          `\nAdmin panel: ${config.publicUrl}/admin — sign in as ${firstAdmin.email} with password ${firstAdmin.generatedPassword}\n` +
            "(shown once; set ADMIN_EMAIL/ADMIN_PASSWORD, or `npm run cli -- admin-password --email …` for a new one)\n",
        );
      }
      const app = await buildApp({
        ...deps,
        hasher: argon2Hasher,
        sandbox: sandboxPort(deps, chat.chat),
        rateLimitRedis: config.redisUrl ? createRateLimitRedis(config.redisUrl) : undefined,
        loggerInstance: log,
        version,
        dbMode: db.mode,
        queueMode: config.redisUrl ? "redis" : "embedded",
        checkReady: async () => {
          await db.prisma.$queryRaw`select 1`;
        },
        scrapeMetrics: metrics.scrape, // GET /metrics on PORT
      });
      await app.register(chatWebRoutes(chat, deps));
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
      stops.push(() => app.close());
      const httpPort = (app.server.address() as AddressInfo).port;
      await db.announce({ httpPort });
      log.info(
        `LeadRelay ${version} (${role}) on ${config.publicUrl}${config.port === 0 ? ` (port ${httpPort})` : ""} — db ${db.mode}, queue ${config.redisUrl ? "redis" : "embedded"}`,
      );
    } else {
      log.info(`LeadRelay ${version} (${role}) running — db ${db.mode}`);
      if (config.metrics.port !== undefined) {
        // Worker and bot: /metrics on a tiny server of their own (METRICS_PORT).
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

  // Start-up garbage (a new data folder's template, the migration engine's buffers) would stay
  // resident until a GC that an idle process may never run; `npm start` exposes gc for this.
  (globalThis as { gc?: () => void }).gc?.();

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

async function main(argv: string[]): Promise<void> {
  // The command line is checked before configuration and database: --help touches nothing.
  const command = parseCommand(argv);
  if (command.kind === "help") {
    console.log(command.text);
    return;
  }
  if (command.kind === "usage-error") throw new UserError(command.message, 2);
  const role = command.role;
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
  const log = createLogger(config);
  if (role === "migrate" || role === "seed" || role === "api-key" || role === "admin-password") {
    return runOnce(role, config, log, command.values);
  }
  return serve(role, config, log);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (
    err instanceof UserError ||
    err instanceof DatabaseUnavailableError ||
    err instanceof EmbeddedDatabaseBusyError ||
    err instanceof StartupCheckError
  ) {
    console.error(`leadrelay: ${err.message}`);
    process.exit(err instanceof UserError ? err.exitCode : 1);
  }
  console.error(err);
  process.exit(1);
});
