/**
 * What every command (main-once.ts, main-serve.ts) shares once it is past the command line: the
 * logger, the system clock and ids, opening the database with its schema brought up to date, and
 * telling which start-up failures are a person's to fix (one line, exit code 1).
 */
import { randomBytes } from "node:crypto";
import pino, { type Logger } from "pino";
import { syncDefaultPrompts } from "./core/ai/prompt-sync.js";
import type { Config } from "./core/config/config.js";
import type { Clock, Ids } from "./core/ports.js";
import { UserError } from "./main-commands.js";
import { StartupCheckError, withStartupLock } from "./main-startup.js";
import { type Database, DatabaseUnavailableError, openDatabase } from "./prisma/database.js";
import { EmbeddedDatabaseBusyError } from "./prisma/embedded.js";
import { migrationsCurrent } from "./prisma/migrations-current.js";
import { applyReferenceData } from "./prisma/seed/reference.js";
import { progressReporter } from "./prisma/tools/progress.js";
import { DEFAULT_PROMPTS } from "./prompts/default-prompts.js";

export const systemClock: Clock = { now: () => new Date() };
export const systemIds: Ids = { token: (bytes = 16) => randomBytes(bytes).toString("base64url") };

export function createLogger(config: Config): Logger {
  const pretty = process.stdout.isTTY && config.env !== "production";
  return pino({
    level: config.logLevel,
    transport: pretty
      ? { target: "pino-pretty", options: { translateTime: "HH:MM:ss", ignore: "pid,hostname" } }
      : undefined,
  });
}

/**
 * A failure a person can fix — the database unreachable or busy, a service unfit — as a
 * UserError (its message is the one line to print); null for anything else (a bug: the stack).
 */
export function userProblem(err: unknown): UserError | null {
  if (err instanceof UserError) return err;
  if (
    err instanceof DatabaseUnavailableError ||
    err instanceof EmbeddedDatabaseBusyError ||
    err instanceof StartupCheckError
  ) {
    return new UserError(err.message);
  }
  return null;
}

/**
 * Open the database and bring its schema up to date (every command does this first). A server
 * (`serving`) owns its embedded data folder alone; a one-off command says first which database
 * it writes to, so nobody makes a key in another data folder by mistake.
 */
export async function openMigrated(
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
