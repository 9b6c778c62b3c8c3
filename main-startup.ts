/**
 * What every role checks and does once at start, before it serves (used by main.ts):
 * - the start-up lock: migrations, reference data and the first admin run under one PostgreSQL
 *   advisory lock, so replicas started at the same moment on a new database take turns;
 * - the services are fit: PostgreSQL new enough for the schema, Redis set to never evict keys
 *   (BullMQ's requirement: an evicted key is a lost or duplicated job).
 * A check that fails gives one line for a person (StartupCheckError); main.ts prints it and exits 1.
 */
import pg from "pg";

/** A service the role needs is missing or unfit; `message` is one line saying what to fix. */
export class StartupCheckError extends Error {}

/** The oldest PostgreSQL major the schema and its queries are tested on. */
export const MIN_POSTGRES_VERSION_NUM = 140000;

/** The advisory lock key of the start-up steps (any constant; the same in every LeadRelay process). */
export const STARTUP_LOCK_KEY = 0x4c52_5354; // "LRST"

/** How long a start waits for another process's start-up steps before giving up. */
const DEFAULT_LOCK_WAIT_MS = 5 * 60_000;

/**
 * PostgreSQL's `server_version_num` (e.g. 150020) against the minimum the schema needs: null when
 * fine, else the line to print.
 */
export function postgresVersionProblem(serverVersionNum: number, where: string): string | null {
  if (Number.isFinite(serverVersionNum) && serverVersionNum >= MIN_POSTGRES_VERSION_NUM) return null;
  const major = Math.floor(serverVersionNum / 10000);
  return (
    `PostgreSQL at ${where} is version ${Number.isFinite(major) ? major : "unknown"}; LeadRelay needs ` +
    `${MIN_POSTGRES_VERSION_NUM / 10000} or newer. Upgrade the server or point DATABASE_URL at a newer one.`
  );
}

/**
 * Redis's `INFO memory` text (or just the policy) against BullMQ's requirement: null when
 * `maxmemory-policy` is `noeviction`, else the line to print.
 */
export function redisPolicyProblem(infoOrPolicy: string, where: string): string | null {
  const m = /^maxmemory_policy:(\S+)/m.exec(infoOrPolicy);
  const policy = (m ? (m[1] ?? "") : infoOrPolicy).trim();
  if (policy === "noeviction") return null;
  return (
    `Redis at ${where} has maxmemory-policy "${policy || "unknown"}"; BullMQ needs "noeviction" (an evicted key ` +
    "is a lost job). Set it in redis.conf or with `CONFIG SET maxmemory-policy noeviction`."
  );
}

/** "host:port" of a URL, without credentials. */
function hostOf(url: string, defaultPort: number): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || defaultPort}`;
}

/** Connect to Redis once and check its eviction policy; throws StartupCheckError with one line. */
export async function checkRedis(url: string): Promise<void> {
  const where = hostOf(url, 6379);
  const { Redis } = await import("ioredis"); // only with REDIS_URL: the embedded scheduler needs no client
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let socketError: NodeJS.ErrnoException | null = null;
  redis.on("error", (err: NodeJS.ErrnoException) => {
    socketError ??= err; // reported below, once (connect() itself only says "Connection is closed")
  });
  let info: string;
  try {
    await redis.connect();
    info = await redis.info("memory");
  } catch (err) {
    const cause = (socketError ?? err) as NodeJS.ErrnoException;
    const reason = cause.code ?? cause.message;
    throw new StartupCheckError(
      `Cannot reach Redis at ${where} (${reason}). Is it running? Check REDIS_URL, or unset it to use the in-process scheduler.`,
    );
  } finally {
    redis.disconnect();
  }
  const problem = redisPolicyProblem(info, where);
  if (problem) throw new StartupCheckError(problem);
}

/**
 * Run `fn` holding the start-up lock of the PostgreSQL database at `url` (a session advisory lock
 * on a connection of its own: if this process dies, the server releases it). The server's
 * version is checked first. Another process holding the lock is waited for (`onWait` is told
 * once), at most `waitMs`; then one line, and the caller exits.
 */
export async function withStartupLock<T>(
  url: string,
  fn: () => Promise<T>,
  opts: { waitMs?: number; onWait?: (holderPid: number | null) => void } = {},
): Promise<T> {
  const where = `${hostOf(url, 5432)}${new URL(url).pathname}`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => {}); // a dropped lock connection surfaces as a failed query below
  await client.connect();
  try {
    const version = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    const problem = postgresVersionProblem(Number(version.rows[0]?.v), where);
    if (problem) throw new StartupCheckError(problem);
    const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [
      STARTUP_LOCK_KEY,
    ]);
    if (!got.rows[0]?.ok) {
      const holder = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1::oid LIMIT 1",
        [STARTUP_LOCK_KEY],
      );
      opts.onWait?.(holder.rows[0]?.pid ?? null);
      const waitMs = opts.waitMs ?? DEFAULT_LOCK_WAIT_MS;
      await client.query(`SET lock_timeout = ${Math.max(1, Math.round(waitMs))}`);
      try {
        await client.query("SELECT pg_advisory_lock($1::bigint)", [STARTUP_LOCK_KEY]);
      } catch (err) {
        if ((err as { code?: string }).code !== "55P03") throw err;
        throw new StartupCheckError(
          `Another LeadRelay process has held the start-up lock on ${where} for over ${Math.ceil(waitMs / 1000)} s ` +
            "(migrating?). Check its log; stop it if it hangs, then start again.",
        );
      }
    }
    return await fn();
  } finally {
    // Closing the session releases the lock (also when fn threw).
    await client.end().catch(() => {});
  }
}
