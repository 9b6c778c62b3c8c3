/**
 * Feeds: seed 000's recent activity (opened, clicked, booked, started, stopped) and seed 003's
 * ticker (recent Frazer events). Each source is read newest-first with the limit pushed down,
 * so the feed costs `5 × limit` rows, not a scan of every event.
 */
import { type EventName, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { Db } from "../db.js";
import { type Page, type PageQuery, pageResult, pageWindow, paginate } from "../paging.js";
import { ownerSql } from "./kpi-scope.js";

/** Seed 000 ActivityType. */
export type ActivityType = "opened" | "clicked" | "booked" | "started" | "stopped";

/** Order of types for items at the same instant (stable, so the feed never flickers). */
export const ACTIVITY_ORDER: readonly ActivityType[] = ["booked", "stopped", "clicked", "opened", "started"];

/** Seed 000 ActivityItem, in the API's snake_case. */
export interface ActivityItem {
  id: string;
  type: ActivityType;
  customer_id: string;
  customer_name: string;
  property_address: string | null;
  sequence_id: string;
  sequence_type: string;
  message_content: string | null;
  /** Outcome and reason for booked/stopped items (a lost sequence is shown as stopped). */
  outcome: string | null;
  outcome_reason: string | null;
  timestamp: string;
}

/** Clamp a requested feed length to 1–100 (20 by default). */
function feedLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 20;
  return Math.min(100, Math.max(1, Math.trunc(limit)));
}

/**
 * The newest `limit` things that happened in a scope's nurturing up to `now`: a step opened or
 * clicked, a sequence started, booked (converted) or stopped (stopped or lost), with the
 * customer's name, the property address (the opportunity's, else the customer's) and the
 * sequence type. Ties at the same instant are ordered by type, then id.
 */
export async function recentActivity(db: Db, scope: ApiScope, now: Date, limit?: number): Promise<ActivityItem[]> {
  return activityRows(db, scope, now, { skip: 0, take: feedLimit(limit) });
}

/**
 * One page of the activity feed (newest first, same order as `recentActivity`) with the
 * number of things that happened in the scope up to `now`: the API's list shape.
 */
export async function activityPage(db: Db, scope: ApiScope, now: Date, q: PageQuery): Promise<Page<ActivityItem>> {
  const own = ownerSql(scope, Prisma.sql`s.owner_id`);
  const [counted, data] = await Promise.all([
    db.$queryRaw<Array<{ total: bigint }>>`
      SELECT
        (SELECT count(*) FROM sequence_events e JOIN nurturing_sequences s ON s.id = e.sequence_id
          WHERE e.opened_at <= ${now} ${own})
        + (SELECT count(*) FROM sequence_events e JOIN nurturing_sequences s ON s.id = e.sequence_id
          WHERE e.clicked_at <= ${now} ${own})
        + (SELECT count(*) FROM nurturing_sequences s WHERE s.started_at <= ${now} ${own})
        + (SELECT count(*) FROM nurturing_sequences s
          WHERE s.outcome IN ('converted', 'stopped', 'lost') AND s.outcome_at <= ${now} ${own}) AS total`,
    activityRows(db, scope, now, pageWindow(q)),
  ]);
  return pageResult(data, Number(counted[0]?.total ?? 0), q);
}

/** The feed's rows `skip`..`skip + take`: each source is read up to `skip + take`, newest first. */
async function activityRows(
  db: Db,
  scope: ApiScope,
  now: Date,
  window: { skip: number; take: number },
): Promise<ActivityItem[]> {
  const n = window.skip + window.take;
  const own = ownerSql(scope, Prisma.sql`s.owner_id`);
  const rank = (t: ActivityType) => ACTIVITY_ORDER.indexOf(t);
  const rows = await db.$queryRaw<
    Array<{
      type: ActivityType;
      ref: string;
      at: Date;
      seq: string;
      message_content: string | null;
      sequence_type: string;
      customer_id: string;
      customer_name: string;
      property_address: string | null;
      outcome: string | null;
      outcome_reason: string | null;
    }>
  >`
    SELECT a.type, a.ref::text AS ref, a.at, a.seq::text AS seq, a.message_content, s.sequence_type,
      c.id::text AS customer_id, c.name AS customer_name,
      COALESCE(o.property_address, c.property_address) AS property_address,
      CASE WHEN a.type IN ('booked', 'stopped') THEN s.outcome::text END AS outcome,
      CASE WHEN a.type IN ('booked', 'stopped') THEN s.outcome_reason END AS outcome_reason
    FROM (
      (SELECT 'opened' AS type, ${rank("opened")}::int AS rk, e.id AS ref, e.opened_at AS at, s.id AS seq,
          e.message_content
        FROM sequence_events e JOIN nurturing_sequences s ON s.id = e.sequence_id
        WHERE e.opened_at <= ${now} ${own} ORDER BY e.opened_at DESC, e.id LIMIT ${n})
      UNION ALL
      (SELECT 'clicked', ${rank("clicked")}::int, e.id, e.clicked_at, s.id, e.message_content
        FROM sequence_events e JOIN nurturing_sequences s ON s.id = e.sequence_id
        WHERE e.clicked_at <= ${now} ${own} ORDER BY e.clicked_at DESC, e.id LIMIT ${n})
      UNION ALL
      (SELECT 'started', ${rank("started")}::int, s.id, s.started_at, s.id, NULL
        FROM nurturing_sequences s WHERE s.started_at <= ${now} ${own} ORDER BY s.started_at DESC, s.id LIMIT ${n})
      UNION ALL
      (SELECT 'booked', ${rank("booked")}::int, s.id, s.outcome_at, s.id, NULL
        FROM nurturing_sequences s WHERE s.outcome = 'converted' AND s.outcome_at <= ${now} ${own}
        ORDER BY s.outcome_at DESC, s.id LIMIT ${n})
      UNION ALL
      (SELECT 'stopped', ${rank("stopped")}::int, s.id, s.outcome_at, s.id, NULL
        FROM nurturing_sequences s WHERE s.outcome IN ('stopped', 'lost') AND s.outcome_at <= ${now} ${own}
        ORDER BY s.outcome_at DESC, s.id LIMIT ${n})
    ) a
    JOIN nurturing_sequences s ON s.id = a.seq
    JOIN customers c ON c.id = s.customer_id
    LEFT JOIN opportunities o ON o.id = s.opportunity_id
    ORDER BY a.at DESC, a.rk, a.ref
    LIMIT ${window.take} OFFSET ${window.skip}`;
  return rows.map((r) => ({
    id: `${r.type}:${r.ref}`,
    type: r.type,
    customer_id: r.customer_id,
    customer_name: r.customer_name,
    property_address: r.property_address,
    sequence_id: r.seq,
    sequence_type: r.sequence_type,
    message_content: r.message_content,
    outcome: r.outcome,
    outcome_reason: r.outcome_reason,
    timestamp: r.at.toISOString(),
  }));
}

/** One line of the seed-003 dashboard ticker. */
export interface TickerItem {
  id: string;
  event_name: string;
  customer_id: string | null;
  customer_name: string | null;
  source: string | null;
  timestamp: string;
}

/**
 * The ticker: the newest Frazer events (no-show, booked, video sent…) in a scope up to `now`,
 * optionally only some event names.
 */
export async function recentTicker(
  db: Db,
  scope: ApiScope,
  now: Date,
  opts: { limit?: number; eventNames?: readonly EventName[] } = {},
): Promise<TickerItem[]> {
  return tickerRows(db, tickerWhere(scope, now, opts.eventNames), { skip: 0, take: feedLimit(opts.limit) });
}

/** One page of the ticker (newest first) with the number of matching events: the API's list shape. */
export async function tickerPage(
  db: Db,
  scope: ApiScope,
  now: Date,
  q: PageQuery,
  eventNames?: readonly EventName[],
): Promise<Page<TickerItem>> {
  const where = tickerWhere(scope, now, eventNames);
  return paginate(
    q,
    () => db.eventLog.count({ where }),
    (w) => tickerRows(db, where, w),
  );
}

function tickerWhere(scope: ApiScope, now: Date, eventNames?: readonly EventName[]): Prisma.EventLogWhereInput {
  return {
    ...ownedBy(scope),
    timestamp: { lte: now },
    ...(eventNames?.length ? { event_name: { in: [...eventNames] } } : {}),
  };
}

async function tickerRows(
  db: Db,
  where: Prisma.EventLogWhereInput,
  window: { skip: number; take: number },
): Promise<TickerItem[]> {
  const rows = await db.eventLog.findMany({
    where,
    orderBy: [{ timestamp: "desc" }, { id: "asc" }],
    ...window,
    select: {
      id: true,
      event_name: true,
      customer_id: true,
      source: true,
      timestamp: true,
      customer: { select: { name: true } },
    },
  });
  return rows.map((r) => ({
    id: r.id,
    event_name: r.event_name,
    customer_id: r.customer_id,
    customer_name: r.customer?.name ?? null,
    source: r.source,
    timestamp: r.timestamp.toISOString(),
  }));
}
