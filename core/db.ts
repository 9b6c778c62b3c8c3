import type { Prisma, PrismaClient } from "../prisma/generated/client.js";

/** The database as services see it: the client or an open transaction. */
export type Db = PrismaClient | Prisma.TransactionClient;

export type { Prisma, PrismaClient };

/**
 * Opens the text of a hot, constant raw statement: a client made for a PostgreSQL server
 * prepares it once per connection (prisma/database.ts) instead of parsing and planning it on
 * every call. Only for statements whose text never varies (the values travel as parameters).
 */
export const PREPARED = "/* prepared */";

/** Run `fn` in one transaction (or inside the caller's, if `db` already is one). */
export async function inTransaction<T>(db: Db, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  if ("$transaction" in db) return db.$transaction(fn, { timeout: 20_000, maxWait: 20_000 });
  return fn(db);
}
