import { randomBytes } from "node:crypto";
import { parseConfig } from "../../core/config/config.js";
import type { CoreDeps } from "../../core/context.js";
import { handleWakeup } from "../../core/wakeups.js";
import { createPrisma } from "../../prisma/database.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { FakeClock } from "./clock.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { RecordingScheduler } from "./scheduler.js";

export interface TestWorld {
  deps: CoreDeps;
  prisma: PrismaClient;
  clock: FakeClock;
  scheduler: RecordingScheduler;
  /** Fire every wake-up due at the fake clock's time (what the scheduler would do). */
  runDue(): Promise<string[]>;
  /** Move the fake clock and fire what fell due. */
  advance(ms: number): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A fresh database plus core dependencies on a fake clock and a recording scheduler.
 * `env` overrides configuration (e.g. `{ RESPONSE_WINDOW: "90s" }`); `makePrisma` builds the
 * client on the fresh database (e.g. one that records its SQL).
 */
export async function createWorld(
  env: Record<string, string> = {},
  makePrisma: (db: TestDatabase) => PrismaClient = (db) => createPrisma(db.url, { schema: db.schema, poolSize: 4 }),
): Promise<TestWorld> {
  const db = await createTestDatabase();
  const prisma = makePrisma(db);
  const clock = new FakeClock();
  const scheduler = new RecordingScheduler();
  const silent = { info() {}, warn() {} };
  const deps: CoreDeps = {
    prisma,
    clock,
    scheduler,
    ids: { token: (bytes = 16) => randomBytes(bytes).toString("base64url") },
    config: parseConfig({ NODE_ENV: "test", ...env }),
    log: process.env.TEST_LOG ? { info: console.log, warn: console.warn } : silent,
  };
  const runDue = async () => {
    const keys = scheduler.takeDue(clock.now());
    for (const key of keys) await handleWakeup(deps, key);
    return keys;
  };
  return {
    deps,
    prisma,
    clock,
    scheduler,
    runDue,
    advance: async (ms) => {
      clock.advance(ms);
      return runDue();
    },
    close: async () => {
      await prisma.$disconnect();
      await db.close();
    },
  };
}
