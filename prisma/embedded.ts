/**
 * Embedded PostgreSQL for development without a database server: PGlite (PostgreSQL compiled
 * to WASM) served over a Unix-domain socket (see pglite-server.ts), so Prisma (adapter-pg), psql
 * and the migration tools connect with an ordinary URL.
 *
 * PGlite is ONE PostgreSQL session shared by every connection: one query or transaction runs at
 * a time, an open transaction holds every other connection (even new logins) until it ends, and
 * session state (SET, search_path, temp tables, named prepared statements) is seen by all.
 *
 * Who may connect: PGlite checks no password, so the server listens on no TCP port. Its socket
 * lives in a directory of mode 0700 (`<dataDir>/run`, or a per-user directory under the system
 * temp folder when that path would be too long for a socket), so only this user (and root) can
 * open it — the same people who can read the data files anyway.
 *
 * One owner per data folder: `<dataDir>/pglite.lock` names the process that serves the database
 * (pid, role, web port, start time). A second server on the same folder is refused
 * (DataDirInUseError); a one-off command (migrate, seed, api-key…) borrows a running server's
 * connection, or waits for another one-off command to finish. A lock whose process is gone (or
 * whose pid now belongs to another program) is stale and removed.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { chmod, link, lstat, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { x as untar } from "tar";
import { EMBEDDED_START_PARAMS, readTemplate } from "./embedded-template.js";
import { servePGlite } from "./pglite-server.js";

/** The process serving an embedded database, as recorded in its lock. */
export interface EmbeddedHolder {
  pid: number;
  /** The command it runs: all, web, bot, worker, migrate, seed, api-key, admin-password. */
  role: string;
  /** True for a long-running server (all/web/bot/worker), false for a one-off command. */
  serving: boolean;
  /** Its web port once it listens (null for bot/worker, or still starting). */
  httpPort: number | null;
  startedAt: string;
}

export interface EmbeddedPostgres {
  url: string;
  /** The data folder (absolute). */
  dataDir: string;
  /** The server whose database we borrowed, or null when this process serves it. */
  sharedWith: EmbeddedHolder | null;
  /** True when the data folder held no database before this call (a new one was created). */
  created: boolean;
  /** Records this server's web port in the lock, so a refused second server can name it. */
  announce(info: { httpPort: number | null }): Promise<void>;
  close(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  log?: (line: string) => void;
  /** Which command opens the database; `serving` = a long-running server (exclusive owner). */
  owner?: { role: string; serving: boolean };
}

interface LockInfo extends EmbeddedHolder {
  /** The holder's start time in /proc ticks, to tell a reused pid from the holder (null off Linux). */
  pidStart: string | null;
  /** Directory of the holder's socket; null while it is starting. */
  socketDir: string | null;
}

/** Connections are cheap sockets (one shared session behind them); several Prisma pools fit. */
const MAX_CONNECTIONS = 64;
/** How long to wait for a holder that is starting, or for a one-off command to finish. */
const WAIT_MS = 60_000;
const PROBE_TIMEOUT_MS = 5_000;
/** Linux's sun_path holds 108 bytes; leave room for the terminating NUL. */
const MAX_SOCKET_PATH = 100;
const SOCKET_NAME = ".s.PGSQL.5432";

/** Locks held by this process, so a lock left by an earlier process with our pid counts as stale. */
const heldLocks = new Set<string>();

/** Thrown when another live process holds the data dir but its server does not answer. */
export class EmbeddedDatabaseBusyError extends Error {
  override name = "EmbeddedDatabaseBusyError";
}

/** Thrown when a second server starts on a data folder that a running server owns; one line. */
export class DataDirInUseError extends EmbeddedDatabaseBusyError {
  override name = "DataDirInUseError";
}

/**
 * Connection URL of an embedded server (PGlite ignores user, password and database name): a TCP
 * port on 127.0.0.1 (tests), or the directory holding its Unix-domain socket.
 */
export function embeddedUrl(port: number, host = "127.0.0.1"): string {
  if (host.startsWith("/")) {
    return `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(host)}&port=${port}&sslmode=disable`;
  }
  return `postgresql://postgres:postgres@${host}:${port}/postgres?sslmode=disable`;
}

/** One line naming the holder: "pid 123 (all), web port 3000, started at 2026-…". */
export function describeHolder(h: EmbeddedHolder): string {
  const port = h.httpPort !== null ? `web port ${h.httpPort}` : h.serving ? "no web port yet" : "no web port";
  return `pid ${h.pid} (${h.role}), ${port}, started at ${h.startedAt}`;
}

/**
 * Starts PGlite on `<dataDir>/pglite` behind a private socket, or (for a one-off command) joins
 * the server already serving it. A server finding another server refuses with DataDirInUseError.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => {});
  const owner = opts.owner ?? { role: "cli", serving: false };
  const dataDir = opts.dataDir;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = join(dataDir, "pglite.lock");
  const mine: LockInfo = {
    pid: process.pid,
    pidStart: processStart(process.pid),
    role: owner.role,
    serving: owner.serving,
    httpPort: null,
    startedAt: new Date().toISOString(),
    socketDir: null,
  };
  const holder = await acquireLock(lockPath, dataDir, mine, log);
  if (holder) {
    log(`using the embedded PostgreSQL of ${describeHolder(holder)}`);
    return {
      url: embeddedUrl(5432, holder.socketDir as string),
      dataDir,
      sharedWith: holder,
      created: false,
      announce: async () => {},
      close: async () => {},
    };
  }
  heldLocks.add(lockPath);
  try {
    return await serve(dataDir, lockPath, mine, log);
  } catch (error) {
    heldLocks.delete(lockPath);
    await rm(lockPath, { force: true });
    throw error;
  }
}

async function serve(
  dataDir: string,
  lockPath: string,
  mine: LockInfo,
  log: (line: string) => void,
): Promise<EmbeddedPostgres> {
  const started = performance.now();
  const pgliteDir = join(dataDir, "pglite");
  const created = !existsSync(join(pgliteDir, "PG_VERSION"));
  const socketDir = await privateSocketDir(dataDir);
  // A new folder starts from the migrated template the build made (embedded-template.ts), if any,
  // unpacked here rather than by PGlite (its loadDataDir writes ~1,300 files one synchronous call
  // at a time on the main thread; these writes run on libuv's threads while the app's modules load).
  const template = created ? await readTemplate() : null;
  let unpacked = false;
  if (template && !existsSync(pgliteDir)) {
    // Unpacked beside it and renamed: an interrupted start leaves no half-made database.
    const tmp = `${pgliteDir}.unpack-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await unpackTemplate(Buffer.from(await template.arrayBuffer()), tmp);
    await rename(tmp, pgliteDir);
    unpacked = true;
  }
  // `npm start` runs node with --no-wasm-dynamic-tiering --no-wasm-tier-up: PGlite's WASM stays
  // on V8's baseline (Liftoff) code. Recompiling its hot functions with TurboFan kept ~90 MB more
  // resident and cost seconds of CPU at start; queries of this size measured no slower without.
  const db = await PGlite.create(pgliteDir, {
    startParams: EMBEDDED_START_PARAMS,
    ...(template && !unpacked ? { loadDataDir: template } : {}),
  });
  await chmod(pgliteDir, 0o700).catch(() => {});
  const server = await servePGlite(db, { host: socketDir, maxConnections: MAX_CONNECTIONS }).catch(
    async (error: unknown) => {
      await db.close();
      throw error;
    },
  );
  let info: LockInfo = { ...mine, socketDir };
  await writeLock(lockPath, info).catch(async (error: unknown) => {
    await server.stop();
    await db.close();
    throw error;
  });
  log(
    `embedded PostgreSQL (PGlite) on ${server.socketPath}, data in ${pgliteDir}, ready in ${Math.round(performance.now() - started)} ms`,
  );

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    await server.stop();
    await db.close();
    heldLocks.delete(lockPath);
    if ((await readLock(lockPath))?.pid === process.pid) await rm(lockPath, { force: true });
    log("embedded PostgreSQL stopped");
  };
  return {
    url: embeddedUrl(server.port, socketDir),
    dataDir,
    sharedWith: null,
    created,
    announce: async ({ httpPort }) => {
      info = { ...info, httpPort };
      await writeLock(lockPath, info);
    },
    close: () => (closing ??= shutdown()),
  };
}

/**
 * Unpack the template (PGlite's `dumpDataDir("gzip")`: a gzipped tar of the data directory) into
 * `dir` with node-tar's asynchronous extractor (its file writes run on libuv's threads), readable
 * by this user only.
 */
async function unpackTemplate(gz: Buffer, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await pipeline(Readable.from([gz]), untar({ cwd: dir, preserveOwner: false, umask: 0o077 }));
}

/**
 * A directory only this user can enter, for the socket: `<dataDir>/run`, or (when that path is
 * too long for a socket) `<tmp>/leadrelay-<uid>/<hash of dataDir>`.
 */
async function privateSocketDir(dataDir: string): Promise<string> {
  const inData = join(dataDir, "run");
  if (join(inData, SOCKET_NAME).length <= MAX_SOCKET_PATH) {
    await ensurePrivateDir(inData);
    return inData;
  }
  const uid = process.getuid?.() ?? 0;
  const base = join(tmpdir(), `leadrelay-${uid}`);
  const dir = join(base, createHash("sha256").update(dataDir).digest("hex").slice(0, 16));
  await ensurePrivateDir(base);
  await ensurePrivateDir(dir);
  return dir;
}

/** Creates `dir` (0700) or checks that an existing one is a real directory of ours, and sets 0700. */
async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new EmbeddedDatabaseBusyError(
      `${dir} is not a directory of this user: remove it, or set DATA_DIR to another folder.`,
    );
  }
  await chmod(dir, 0o700);
}

/** Takes the lock (returns null), or returns the running server to borrow, or throws. */
async function acquireLock(
  lockPath: string,
  dataDir: string,
  mine: LockInfo,
  log: (line: string) => void,
): Promise<LockInfo | null> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await createLock(lockPath, mine)) return null;
    const lock = await readLock(lockPath);
    if (!lock || !holderAlive(lock) || (lock.pid === process.pid && !heldLocks.has(lockPath))) {
      log(`removing stale lock ${lockPath}${lock ? ` of process ${lock.pid}` : ""}`);
      await rm(lockPath, { force: true });
      continue;
    }
    if (mine.serving && lock.serving) {
      throw new DataDirInUseError(
        `The data folder ${dataDir} is in use by another LeadRelay server: ${describeHolder(lock)}. ` +
          "Stop it first, or set DATA_DIR to another folder (another PORT is not enough).",
      );
    }
    if (!mine.serving && lock.serving && lock.socketDir !== null && (await answers(lock.socketDir))) return lock;
    // A holder that is still starting, or a one-off command (it ends soon): wait for it.
    if ((lock.socketDir === null || !lock.serving) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    throw new EmbeddedDatabaseBusyError(
      `The embedded database in ${dataDir} is held by ${describeHolder(lock)} whose server ` +
        `${lock.socketDir === null ? "never started" : "does not answer"}: stop that process ` +
        `(or delete ${lockPath} if it is not LeadRelay), or set DATABASE_URL to use another PostgreSQL server.`,
    );
  }
}

/** Atomically creates the lock file with complete content; false if it already exists. */
async function createLock(lockPath: string, info: LockInfo): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(info));
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
    const raw = JSON.parse(await readFile(lockPath, "utf8")) as Partial<LockInfo>;
    if (typeof raw.pid !== "number") return null;
    return {
      pid: raw.pid,
      pidStart: typeof raw.pidStart === "string" ? raw.pidStart : null,
      role: typeof raw.role === "string" ? raw.role : "unknown",
      serving: raw.serving !== false,
      httpPort: typeof raw.httpPort === "number" ? raw.httpPort : null,
      startedAt: String(raw.startedAt),
      socketDir: typeof raw.socketDir === "string" ? raw.socketDir : null,
    };
  } catch {
    return null;
  }
}

/** Whether the lock's process still runs: alive, not a zombie, and (on Linux) not a reused pid. */
function holderAlive(lock: LockInfo): boolean {
  try {
    process.kill(lock.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${lock.pid}/stat`, "utf8");
  } catch {
    return true; // no /proc (macOS, Windows): trust kill(pid, 0)
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z") return false; // a zombie (e.g. an unreaped killed child)
  return lock.pidStart === null || fields[19] === lock.pidStart;
}

/** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), or null. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the server on the socket in `socketDir` completes a login and a query. */
async function answers(socketDir: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: embeddedUrl(5432, socketDir),
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
