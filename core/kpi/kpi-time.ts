/**
 * Calendar windows for KPIs, in a person's own time zone. "Today" for a marketer in Auckland
 * starts at their midnight, not at UTC's; weeks start on Monday (ISO). Pure: `now` comes in.
 */
import { DateTime, IANAZone } from "luxon";

/** The zone used when a stored one is missing or not a valid IANA name. */
const FALLBACK_ZONE = "UTC";

/** A half-open time window [from, to). */
export interface Window {
  from: Date;
  to: Date;
}

/** `tz` when it is a valid IANA zone, else the fallback (a bad stored value never breaks a KPI). */
export function safeZone(tz: string | null | undefined, fallback = FALLBACK_ZONE): string {
  if (!tz) return fallback;
  return IANAZone.isValidZone(tz) ? tz : fallback;
}

/** Local midnight of `now`'s day in `tz`, up to `now` (inclusive: `to` is just after now). */
export function todayWindow(now: Date, tz: string): Window {
  const local = DateTime.fromJSDate(now, { zone: safeZone(tz) });
  return { from: local.startOf("day").toJSDate(), to: new Date(now.getTime() + 1) };
}

/** Monday 00:00 of `now`'s ISO week in `tz`, up to `now`. */
export function weekWindow(now: Date, tz: string): Window {
  const local = DateTime.fromJSDate(now, { zone: safeZone(tz) });
  return { from: local.startOf("week").toJSDate(), to: new Date(now.getTime() + 1) };
}

/**
 * The same elapsed span one week earlier: Monday 00:00 of last week up to the same local
 * weekday and time. Comparing week-to-date with last week-to-date keeps Monday morning's trend
 * honest (a whole last week against two hours of this one would always read −95 %).
 */
export function lastWeekSameSpan(now: Date, tz: string): Window {
  const local = DateTime.fromJSDate(now, { zone: safeZone(tz) });
  const lastNow = local.minus({ weeks: 1 });
  return { from: lastNow.startOf("week").toJSDate(), to: new Date(lastNow.toMillis() + 1) };
}

/** The local calendar date ("YYYY-MM-DD") of an instant in `tz`. */
export function localDate(at: Date, tz: string): string {
  return DateTime.fromJSDate(at, { zone: safeZone(tz) }).toISODate() ?? "";
}

/** The local date `days` calendar days before `date` ("YYYY-MM-DD" in, out). */
export function minusDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: "UTC" }).minus({ days }).toISODate() ?? "";
}

/** Local midnight `days` days before today's in `tz` (the start of a look-back). */
export function daysAgoStart(now: Date, tz: string, days: number): Date {
  return DateTime.fromJSDate(now, { zone: safeZone(tz) })
    .startOf("day")
    .minus({ days })
    .toJSDate();
}

/** Monday 00:00 (in `tz`) of each of the last `weeks` ISO weeks, oldest first, this week last. */
export function weekStarts(now: Date, tz: string, weeks: number): Date[] {
  const monday = DateTime.fromJSDate(now, { zone: safeZone(tz) }).startOf("week");
  return Array.from({ length: weeks }, (_, i) => monday.minus({ weeks: weeks - 1 - i }).toJSDate());
}
