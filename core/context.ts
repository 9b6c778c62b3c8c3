import type { Config } from "./config/config.js";
import type { PrismaClient } from "./db.js";
import type { Clock, Ids, Llm, Metrics, Scheduler } from "./ports.js";

/** Where core reports what it could not do but recovered from (a scheduler hiccup, say). */
export interface CoreLog {
  info(msg: string, data?: unknown): void;
  warn(msg: string, data?: unknown): void;
  /** A log whose every line also carries these fields (a job's id and key, say), when the adapter can. */
  child?(bindings: Record<string, string | number>): CoreLog;
}

/** What every core service needs from the outside, passed in by the composition root. */
export interface CoreDeps {
  prisma: PrismaClient;
  clock: Clock;
  ids: Ids;
  scheduler: Scheduler;
  config: Config;
  log: CoreLog;
  /** The language model, when one is configured; without it every AI feature answers from rules. */
  llm?: Llm;
  /** Operational measurements (window-expiry lateness…); unset = none recorded (`noMetrics`). */
  metrics?: Metrics;
}
