/**
 * The live ticker's read model: event_logs rows in the order they arrived (`created_at`), read
 * from a cursor so a long-lived stream can ask "what is new since the last row I sent?".
 *
 * A plain `created_at > last` cursor would lose rows: two rows can share a `created_at` (an event
 * and the status change it caused are written in one transaction with one clock reading), and a
 * transaction that stamped its rows a moment ago may commit after a later one. So each poll
 * re-reads a short look-back window and skips the ids it already sent.
 */
import { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import type { Db } from "../db.js";
import type { TickerItem } from "./activity.kpi.js";
import { ownerSql } from "./kpi-scope.js";

/** How far behind the newest row sent a poll still looks for rows that committed late. */
export const TICKER_LOOKBACK_MS = 5_000;
/** At most this many new rows per poll (the rest come on the next one). */
const TICKER_BATCH = 50;

/** Where a stream is: the newest `created_at` sent (ms, rounded up) and the ids sent near it. */
export interface TickerCursor {
  at: number;
  /** id → created_at (ms) of the rows sent (or already on the page) inside the look-back window. */
  seen: Map<string, number>;
}

const ms = Prisma.sql`ceil(extract(epoch FROM e.created_at) * 1000)::float8`;

/** The cursor value a freshly rendered page stands at: the newest row's `created_at` (ms, rounded up); 0 when empty. */
export async function tickerHead(db: Db, scope: ApiScope): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ at: number | null }>>`
    SELECT max(${ms}) AS at FROM (
      SELECT e.created_at FROM event_logs e WHERE TRUE ${ownerSql(scope, Prisma.sql`e.owner_id`)}
      ORDER BY e.created_at DESC LIMIT 1
    ) e`;
  return row?.at === null || row?.at === undefined ? 0 : Number(row.at);
}

/**
 * A cursor standing at `at` (a page's head, or an SSE Last-Event-ID): the rows already in the
 * look-back window up to `at` count as sent, so the first poll returns only what came after.
 */
export async function openTickerCursor(db: Db, scope: ApiScope, at: number): Promise<TickerCursor> {
  const rows = await db.$queryRaw<Array<{ id: string; at: number }>>`
    SELECT e.id::text AS id, ${ms} AS at FROM event_logs e
    WHERE e.created_at > ${new Date(at - TICKER_LOOKBACK_MS)} AND e.created_at <= ${new Date(at)}
      ${ownerSql(scope, Prisma.sql`e.owner_id`)}`;
  return { at, seen: new Map(rows.map((r) => [r.id, Number(r.at)])) };
}

/**
 * The rows that arrived since the cursor, oldest first (at most `limit`); moves the cursor past
 * them and forgets ids that fell out of the look-back window.
 */
export async function pollTicker(
  db: Db,
  scope: ApiScope,
  cursor: TickerCursor,
  limit = TICKER_BATCH,
): Promise<TickerItem[]> {
  const rows = await db.$queryRaw<
    Array<{
      id: string;
      event_name: string;
      customer_id: string | null;
      customer_name: string | null;
      source: string | null;
      timestamp: Date;
      at: number;
    }>
  >`
    SELECT e.id::text AS id, e.event_name::text AS event_name, e.customer_id::text AS customer_id,
      c.name AS customer_name, e.source, e.timestamp, ${ms} AS at
    FROM event_logs e LEFT JOIN customers c ON c.id = e.customer_id
    WHERE e.created_at > ${new Date(cursor.at - TICKER_LOOKBACK_MS)} ${ownerSql(scope, Prisma.sql`e.owner_id`)}
    ORDER BY e.created_at, e.id
    LIMIT ${limit + cursor.seen.size}`;
  const fresh = rows.filter((r) => !cursor.seen.has(r.id)).slice(0, limit);
  for (const r of fresh) {
    cursor.seen.set(r.id, Number(r.at));
    cursor.at = Math.max(cursor.at, Number(r.at));
  }
  for (const [id, at] of cursor.seen) if (at <= cursor.at - TICKER_LOOKBACK_MS) cursor.seen.delete(id);
  return fresh.map((r) => ({
    id: r.id,
    event_name: r.event_name,
    customer_id: r.customer_id,
    customer_name: r.customer_name,
    source: r.source,
    timestamp: r.timestamp.toISOString(),
  }));
}
