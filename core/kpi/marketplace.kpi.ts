/**
 * Marketplace KPIs (seed 001 and DESIGN.md "first-response time that excludes automated
 * messages"): contact rate, time to contact, human first-response time, leads by status and
 * revenue per week. Aggregated in SQL; a contractor scope sees its own bids and leads only.
 */
import { type LeadStatus, Prisma } from "../../prisma/generated/client.js";
import { LeadStatus as LeadStatusEnum } from "../../prisma/generated/enums.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownersOf } from "../accounts/visibility.js";
import type { Db } from "../db.js";
import { contactRate } from "../marketplace/metrics.js";
import { toCents } from "../money.js";
import { round1, usd } from "./kpi-math.js";
import { int, ownerSql } from "./kpi-scope.js";
import { localDate, weekStarts } from "./kpi-time.js";

/** Every lead status, so a status with no leads still shows as 0. */
export const LEAD_STATUSES = Object.values(LeadStatusEnum) as readonly LeadStatus[];

/** Median and 90th percentile of a duration in minutes, over `count` cases. */
interface MinutesStats {
  median: number | null;
  p90: number | null;
  count: number;
}

/** The marketplace dashboard. */
export interface MarketplaceKpis {
  timezone: string;
  /** Bids whose response window opened (the lead was won), leads that ended UNREACHABLE left out. */
  won: number;
  /** Of those, answered inside the window. */
  contacted: number;
  /** contacted / won, two decimals (0 when nothing was won). */
  contact_rate: number;
  /** Window opened → contact (the first reply inside the window). */
  time_to_contact_minutes: MinutesStats;
  /** Window opened → first outbound message written by a person (automated messages ignored). */
  first_response_minutes: MinutesStats;
  spent_usd: number;
  leads_by_status: Record<LeadStatus, number>;
  /** Revenue a person entered on conversions, per ISO week (Monday, local), oldest first. */
  revenue_per_week: Array<{ week_start: string; revenue_usd: number; conversions: number }>;
  /** First-response minutes counted into buckets; only when asked for (`responseBuckets`). */
  first_response_histogram?: MinutesBucket[];
}

/** [from, to) minutes of a histogram bucket (to null: and longer) and how many fell in it. */
export interface MinutesBucket {
  from: number;
  to: number | null;
  count: number;
}

/**
 * Marketplace KPIs for a scope at `now`, with weeks in `tz`. Time to contact uses the bid's
 * `responded_at` (which any reply sets, an auto-reply included); first-response time looks for
 * the first `messages` row from the contractor on that lead with `is_automated = false`, sent
 * after the window opened. Revenue per lead is its `paid` conversion's amount, else its
 * `booked` one's, never both. `responseBuckets` (ascending upper bounds in minutes) adds the
 * first-response histogram, counted in the same statement.
 */
export async function marketplaceKpis(
  db: Db,
  scope: ApiScope,
  now: Date,
  tz: string,
  weeks = 12,
  responseBuckets?: readonly number[],
): Promise<MarketplaceKpis> {
  const bidOwner = ownerSql(scope, Prisma.sql`b.contractor_id`);
  const owned = ownersOf(scope) !== undefined;
  const starts = weekStarts(now, tz, weeks);
  const first = starts[0] ?? now;
  const minutes = Prisma.sql`(extract(epoch FROM (b.responded_at - b.response_window_starts_at)) / 60)::float8`;
  // Histogram buckets ride along in the first-response query (one pass over bids × messages).
  const edges = responseBuckets ?? [];
  const bucketCols = responseBuckets
    ? Prisma.sql`, ${Prisma.join(
        [0, ...edges].map(
          (_, i) =>
            Prisma.sql`count(*) FILTER (WHERE width_bucket(f.minutes, ${edges}::float8[]) = ${i})::int AS ${Prisma.raw(`b${i}`)}`,
        ),
      )}`
    : Prisma.empty;

  const [bids, firstResponse, statuses, revenue] = await Promise.all([
    db.$queryRaw<Array<Record<string, unknown>>>`
      SELECT
        -- A window on a lead nobody could reach is not a won lead (core/marketplace/metrics.ts countsAsWon).
        count(*) FILTER (WHERE NOT EXISTS (
          SELECT 1 FROM leads l WHERE l.id = b.lead_id AND l.status = 'UNREACHABLE'))::int AS won,
        count(*) FILTER (WHERE b.responded_at IS NOT NULL)::int AS contacted,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${minutes}) FILTER (WHERE b.responded_at IS NOT NULL)
          AS pct,
        COALESCE(sum(b.final_bid_amount) FILTER (WHERE b.responded_at IS NOT NULL), 0)::text AS spent
      FROM bids b
      WHERE b.response_window_starts_at IS NOT NULL AND b.response_window_starts_at <= ${now} ${bidOwner}`,
    db.$queryRaw<Array<Record<string, unknown>>>`
      SELECT count(*)::int AS count,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.minutes) AS pct ${bucketCols}
      FROM (
        SELECT (extract(epoch FROM (min(m.sent_at) - b.response_window_starts_at)) / 60)::float8 AS minutes
        FROM bids b
        JOIN messages m ON m.lead_id = b.lead_id AND m.sender_id = b.contractor_id
        WHERE b.response_window_starts_at IS NOT NULL AND b.response_window_starts_at <= ${now} ${bidOwner}
          AND m.direction = 'outbound' AND NOT m.is_automated
          AND m.sent_at >= b.response_window_starts_at AND m.sent_at <= ${now}
        -- One bid per (lead, contractor) (idx_bids_lead_contractor): grouping by the pair lets the
        -- plan read only idx_bids_window_opened, not the bids table.
        GROUP BY b.lead_id, b.contractor_id, b.response_window_starts_at
      ) f`,
    db.$queryRaw<Array<{ status: LeadStatus; n: number }>>`
      SELECT l.status::text AS status, count(*)::int AS n
      FROM leads l
      WHERE ${owned ? Prisma.sql`EXISTS (SELECT 1 FROM bids b WHERE b.lead_id = l.id ${bidOwner})` : Prisma.sql`TRUE`}
      GROUP BY l.status`,
    db.$queryRaw<Array<{ week: string; revenue: string; n: number }>>`
      SELECT to_char(date_trunc('week', c.converted_at AT TIME ZONE ${tz}), 'YYYY-MM-DD') AS week,
        sum(c.revenue_usd)::text AS revenue, count(*)::int AS n
      FROM conversions c
      WHERE c.converted_at >= ${first} AND c.converted_at <= ${now}
        AND c.revenue_usd IS NOT NULL AND c.conversion_type IN ('booked', 'paid')
        ${ownerSql(scope, Prisma.sql`c.contractor_id`)}
        -- A lead's booked amount counts only when it has no paid one ((lead, type) is unique).
        AND (c.conversion_type = 'paid' OR NOT EXISTS (
          SELECT 1 FROM conversions p
          WHERE p.lead_id = c.lead_id AND p.conversion_type = 'paid' AND p.revenue_usd IS NOT NULL
            ${ownerSql(scope, Prisma.sql`p.contractor_id`)}))
      GROUP BY 1`,
  ]);

  const b = bids[0] ?? {};
  const f = firstResponse[0] ?? {};
  // Median and p90 come from one sort: percentile_cont(ARRAY[0.5, 0.9]), null when nothing counted.
  const pct = (row: Record<string, unknown>) => (Array.isArray(row.pct) ? (row.pct as unknown[]) : []);
  const num = (v: unknown) => (v === null || v === undefined ? null : round1(Number(v)));
  const won = int(b.won);
  const contacted = int(b.contacted);
  const byStatus = Object.fromEntries(LEAD_STATUSES.map((s) => [s, 0])) as Record<LeadStatus, number>;
  for (const r of statuses) byStatus[r.status] = int(r.n);
  const byWeek = new Map(revenue.map((r) => [r.week, r]));
  return {
    timezone: tz,
    won,
    contacted,
    contact_rate: contactRate(contacted, won),
    time_to_contact_minutes: { median: num(pct(b)[0]), p90: num(pct(b)[1]), count: contacted },
    first_response_minutes: { median: num(pct(f)[0]), p90: num(pct(f)[1]), count: int(f.count) },
    spent_usd: usd(toCents(String(b.spent ?? "0"))),
    leads_by_status: byStatus,
    revenue_per_week: starts.map((start) => {
      const key = localDate(start, tz);
      const r = byWeek.get(key);
      return { week_start: key, revenue_usd: r ? usd(toCents(r.revenue)) : 0, conversions: r ? int(r.n) : 0 };
    }),
    ...(responseBuckets
      ? {
          first_response_histogram: [0, ...edges].map((from, i) => ({
            from,
            to: edges[i] ?? null,
            count: int(f[`b${i}`]),
          })),
        }
      : {}),
  };
}
