/**
 * Shared by the drills (tests/drills/*.test.ts): real PostgreSQL and Redis, real processes
 * (`main.ts <role>` through tests/cli/cli-process.ts), open windows in bulk, and the checks every
 * drill ends with — nothing lost, nothing twice, no double strike or charge.
 *
 * Redis isolation: BullMQ's queue names are fixed in production (`leadrelay-wakeups`,
 * `leadrelay-maintenance`) and there is no key prefix, so each drill that spawns workers gets a
 * Redis database index of its own (REDIS_URL=redis://host:6379/<n>, see DRILL_REDIS_DB) and
 * "flushes Redis" with FLUSHDB on that index: a FLUSHALL would wipe the queues of the other test
 * files running at the same moment.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { expect } from "vitest";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { applyMigrations } from "../../prisma/tools/schema-engine.js";
import { startCli, stop } from "../cli/cli-process.js";
import type { OpenWindow } from "../support/open-windows.js";

export const DB = process.env.TEST_DATABASE_URL || undefined;
export const REDIS = process.env.TEST_REDIS_URL || undefined;

/** Redis database indexes reserved for the drills (one per file, so files may run side by side). */
export const DRILL_REDIS_DB = { workerFaults: 13, webRestart: 14 } as const;

/** TEST_REDIS_URL pointed at database `index`. */
export function redisDbUrl(index: number): string {
  const u = new URL(REDIS as string);
  u.pathname = `/${index}`;
  return u.toString();
}

/** Empty one Redis database index (the drill's own); returns how many keys it held. */
export async function flushRedisDb(index: number): Promise<number> {
  const redis = new Redis(redisDbUrl(index));
  try {
    const keys = await redis.dbsize();
    await redis.flushdb();
    return keys;
  } finally {
    redis.disconnect();
  }
}

export interface Spawned {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  out(): string;
  /** Resolves with the first match of `readyRe` (rejects if the process exits first). */
  ready: Promise<RegExpExecArray>;
}

/** Start `main.ts role` with `env` (no other variables leak in) and watch for `readyRe`. */
export function spawnRole(role: string, env: Record<string, string>, cwd: string, readyRe: RegExp): Spawned {
  const child = startCli([role], { cwd, env });
  let out = "";
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = readyRe.exec(out);
      if (m) resolve(m);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`${role} exited (${code ?? signal}):\n${out}`)));
  });
  ready.catch(() => {}); // observed by the caller
  return { child, out: () => out, ready };
}

/** A worker's "running" line. */
export const WORKER_READY = /LeadRelay \S+ \(worker\) running/;

/** Resolves (true) when `cond` holds or (false) after `timeoutMs`. */
export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Stop every child still running (SIGTERM, then SIGKILL after 20 s). */
export async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => stop(c)));
}

/** How many of `bidIds` are EXPIRED. */
export async function expiredCount(prisma: PrismaClient, bidIds: string[]): Promise<number> {
  return prisma.bid.count({ where: { id: { in: bidIds }, status: "EXPIRED" } });
}

/**
 * Nothing lost, nothing twice: every window EXPIRED, one strike per bid with the contractor's
 * counts exactly 1..n, one ban per contractor at the threshold (3), every lead EXPIRED, one
 * expiry notice per bid, and no charge (nobody answered, so nobody spent anything).
 */
export async function expectEachWindowExpiredOnce(prisma: PrismaClient, windows: OpenWindow[]): Promise<void> {
  const bidIds = windows.map((w) => w.bidId);
  expect(await expiredCount(prisma, bidIds)).toBe(windows.length);
  const strikes = await prisma.strikeLog.findMany({ where: { bid_id: { in: bidIds } } });
  expect(strikes).toHaveLength(windows.length);
  expect(new Set(strikes.map((s) => s.bid_id)).size).toBe(windows.length);
  const perContractor = new Map<string, number[]>();
  for (const s of strikes)
    perContractor.set(s.contractor_id, [...(perContractor.get(s.contractor_id) ?? []), s.strike_count_after]);
  const users = await prisma.user.findMany({ where: { id: { in: [...new Set(windows.map((w) => w.contractorId))] } } });
  for (const u of users) {
    const counts = (perContractor.get(u.id) ?? []).sort((a, b) => a - b);
    expect(u.strike_count).toBe(counts.length);
    expect(counts).toEqual(counts.map((_, i) => i + 1)); // no strike counted twice, none skipped
  }
  // No charge: nobody answered, so no contractor spent anything, and no contact was recorded.
  const metrics = await prisma.contractorMetrics.findMany({ where: { contractor_id: { in: users.map((u) => u.id) } } });
  expect(metrics.every((m) => Number(m.total_spent) === 0 && m.total_leads_contacted === 0)).toBe(true);
  const bans = strikes.filter((s) => s.ban_triggered);
  expect(bans.every((s) => s.strike_count_after === 3)).toBe(true);
  expect(bans).toHaveLength(users.filter((u) => (perContractor.get(u.id)?.length ?? 0) >= 3).length);
  const leads = await prisma.lead.groupBy({
    by: ["status"],
    where: { id: { in: windows.map((w) => w.leadId) } },
    _count: true,
  });
  expect(leads).toEqual([{ status: "EXPIRED", _count: windows.length }]);
  const notices = await prisma.outboundMessage.groupBy({
    by: ["dedupe_key"],
    where: { kind: "window_expired", dedupe_key: { in: bidIds.map((id) => `strike:${id}`) } },
    _count: true,
  });
  expect(notices).toHaveLength(windows.length);
  expect(notices.every((n) => n._count === 1)).toBe(true);
}

/**
 * A new database on the TEST_DATABASE_URL server, migrated the way `main.ts migrate` does it (with
 * Prisma's `_prisma_migrations` bookkeeping, which spawned roles check at start; the test
 * template databases have none). Dropped, connections and all, by `close`.
 */
export async function createDrillDatabase(tag: string): Promise<{ url: string; name: string; close(): Promise<void> }> {
  const server = new URL(DB as string);
  if (!server.username) server.username = "postgres";
  const name = `lr_drill_${tag}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  server.pathname = `/${name}`;
  const url = server.toString();
  await applyMigrations(url);
  return {
    url,
    name,
    async close() {
      server.pathname = "/postgres";
      const c = new pg.Client({ connectionString: server.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await c.end();
    },
  };
}

/** `url` with an application_name, so a drill can tell its own connections from the app's. */
export function withApplicationName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set("application_name", name);
  return u.toString();
}
