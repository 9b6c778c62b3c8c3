/**
 * LeadRelay's one composition root and command line.
 *
 *   tsx main.ts [all|web|bot|worker|migrate|seed]      (npm start = all)
 *   tsx main.ts api-key create --name NAME --scope admin|contractor:<id>
 *   tsx main.ts admin-password --email EMAIL     (prints a new panel password)
 *
 * Only this file knows every adapter. Problems a person can fix (bad configuration, a port in
 * use, an unreachable database) end the process with one clear line and exit code 1.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pino, { type Logger } from "pino";
import { buildApp } from "./admin/app.js";
import { argon2Hasher } from "./admin/panel/passwords.js";
import { chatWebRoutes, createChatRuntime, startChatRole } from "./bot/runtime.js";
import { sandboxPort } from "./bot/sandbox/session.js";
import { createApiKey, parseScope } from "./core/accounts/api-key.service.js";
import { ensureFirstAdmin, setPanelPassword } from "./core/accounts/panel-auth.service.js";
import { type Config, ConfigError, parseConfig } from "./core/config/config.js";
import type { CoreDeps } from "./core/context.js";
import type { Clock, Ids } from "./core/ports.js";
import { handleWakeup } from "./core/wakeups.js";
import { BullmqScheduler, redisConnection } from "./jobs/bullmq-scheduler.js";
import { EmbeddedScheduler } from "./jobs/embedded-scheduler.js";
import { startOutboxLoop, startWorker } from "./jobs/worker.js";
import { type Database, DatabaseUnavailableError, openDatabase } from "./prisma/database.js";
import { EmbeddedDatabaseBusyError } from "./prisma/embedded.js";
import { seedDemoData } from "./prisma/seed.js";
import { applyMigrations } from "./prisma/tools/schema-engine.js";

const ROLES = ["all", "web", "bot", "worker", "migrate", "seed", "api-key", "admin-password"] as const;
type OnceRole = "migrate" | "seed" | "api-key" | "admin-password";
type Role = (typeof ROLES)[number];

const USAGE = `Usage: tsx main.ts [${ROLES.filter((r) => r !== "api-key" && r !== "admin-password").join("|")}]
       tsx main.ts api-key create --name NAME --scope admin|contractor:<id>
       tsx main.ts admin-password --email EMAIL`;

const version = (JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string })
  .version;

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

/** Open the database and bring its schema up to date (every command does this first). */
async function openMigrated(config: Config, log: Logger): Promise<Database> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: (l) => log.info(l) });
  try {
    const { applied } = await applyMigrations(db.url);
    if (applied.length > 0) log.info({ applied }, `applied ${applied.length} migration(s)`);
    return db;
  } catch (err) {
    await db.close();
    throw err;
  }
}

function coreDeps(config: Config, db: Database, scheduler: CoreDeps["scheduler"], log: Logger): CoreDeps {
  return {
    prisma: db.prisma,
    clock: systemClock,
    ids: systemIds,
    scheduler,
    config,
    log: { info: (msg, data) => log.info({ data }, msg), warn: (msg, data) => log.warn({ data }, msg) },
  };
}

async function runOnce(role: OnceRole, config: Config, log: Logger, args: string[]) {
  const db = await openMigrated(config, log);
  try {
    if (role === "migrate") {
      console.log(`Database is up to date (${db.mode}${db.shared ? ", shared with the running server" : ""}).`);
    } else if (role === "admin-password") {
      const { values } = parseArgs({ args, options: { email: { type: "string" } } });
      if (!values.email) throw new UserError(USAGE, 2);
      const password = systemIds.token(12);
      const done = await setPanelPassword({ prisma: db.prisma }, argon2Hasher, { email: values.email, password });
      if (!done) throw new UserError(`No admin, sales manager or read-only user with e-mail ${values.email}.`);
      console.log(`New panel password for ${values.email} (shown once):`);
      console.log(password);
    } else if (role === "seed") {
      const summary = await seedDemoData(db.prisma, systemClock.now());
      console.log(summary);
    } else {
      const { values, positionals } = parseArgs({
        args,
        options: { name: { type: "string" }, scope: { type: "string" } },
        allowPositionals: true,
      });
      if (positionals[0] !== "create" || !values.name || !values.scope) throw new UserError(USAGE, 2);
      const scope = parseScope(values.scope);
      if (!scope) throw new UserError(`--scope must be "admin" or "contractor:<uuid>" (got "${values.scope}")`, 2);
      const res = await createApiKey(db.prisma, systemIds, { name: values.name, scope });
      if (!res.ok) throw new UserError(res.message);
      console.log(`Created API key "${values.name}" (${values.scope}). Store it now; it is not shown again:`);
      console.log(res.value.key);
    }
  } finally {
    await db.close();
  }
}

async function serve(role: "all" | "web" | "bot" | "worker", config: Config, log: Logger) {
  const db = await openMigrated(config, log);
  const stops: Array<() => Promise<void>> = [() => db.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.error(err, "error while stopping"));
  };
  try {
    if (role === "all" && config.demoData && (await db.prisma.user.count()) === 0) {
      log.info(await seedDemoData(db.prisma, systemClock.now()));
    }
    // Deadlines: BullMQ with Redis, in-process timers without. Either only wakes handlers.
    let deps!: CoreDeps;
    const redis = config.redisUrl ? redisConnection(config.redisUrl) : undefined;
    let scheduler: CoreDeps["scheduler"];
    if (redis) {
      const bull = new BullmqScheduler(redis);
      stops.push(() => bull.close());
      scheduler = bull;
    } else {
      const embedded = new EmbeddedScheduler(
        (key) => handleWakeup(deps, key),
        Date.now,
        (key, err) => log.error({ key, err }, "wake-up failed"),
      );
      stops.push(async () => embedded.stop());
      scheduler = embedded;
    }
    deps = coreDeps(config, db, scheduler, log);
    const chat = createChatRuntime(deps);

    // WhatsApp's socket lives in the bot process: in scaled mode the bot sends WhatsApp rows and
    // the worker every other channel (two sockets on one number would fight).
    const { whatsapp: whatsappChannel, ...workerChannels } = chat.channels;
    if (role === "all" || role === "worker") {
      const channels = role === "all" ? chat.channels : workerChannels;
      const worker = await startWorker({ deps, channels, redis });
      stops.push(() => worker.stop());
    }

    if (role === "all" || role === "bot") stops.push(await startChatRole(chat, deps));
    if (role === "bot" && whatsappChannel) stops.push(startOutboxLoop(deps, { whatsapp: whatsappChannel }));

    if (role === "all" || role === "web") {
      const firstAdmin = await ensureFirstAdmin(deps, argon2Hasher, config.admin);
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
        version,
        dbMode: db.mode,
        queueMode: config.redisUrl ? "redis" : "embedded",
        checkReady: async () => {
          await db.prisma.$queryRaw`select 1`;
        },
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
      log.info(
        `LeadRelay ${version} (${role}) on ${config.publicUrl} — db ${db.mode}, queue ${config.redisUrl ? "redis" : "embedded"}`,
      );
    } else {
      log.info(`LeadRelay ${version} (${role}) running — db ${db.mode}`);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

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
    stopAll().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

async function main(argv: string[]): Promise<void> {
  const [first = "all", ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    console.log(USAGE);
    return;
  }
  if (!ROLES.includes(first as Role)) {
    throw new UserError(`Unknown role "${first}": use one of ${ROLES.join(", ")} (see --help).`, 2);
  }
  const role = first as Role;
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
  const log = createLogger(config);
  if (role === "migrate" || role === "seed" || role === "api-key" || role === "admin-password") {
    return runOnce(role, config, log, rest);
  }
  return serve(role, config, log);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UserError || err instanceof DatabaseUnavailableError || err instanceof EmbeddedDatabaseBusyError) {
    console.error(`leadrelay: ${err.message}`);
    process.exit(err instanceof UserError ? err.exitCode : 1);
  }
  console.error(err);
  process.exit(1);
});
