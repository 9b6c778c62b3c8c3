/**
 * Seed 000's contractor dashboard: pulse metrics, weekly stats with trend, and estimated value
 * against revenue. Each is one aggregate statement over `nurturing_sequences` (and its events),
 * scoped to the owner, so it stays one round trip at 100k customers / 1M events.
 */
import { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import type { Db } from "../db.js";
import { toCents } from "../money.js";
import { type TrendLabel, trend, usd, valuePitch } from "./kpi-math.js";
import { int, ownerSql } from "./kpi-scope.js";
import { lastWeekSameSpan, type Window, weekWindow } from "./kpi-time.js";

const DAY_MS = 86_400_000;

/** Seed 000 PulseMetrics, in the API's snake_case. */
export interface PulseMetrics {
  /** Sequences started in the last 7 days. */
  enrolled_7_days: number;
  /** Sequences running now (status active; paused ones wait). */
  active_now: number;
  /** Sequence steps opened or clicked in the last 24 hours (a step both opened and clicked counts once). */
  engaged_24h: number;
  /** Sequences ever converted. */
  converted: number;
}

/**
 * Pulse metrics for a scope at `now`: how much the automation is doing right now. Enrolment
 * and engagement are rolling windows (7 days, 24 hours); converted is all time.
 */
export async function pulseMetrics(db: Db, scope: ApiScope, now: Date): Promise<PulseMetrics> {
  const weekAgo = new Date(now.getTime() - 7 * DAY_MS);
  const dayAgo = new Date(now.getTime() - DAY_MS);
  const [row] = await db.$queryRaw<Array<Record<keyof PulseMetrics, number>>>`
    SELECT
      count(*) FILTER (WHERE s.started_at > ${weekAgo} AND s.started_at <= ${now})::int AS enrolled_7_days,
      count(*) FILTER (WHERE s.status = 'active')::int AS active_now,
      count(*) FILTER (WHERE s.outcome = 'converted')::int AS converted,
      (SELECT count(*)::int FROM sequence_events e JOIN nurturing_sequences s2 ON s2.id = e.sequence_id
        WHERE ((e.opened_at > ${dayAgo} AND e.opened_at <= ${now}) OR (e.clicked_at > ${dayAgo} AND e.clicked_at <= ${now}))
        ${ownerSql(scope, Prisma.sql`s2.owner_id`)}) AS engaged_24h
    FROM nurturing_sequences s
    WHERE TRUE ${ownerSql(scope, Prisma.sql`s.owner_id`)}`;
  return {
    enrolled_7_days: int(row?.enrolled_7_days),
    active_now: int(row?.active_now),
    engaged_24h: int(row?.engaged_24h),
    converted: int(row?.converted),
  };
}

/** One week's bookings. */
interface WeekFigures {
  jobs_booked: number;
  revenue_usd: number;
  from_automation: number;
}

/** Seed 000 WeeklyStats plus what the trend was computed from. */
export interface WeeklyStats extends WeekFigures {
  timezone: string;
  week_start: string;
  /** % change of jobs booked against last week at the same point; null when last week had none. */
  trend: number | null;
  trend_label: TrendLabel;
  revenue_trend: number | null;
  revenue_trend_label: TrendLabel;
  last_week: WeekFigures;
}

/** Raw weekly aggregate: counts and revenue in cents for the current and previous span. */
export interface WeeklyRow {
  jobs: number;
  revenue_cents: number;
  automated: number;
  prev_jobs: number;
  prev_revenue_cents: number;
  prev_automated: number;
}

/** The SQL aggregate's columns (counts as ints, sums as text) as a WeeklyRow. */
export function weeklyRowOf(row: Record<string, unknown> | undefined): WeeklyRow {
  return {
    jobs: int(row?.jobs),
    revenue_cents: toCents(String(row?.revenue ?? "0")),
    automated: int(row?.automated),
    prev_jobs: int(row?.prev_jobs),
    prev_revenue_cents: toCents(String(row?.prev_revenue ?? "0")),
    prev_automated: int(row?.prev_automated),
  };
}

/** Turn the two spans' figures into WeeklyStats with trends (pure). */
export function weeklyFromRow(r: WeeklyRow, week: Window, timezone: string): WeeklyStats {
  const jobs = trend(r.jobs, r.prev_jobs);
  const revenue = trend(r.revenue_cents, r.prev_revenue_cents);
  return {
    timezone,
    week_start: week.from.toISOString(),
    jobs_booked: r.jobs,
    revenue_usd: usd(r.revenue_cents),
    from_automation: r.automated,
    trend: jobs.pct,
    trend_label: jobs.label,
    revenue_trend: revenue.pct,
    revenue_trend_label: revenue.label,
    last_week: { jobs_booked: r.prev_jobs, revenue_usd: usd(r.prev_revenue_cents), from_automation: r.prev_automated },
  };
}

/**
 * Weekly stats: sequences converted this ISO week (in `tz`, up to now), the revenue a person
 * entered on them (`revenue_usd`; estimated value never counts as revenue), how many of them
 * the automation had already reached (a customer-facing step sent before the outcome), and the
 * trend against last week up to the same weekday and time.
 */
export async function weeklyStats(db: Db, scope: ApiScope, now: Date, tz: string): Promise<WeeklyStats> {
  const cur = weekWindow(now, tz);
  const prev = lastWeekSameSpan(now, tz);
  const automated = Prisma.sql`EXISTS (SELECT 1 FROM sequence_events e WHERE e.sequence_id = s.id
    AND e.status = 'sent' AND e.action_type <> 'call_reminder' AND e.executed_at <= s.outcome_at)`;
  const inCur = Prisma.sql`s.outcome_at >= ${cur.from} AND s.outcome_at < ${cur.to}`;
  const inPrev = Prisma.sql`s.outcome_at >= ${prev.from} AND s.outcome_at < ${prev.to}`;
  const [row] = await db.$queryRaw<Array<Record<string, unknown>>>`
    SELECT
      count(*) FILTER (WHERE ${inCur})::int AS jobs,
      COALESCE(sum(s.revenue_usd) FILTER (WHERE ${inCur}), 0)::text AS revenue,
      count(*) FILTER (WHERE ${inCur} AND ${automated})::int AS automated,
      count(*) FILTER (WHERE ${inPrev})::int AS prev_jobs,
      COALESCE(sum(s.revenue_usd) FILTER (WHERE ${inPrev}), 0)::text AS prev_revenue,
      count(*) FILTER (WHERE ${inPrev} AND ${automated})::int AS prev_automated
    FROM nurturing_sequences s
    WHERE s.outcome = 'converted' AND s.outcome_at >= ${prev.from} AND s.outcome_at < ${cur.to}
      ${ownerSql(scope, Prisma.sql`s.owner_id`)}`;
  return weeklyFromRow(weeklyRowOf(row), cur, tz);
}

/** Est. value against revenue (seed 000 "Est. Value vs Revenue"). */
export interface ValueVsRevenue {
  since: string | null;
  /** Est. value of every sequence started in the period: the opportunities generated. */
  est_value_usd: number;
  /** Est. value still open (active or paused sequences). */
  open_pipeline_usd: number;
  /** Revenue a person entered on converted sequences. */
  revenue_usd: number;
  /** Est. value of the sequences that converted (to compare with what they really paid). */
  won_est_value_usd: number;
  converted: number;
  /** Converted sequences with no amount entered yet (revenue is never guessed). */
  converted_without_revenue: number;
  pitch: string;
}

/**
 * Pipeline potential against closed revenue for the sequences started since `since` (all when
 * null): "We generated $18k in opportunities. You closed $9k. Let's go get the rest."
 */
export async function valueVsRevenue(db: Db, scope: ApiScope, since: Date | null): Promise<ValueVsRevenue> {
  const period = since ? Prisma.sql`AND s.started_at >= ${since}` : Prisma.empty;
  const [row] = await db.$queryRaw<Array<Record<string, unknown>>>`
    SELECT
      COALESCE(sum(s.est_value_usd), 0)::text AS est,
      COALESCE(sum(s.est_value_usd) FILTER (WHERE s.status IN ('active', 'paused')), 0)::text AS open_est,
      COALESCE(sum(s.revenue_usd) FILTER (WHERE s.outcome = 'converted'), 0)::text AS revenue,
      COALESCE(sum(s.est_value_usd) FILTER (WHERE s.outcome = 'converted'), 0)::text AS won_est,
      count(*) FILTER (WHERE s.outcome = 'converted')::int AS converted,
      count(*) FILTER (WHERE s.outcome = 'converted' AND s.revenue_usd IS NULL)::int AS without_revenue
    FROM nurturing_sequences s
    WHERE TRUE ${period} ${ownerSql(scope, Prisma.sql`s.owner_id`)}`;
  const cents = (k: string) => toCents(String(row?.[k] ?? "0"));
  return {
    since: since ? since.toISOString() : null,
    est_value_usd: usd(cents("est")),
    open_pipeline_usd: usd(cents("open_est")),
    revenue_usd: usd(cents("revenue")),
    won_est_value_usd: usd(cents("won_est")),
    converted: int(row?.converted),
    converted_without_revenue: int(row?.without_revenue),
    pitch: valuePitch(cents("est"), cents("revenue")),
  };
}
