/**
 * Frazer Brookes' daily method of operation (seed 003) for one marketer: invites and
 * follow-ups today and this week against their goals, the funnel counters, overdue actions and
 * the streak — all with "today" and "this week" in the marketer's own time zone.
 */
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type DmoDay, hitGoals, streakDays } from "./kpi-math.js";
import { int } from "./kpi-scope.js";
import { daysAgoStart, localDate, minusDays, safeZone, todayWindow, weekWindow } from "./kpi-time.js";

/** How far back a streak is looked for. */
const STREAK_LOOKBACK_DAYS = 366;

/** A counter today and this week. */
interface DayWeek {
  today: number;
  week: number;
}

/** A counter with the daily goal it is measured against. */
interface GoalCounter extends DayWeek {
  goal: number;
}

/** The DMO dashboard of one marketer. */
export interface DmoKpis {
  user_id: string;
  timezone: string;
  /** The marketer's local date. */
  date: string;
  week_start: string;
  invites: GoalCounter;
  /** FOLLOW_UP events plus completed follow-up reminders. */
  follow_ups: GoalCounter;
  video_sent: DayWeek;
  booked: DayWeek;
  held: DayWeek;
  no_shows: DayWeek;
  /** JOINED_TEAM and PURCHASED events. */
  signed_up: DayWeek;
  /** Customers created. */
  new_leads: DayWeek;
  overdue_actions: { total: number; reminders: number; next_actions: number };
  goals_hit_today: boolean;
  streak_days: number;
}

/** The event counters read as `<name>_today` and `<name>_week`. */
type EventCounter = "invites" | "follow_up_events" | "video_sent" | "booked" | "held" | "no_shows" | "signed_up";

/**
 * The DMO counters of `userId` at `now`. Event counters come from `event_logs` (owner, name,
 * timestamp); follow-ups add completed follow-up reminders; overdue actions are open reminders
 * past due plus reachable customers whose `next_action_date` has passed; the streak counts
 * consecutive local days on which both goals were met (today counts once it is met).
 */
export async function dmoKpis(db: Db, userId: string, now: Date): Promise<Result<DmoKpis>> {
  if (!isUuid(userId)) return fail("NOT_FOUND", "user not found");
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, timezone: true, dmo_invites_goal: true, dmo_follow_ups_goal: true },
  });
  if (!user) return fail("NOT_FOUND", "user not found");
  const tz = safeZone(user.timezone);
  const today = todayWindow(now, tz);
  const week = weekWindow(now, tz);
  const lookback = daysAgoStart(now, tz, STREAK_LOOKBACK_DAYS);

  const [events, reminders, leads, overdue, days] = await Promise.all([
    db.$queryRaw<Array<Record<string, number>>>`
      SELECT
        count(*) FILTER (WHERE e.event_name = 'INVITE_SENT' AND e.timestamp >= ${today.from})::int AS invites_today,
        count(*) FILTER (WHERE e.event_name = 'INVITE_SENT')::int AS invites_week,
        count(*) FILTER (WHERE e.event_name = 'FOLLOW_UP' AND e.timestamp >= ${today.from})::int AS follow_up_events_today,
        count(*) FILTER (WHERE e.event_name = 'FOLLOW_UP')::int AS follow_up_events_week,
        count(*) FILTER (WHERE e.event_name = 'VIDEO_SENT' AND e.timestamp >= ${today.from})::int AS video_sent_today,
        count(*) FILTER (WHERE e.event_name = 'VIDEO_SENT')::int AS video_sent_week,
        count(*) FILTER (WHERE e.event_name = 'MEETING_BOOKED' AND e.timestamp >= ${today.from})::int AS booked_today,
        count(*) FILTER (WHERE e.event_name = 'MEETING_BOOKED')::int AS booked_week,
        count(*) FILTER (WHERE e.event_name = 'MEETING_HELD' AND e.timestamp >= ${today.from})::int AS held_today,
        count(*) FILTER (WHERE e.event_name = 'MEETING_HELD')::int AS held_week,
        count(*) FILTER (WHERE e.event_name = 'NO_SHOW' AND e.timestamp >= ${today.from})::int AS no_shows_today,
        count(*) FILTER (WHERE e.event_name = 'NO_SHOW')::int AS no_shows_week,
        count(*) FILTER (WHERE e.event_name IN ('JOINED_TEAM', 'PURCHASED') AND e.timestamp >= ${today.from})::int
          AS signed_up_today,
        count(*) FILTER (WHERE e.event_name IN ('JOINED_TEAM', 'PURCHASED'))::int AS signed_up_week
      FROM event_logs e
      WHERE e.owner_id = ${user.id}::uuid AND e.timestamp >= ${week.from} AND e.timestamp < ${week.to}`,
    db.$queryRaw<Array<{ today: number; week: number }>>`
      SELECT count(*) FILTER (WHERE r.completed_at >= ${today.from})::int AS today, count(*)::int AS week
      FROM reminders r
      WHERE r.owner_id = ${user.id}::uuid AND r.completed AND r.type <> 'custom'
        AND r.completed_at >= ${week.from} AND r.completed_at < ${week.to}`,
    db.$queryRaw<Array<{ today: number; week: number }>>`
      SELECT count(*) FILTER (WHERE c.created_at >= ${today.from})::int AS today, count(*)::int AS week
      FROM customers c
      WHERE c.owner_id = ${user.id}::uuid AND c.created_at >= ${week.from} AND c.created_at < ${week.to}`,
    db.$queryRaw<Array<{ reminders: number; next_actions: number }>>`
      SELECT
        (SELECT count(*)::int FROM reminders r
          WHERE r.owner_id = ${user.id}::uuid AND NOT r.completed AND r.scheduled_for < ${now}) AS reminders,
        (SELECT count(*)::int FROM customers c
          WHERE c.owner_id = ${user.id}::uuid AND c.next_action_date < ${now} AND c.opted_out_at IS NULL)
          AS next_actions`,
    db.$queryRaw<Array<{ day: string; invites: number; follow_ups: number }>>`
      SELECT x.day, sum(x.inv)::int AS invites, sum(x.fu)::int AS follow_ups FROM (
        SELECT to_char(e.timestamp AT TIME ZONE ${tz}, 'YYYY-MM-DD') AS day,
          (e.event_name = 'INVITE_SENT')::int AS inv, (e.event_name = 'FOLLOW_UP')::int AS fu
        FROM event_logs e
        WHERE e.owner_id = ${user.id}::uuid AND e.event_name IN ('INVITE_SENT', 'FOLLOW_UP')
          AND e.timestamp >= ${lookback} AND e.timestamp < ${today.to}
        UNION ALL
        SELECT to_char(r.completed_at AT TIME ZONE ${tz}, 'YYYY-MM-DD'), 0, 1
        FROM reminders r
        WHERE r.owner_id = ${user.id}::uuid AND r.completed AND r.type <> 'custom'
          AND r.completed_at >= ${lookback} AND r.completed_at < ${today.to}
      ) x GROUP BY x.day`,
  ]);
  return ok(
    assembleDmo({
      userId: user.id,
      tz,
      now,
      weekStart: week.from,
      goals: { invites: user.dmo_invites_goal, follow_ups: user.dmo_follow_ups_goal },
      events: events[0] ?? {},
      reminders: reminders[0] ?? { today: 0, week: 0 },
      leads: leads[0] ?? { today: 0, week: 0 },
      overdue: overdue[0] ?? { reminders: 0, next_actions: 0 },
      days: days.map((d) => ({ day: d.day, invites: int(d.invites), follow_ups: int(d.follow_ups) })),
    }),
  );
}

/** Everything dmoKpis read, before the arithmetic. */
export interface DmoInput {
  userId: string;
  tz: string;
  now: Date;
  weekStart: Date;
  goals: { invites: number; follow_ups: number };
  events: Record<string, number>;
  reminders: { today: number; week: number };
  leads: { today: number; week: number };
  overdue: { reminders: number; next_actions: number };
  days: ReadonlyArray<{ day: string; invites: number; follow_ups: number }>;
}

/** Assemble the DMO dashboard from counts (pure: tested without a database). */
export function assembleDmo(d: DmoInput): DmoKpis {
  const pair = (name: EventCounter): DayWeek => ({
    today: int(d.events[`${name}_today`]),
    week: int(d.events[`${name}_week`]),
  });
  const date = localDate(d.now, d.tz);
  const byDay = new Map<string, DmoDay>(d.days.map((x) => [x.day, { invites: x.invites, follow_ups: x.follow_ups }]));
  const fuEvents = pair("follow_up_events");
  const overdueReminders = int(d.overdue.reminders);
  const overdueNext = int(d.overdue.next_actions);
  return {
    user_id: d.userId,
    timezone: d.tz,
    date,
    week_start: d.weekStart.toISOString(),
    invites: { ...pair("invites"), goal: d.goals.invites },
    follow_ups: {
      today: fuEvents.today + int(d.reminders.today),
      week: fuEvents.week + int(d.reminders.week),
      goal: d.goals.follow_ups,
    },
    video_sent: pair("video_sent"),
    booked: pair("booked"),
    held: pair("held"),
    no_shows: pair("no_shows"),
    signed_up: pair("signed_up"),
    new_leads: { today: int(d.leads.today), week: int(d.leads.week) },
    overdue_actions: { total: overdueReminders + overdueNext, reminders: overdueReminders, next_actions: overdueNext },
    goals_hit_today: hitGoals(byDay.get(date), d.goals),
    streak_days: streakDays(byDay, date, d.goals, (day) => minusDays(day, 1), STREAK_LOOKBACK_DAYS),
  };
}

/** The DMO counters summed over several marketers (the platform or a team), with how many. */
export interface DmoTotals extends DmoKpis {
  marketer_count: number;
}

/**
 * The DMO counters of every marketer in `userIds` added up: what the platform (or a team) did
 * today and this week, each marketer's "today" in their own time zone — so the sum is exactly
 * the per-marketer figures added, as a manager checks it. Goals add up too; a streak is a
 * person's, so the sum has none (0), and "goals hit" means the summed goals are met.
 */
export async function dmoTotals(db: Db, userIds: readonly string[], now: Date): Promise<DmoTotals> {
  const each: DmoKpis[] = [];
  for (const id of userIds) {
    const r = await dmoKpis(db, id, now);
    if (r.ok) each.push(r.value);
  }
  return sumDmo(each, now);
}

/** Add DMO dashboards up (pure). */
export function sumDmo(each: readonly DmoKpis[], now: Date): DmoTotals {
  const dw = (k: "video_sent" | "booked" | "held" | "no_shows" | "signed_up" | "new_leads"): DayWeek => ({
    today: each.reduce((n, x) => n + x[k].today, 0),
    week: each.reduce((n, x) => n + x[k].week, 0),
  });
  const goal = (k: "invites" | "follow_ups"): GoalCounter => ({
    today: each.reduce((n, x) => n + x[k].today, 0),
    week: each.reduce((n, x) => n + x[k].week, 0),
    goal: each.reduce((n, x) => n + x[k].goal, 0),
  });
  const invites = goal("invites");
  const followUps = goal("follow_ups");
  const overdue = {
    total: each.reduce((n, x) => n + x.overdue_actions.total, 0),
    reminders: each.reduce((n, x) => n + x.overdue_actions.reminders, 0),
    next_actions: each.reduce((n, x) => n + x.overdue_actions.next_actions, 0),
  };
  return {
    user_id: "all",
    timezone: "each marketer's own",
    date: now.toISOString().slice(0, 10),
    week_start: each[0]?.week_start ?? now.toISOString(),
    invites,
    follow_ups: followUps,
    video_sent: dw("video_sent"),
    booked: dw("booked"),
    held: dw("held"),
    no_shows: dw("no_shows"),
    signed_up: dw("signed_up"),
    new_leads: dw("new_leads"),
    overdue_actions: overdue,
    goals_hit_today: each.length > 0 && invites.today >= invites.goal && followUps.today >= followUps.goal,
    streak_days: 0,
    marketer_count: each.length,
  };
}
