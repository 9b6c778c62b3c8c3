import type { Config } from "./config/config.js";
import type { PrismaClient } from "./db.js";
import type { Clock, Ids, Scheduler } from "./ports.js";

/** Where core reports what it could not do but recovered from (a scheduler hiccup, say). */
export interface CoreLog {
  info(msg: string, data?: unknown): void;
  warn(msg: string, data?: unknown): void;
}

/** What every core service needs from the outside, passed in by the composition root. */
export interface CoreDeps {
  prisma: PrismaClient;
  clock: Clock;
  ids: Ids;
  scheduler: Scheduler;
  config: Config;
  log: CoreLog;
}
