/**
 * One person's week in wins (the chat's /stats): every job they booked, wherever they recorded
 * it — a converted nurturing sequence, a won deal, or a marketplace lead's booked/paid
 * conversion — with the revenue a person entered (never an estimate), how many the automation
 * had reached first, and the trend against last week up to the same point. Seed 000's
 * weeklyStats counts sequences only; this is the same figure over all three.
 */
import { Prisma } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { lastWeekSameSpan, safeZone, weekWindow } from "./kpi-time.js";
import { type WeeklyStats, weeklyFromRow, weeklyRowOf } from "./nurturing.kpi.js";

/**
 * Weekly wins of `ownerId` at `now`, weeks in `tz` (the person's users.timezone). A lead counts
 * once: its `paid` conversion's amount, else its `booked` one's (as the marketplace KPIs do).
 * From automation: sequences with a customer-facing step sent before the outcome.
 */
export async function personWeeklyStats(db: Db, ownerId: string, now: Date, tz: string): Promise<WeeklyStats> {
  const zone = safeZone(tz);
  const cur = weekWindow(now, zone);
  const prev = lastWeekSameSpan(now, zone);
  const owner = Prisma.sql`${ownerId}::uuid`;
  const span = (col: Prisma.Sql) => Prisma.sql`${col} >= ${prev.from} AND ${col} < ${cur.to}`;
  const [row] = await db.$queryRaw<Array<Record<string, unknown>>>`
    WITH wins AS (
      SELECT s.outcome_at AS at, s.revenue_usd AS revenue,
        EXISTS (SELECT 1 FROM sequence_events e WHERE e.sequence_id = s.id AND e.status = 'sent'
          AND e.action_type <> 'call_reminder' AND e.executed_at <= s.outcome_at) AS automated
      FROM nurturing_sequences s
      WHERE s.owner_id = ${owner} AND s.outcome = 'converted' AND ${span(Prisma.sql`s.outcome_at`)}
      UNION ALL
      SELECT d.closed_at, d.revenue_usd, false
      FROM deals d
      WHERE d.owner_id = ${owner} AND d.status = 'won' AND ${span(Prisma.sql`d.closed_at`)}
      UNION ALL
      SELECT x.converted_at, x.revenue_usd, false FROM (
        SELECT DISTINCT ON (c.lead_id) c.converted_at, c.revenue_usd
        FROM conversions c
        WHERE c.contractor_id = ${owner} AND c.conversion_type IN ('booked', 'paid')
          AND ${span(Prisma.sql`c.converted_at`)}
        ORDER BY c.lead_id, (c.conversion_type = 'paid') DESC
      ) x
    )
    SELECT
      count(*) FILTER (WHERE w.at >= ${cur.from})::int AS jobs,
      COALESCE(sum(w.revenue) FILTER (WHERE w.at >= ${cur.from}), 0)::text AS revenue,
      count(*) FILTER (WHERE w.at >= ${cur.from} AND w.automated)::int AS automated,
      count(*) FILTER (WHERE w.at < ${prev.to})::int AS prev_jobs,
      COALESCE(sum(w.revenue) FILTER (WHERE w.at < ${prev.to}), 0)::text AS prev_revenue,
      count(*) FILTER (WHERE w.at < ${prev.to} AND w.automated)::int AS prev_automated
    FROM wins w`;
  return weeklyFromRow(weeklyRowOf(row), cur, zone);
}
