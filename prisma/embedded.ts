/**
 * Embedded PostgreSQL for development without a database server: PGlite (PostgreSQL compiled
 * to WASM) served over TCP (see pglite-server.ts), so Prisma (adapter-pg), psql and the
 * migration tools connect with an ordinary URL.
 *
 * PGlite is ONE PostgreSQL session shared by every connection: one query or transaction runs at
 * a time, an open transaction holds every other connection (even new logins) until it ends, and
 * session state (SET, search_path, temp tables, named prepared statements) is seen by all.
 */
import { readFileSync } from "node:fs";
import { link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { servePGlite } from "./pglite-server.js";

export interface EmbeddedPostgres {
  url: string;
  port: number;
  /** true when another process already serves this data dir and we only borrowed its URL. */
  reused: boolean;
  close(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  log?: (line: string) => void;
}

interface LockInfo {
  pid: number;
  port: number | null;
  startedAt: string;
}

const HOST = "127.0.0.1";
/** Connections are cheap sockets (one shared session behind them); several Prisma pools fit. */
const MAX_CONNECTIONS = 64;
/** How long to wait for another process that is still starting (lock written, no port yet). */
const STARTUP_WAIT_MS = 60_000;
const PROBE_TIMEOUT_MS = 5_000;

/** Locks held by this process, so a lock left by an earlier process with our pid counts as stale. */
const heldLocks = new Set<string>();

/** Thrown when another live process holds the data dir but its server does not answer. */
export class EmbeddedDatabaseBusyError extends Error {
  override name = "EmbeddedDatabaseBusyError";
}

/** Connection URL of an embedded server (PGlite ignores user, password and database name). */
export function embeddedUrl(port: number): string {
  return `postgresql://postgres:postgres@${HOST}:${port}/postgres?sslmode=disable`;
}

/** Starts PGlite on `<dataDir>/pglite` behind a TCP server, or joins the one already serving it. */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => {});
  await mkdir(opts.dataDir, { recursive: true });
  const lockPath = join(opts.dataDir, "pglite.lock");
  const running = await acquireLock(lockPath, opts.dataDir, log);
  if (running) return running;
  heldLocks.add(lockPath);
  try {
    return await serve(join(opts.dataDir, "pglite"), lockPath, log);
  } catch (error) {
    heldLocks.delete(lockPath);
    await rm(lockPath, { force: true });
    throw error;
  }
}

async function serve(pgliteDir: string, lockPath: string, log: (line: string) => void): Promise<EmbeddedPostgres> {
  const started = performance.now();
  const db = await PGlite.create(pgliteDir);
  const server = await servePGlite(db, { host: HOST, port: 0, maxConnections: MAX_CONNECTIONS }).catch(
    async (error: unknown) => {
      await db.close();
      throw error;
    },
  );
  const port = server.port;
  await writeLock(lockPath, { pid: process.pid, port, startedAt: new Date().toISOString() }).catch(
    async (error: unknown) => {
      await server.stop();
      await db.close();
      throw error;
    },
  );
  log(
    `embedded PostgreSQL (PGlite) on ${HOST}:${port}, data in ${pgliteDir}, ready in ${Math.round(performance.now() - started)} ms`,
  );

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    await server.stop();
    await db.close();
    heldLocks.delete(lockPath);
    if ((await readLock(lockPath))?.pid === process.pid) await rm(lockPath, { force: true });
    log("embedded PostgreSQL stopped");
  };
  return { url: embeddedUrl(port), port, reused: false, close: () => (closing ??= shutdown()) };
}

/** Takes the lock (returns null), or returns the live server that holds it, or throws. */
async function acquireLock(
  lockPath: string,
  dataDir: string,
  log: (line: string) => void,
): Promise<EmbeddedPostgres | null> {
  const deadline = Date.now() + STARTUP_WAIT_MS;
  for (;;) {
    if (await createLock(lockPath)) return null;
    const lock = await readLock(lockPath);
    if (!lock || !isAlive(lock.pid) || (lock.pid === process.pid && !heldLocks.has(lockPath))) {
      log(`removing stale lock ${lockPath}${lock ? ` of process ${lock.pid}` : ""}`);
      await rm(lockPath, { force: true });
      continue;
    }
    if (lock.port === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200)); // holder is still starting
      continue;
    }
    if (lock.port !== null && (await answers(lock.port))) {
      log(`reusing embedded PostgreSQL of process ${lock.pid} on port ${lock.port}`);
      return { url: embeddedUrl(lock.port), port: lock.port, reused: true, close: async () => {} };
    }
    throw new EmbeddedDatabaseBusyError(
      `The embedded database in ${dataDir} is held by process ${lock.pid} (since ${lock.startedAt}) whose server ` +
        `${lock.port === null ? "never started" : `on port ${lock.port} does not answer`}: stop that process ` +
        `(or delete ${lockPath} if it is not LeadRelay), or set DATABASE_URL to use another PostgreSQL server.`,
    );
  }
}

/** Atomically creates the lock file with complete content; false if it already exists. */
async function createLock(lockPath: string): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ pid: process.pid, port: null, startedAt: new Date().toISOString() }));
  try {
    await link(tmp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function writeLock(lockPath: string, info: LockInfo): Promise<void> {
  const tmp = `${lockPath}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(info));
  await rename(tmp, lockPath);
}

async function readLock(lockPath: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(lockPath, "utf8")) as Partial<LockInfo>;
    if (typeof info.pid !== "number") return null;
    return { pid: info.pid, port: typeof info.port === "number" ? info.port : null, startedAt: String(info.startedAt) };
  } catch {
    return null;
  }
}

/** Whether `pid` is a running process (a zombie, e.g. an unreaped killed child, counts as dead). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc (macOS, Windows): trust kill(pid, 0)
  }
}

/** Whether a PostgreSQL server on `port` completes a login and a query. */
async function answers(port: number): Promise<boolean> {
  const client = new pg.Client({
    connectionString: embeddedUrl(port),
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
