import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { startEmbeddedPostgres } from "./embedded.js";
import { PrismaClient } from "./generated/client.js";

export type DbMode = "embedded" | "postgres";

/** An open database: the Prisma client plus how it was reached. */
export interface Database {
  prisma: PrismaClient;
  url: string;
  mode: DbMode;
  /** True when the embedded database is served by another running LeadRelay process. */
  shared: boolean;
  close(): Promise<void>;
}

/** A database problem a person can fix; `message` is one line. */
export class DatabaseUnavailableError extends Error {}

/** Build a Prisma client on a connection URL (optionally pinned to one schema, for tests). */
export function createPrisma(url: string, opts: { schema?: string; poolSize?: number } = {}): PrismaClient {
  const poolConfig: pg.PoolConfig = { connectionString: url, max: opts.poolSize ?? 10 };
  if (opts.schema) poolConfig.options = `-c search_path=${opts.schema}`;
  const adapter = new PrismaPg(poolConfig, opts.schema ? { schema: opts.schema } : undefined);
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

/**
 * Open the system of record: the PostgreSQL server at `databaseUrl`, or, when it is unset,
 * the embedded PostgreSQL (PGlite) with its data in `<dataDir>/pglite`.
 */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  log?: (line: string) => void;
}): Promise<Database> {
  if (opts.databaseUrl) {
    await assertReachable(opts.databaseUrl);
    const prisma = createPrisma(opts.databaseUrl);
    return {
      prisma,
      url: opts.databaseUrl,
      mode: "postgres",
      shared: false,
      close: () => prisma.$disconnect(),
    };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: path.resolve(opts.dataDir), log: opts.log });
  const prisma = createPrisma(embedded.url, { poolSize: 5 });
  return {
    prisma,
    url: embedded.url,
    mode: "embedded",
    shared: embedded.reused,
    close: async () => {
      await prisma.$disconnect();
      await embedded.close();
    },
  };
}
