import { createHash } from "node:crypto";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PREPARED } from "../core/db.js";
import { describeHolder, startEmbeddedPostgres } from "./embedded.js";
import { PrismaClient } from "./generated/client.js";

export type DbMode = "embedded" | "postgres";

/** An open database: the Prisma client plus how it was reached. */
export interface Database {
  prisma: PrismaClient;
  url: string;
  mode: DbMode;
  /** True when the embedded database is served by another running LeadRelay process. */
  shared: boolean;
  /**
   * Where the data lives, for one line to a person: "the embedded database in /abs/data (shared
   * with the running server pid 12, …)" or "PostgreSQL at db:5432/leadrelay".
   */
  description: string;
  /** A server records its web port, so a second server on the same data folder can name it. */
  announce(info: { httpPort: number | null }): Promise<void>;
  close(): Promise<void>;
}

/** A database problem a person can fix; `message` is one line. */
export class DatabaseUnavailableError extends Error {}

/**
 * Statements whose text opens with core/db.ts PREPARED (the events hot path) are prepared once
 * per connection under a name drawn from their text, so PostgreSQL parses and plans them once
 * instead of on every call; every other statement stays unnamed (undefined: pg's default).
 * The embedded server shares PGlite's one session among its connections and gives each
 * connection's statement names a prefix of its own (pglite-server.ts), so names never collide.
 */
const preparedNames = new Map<string, string>();
function preparedName(query: { sql: string }): string | undefined {
  if (!query.sql.startsWith(PREPARED)) return undefined;
  let name = preparedNames.get(query.sql);
  if (!name) {
    name = `lr_${createHash("sha1").update(query.sql).digest("hex").slice(0, 20)}`;
    if (preparedNames.size >= 100) preparedNames.clear();
    preparedNames.set(query.sql, name);
  }
  return name;
}

/**
 * Build a Prisma client on a connection URL (optionally pinned to one schema, for tests).
 * `prepared`: name the marked statements (see preparedName).
 */
export function createPrisma(
  url: string,
  opts: { schema?: string; poolSize?: number; prepared?: boolean } = {},
): PrismaClient {
  const poolConfig: pg.PoolConfig = { connectionString: url, max: opts.poolSize ?? 10 };
  if (opts.schema) poolConfig.options = `-c search_path=${opts.schema}`;
  // Our own pool, so every connection gets an error listener: a connection PostgreSQL ends while
  // it is checked out between two statements of a transaction (pg_terminate_backend, a failover)
  // otherwise emits an unhandled 'error' and kills the process (tests/drills/worker-faults.test.ts).
  // The transaction fails and is retried; the broken connection leaves the pool when released.
  const pool = new pg.Pool(poolConfig);
  pool.on("connect", (client) => client.on("error", () => {}));
  pool.on("error", () => {}); // an idle connection ended: pg-pool has already dropped it
  const adapter = new PrismaPg(pool, {
    ...(opts.schema ? { schema: opts.schema } : {}),
    // pg takes an undefined name as "unnamed"; the adapter's type only says string.
    ...(opts.prepared ? { statementNameGenerator: preparedName as (q: { sql: string }) => string } : {}),
    disposeExternalPool: true,
  });
  // "minimal" skips capturing a stack trace per query (about 4% of CPU on the events path).
  return new PrismaClient({ adapter, errorFormat: "minimal" });
}

/** Check that a PostgreSQL server answers; throws DatabaseUnavailableError with one clear line. */
export async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (err) {
    const u = new URL(url);
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DatabaseUnavailableError(
      `Cannot reach PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname} (${reason}). ` +
        "Is it running? Check DATABASE_URL, or unset it to use the embedded database.",
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** "host:port/db" of a server URL, without the credentials. */
function serverName(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/**
 * Open the system of record: the PostgreSQL server at `databaseUrl`, or, when it is unset,
 * the embedded PostgreSQL (PGlite) with its data in `<dataDir>/pglite`. `owner` says which
 * command opens it: a server (`serving`) must be the only one on an embedded data folder
 * (DataDirInUseError otherwise); a one-off command borrows a running server's database.
 */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  log?: (line: string) => void;
  owner?: { role: string; serving: boolean };
}): Promise<Database> {
  if (opts.databaseUrl) {
    await assertReachable(opts.databaseUrl);
    const prisma = createPrisma(opts.databaseUrl, { prepared: true });
    return {
      prisma,
      url: opts.databaseUrl,
      mode: "postgres",
      shared: false,
      description: `PostgreSQL at ${serverName(opts.databaseUrl)} (DATABASE_URL)`,
      announce: async () => {},
      close: () => prisma.$disconnect(),
    };
  }
  const dataDir = path.resolve(opts.dataDir);
  const embedded = await startEmbeddedPostgres({ dataDir, log: opts.log, owner: opts.owner });
  const prisma = createPrisma(embedded.url, { poolSize: 5, prepared: true });
  const holder = embedded.sharedWith;
  return {
    prisma,
    url: embedded.url,
    mode: "embedded",
    shared: holder !== null,
    description:
      `the embedded database in ${dataDir} ` +
      (holder
        ? `(shared with the running server ${describeHolder(holder)})`
        : `(${embedded.created ? "new, " : ""}no server running there)`),
    announce: embedded.announce,
    close: async () => {
      await prisma.$disconnect();
      await embedded.close();
    },
  };
}
