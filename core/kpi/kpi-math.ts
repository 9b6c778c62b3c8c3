/**
 * The arithmetic behind the dashboards, as pure functions over plain numbers, so every figure
 * the SQL returns can be recomputed in a test from the same rows.
 */

/** Which way a figure moved against its comparison period. */
export type TrendLabel = "up" | "down" | "flat" | "new";

/** A change against the previous period: a percentage, or null when there was nothing before. */
export interface Trend {
  pct: number | null;
  label: TrendLabel;
}

/**
 * Percentage change from `previous` to `current`, one decimal. From 0 to something is "new"
 * (pct null) rather than +∞ %; 0 to 0 is flat at 0 %.
 */
export function trend(current: number, previous: number): Trend {
  if (previous === 0) return current === 0 ? { pct: 0, label: "flat" } : { pct: null, label: "new" };
  const pct = Math.round(((current - previous) / previous) * 1000) / 10;
  return { pct, label: pct > 0 ? "up" : pct < 0 ? "down" : "flat" };
}

/**
 * The p-quantile (0–1) with linear interpolation between closest ranks — the same definition
 * as PostgreSQL's `percentile_cont`, so the SQL and a recount agree. Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, p)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Round to one decimal (minutes shown on a dashboard). */
export function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

/** What a marketer did on one local day. */
export interface DmoDay {
  invites: number;
  follow_ups: number;
}

/** The daily method goals (users.dmo_invites_goal, users.dmo_follow_ups_goal). */
export interface DmoGoals {
  invites: number;
  follow_ups: number;
}

/** A day counts when both goals are met and at least one thing was done (goals of 0 are not a free streak). */
export function hitGoals(day: DmoDay | undefined, goals: DmoGoals): boolean {
  if (!day) return false;
  return day.invites >= goals.invites && day.follow_ups >= goals.follow_ups && day.invites + day.follow_ups > 0;
}

/**
 * Consecutive local days, ending today, on which the DMO goals were hit. Today still counts as
 * "in progress": when it is not hit yet the streak is the run ending yesterday, so a marketer is
 * not told their streak broke at breakfast. `dayBefore` steps one calendar day back.
 */
export function streakDays(
  days: ReadonlyMap<string, DmoDay>,
  today: string,
  goals: DmoGoals,
  dayBefore: (date: string) => string,
  maxDays = 366,
): number {
  let date = hitGoals(days.get(today), goals) ? today : dayBefore(today);
  let streak = 0;
  while (streak < maxDays && hitGoals(days.get(date), goals)) {
    streak++;
    date = dayBefore(date);
  }
  return streak;
}

/** Dollars from cents for JSON (two decimals at most). */
export function usd(cents: number): number {
  return cents / 100;
}

/** Short money for a headline: 1_800_000 cents → "$18k", 125_000 → "$1.3k", 95_000 → "$950". */
export function compactUsd(cents: number): string {
  const dollars = Math.round(cents / 100);
  const abs = Math.abs(dollars);
  const sign = dollars < 0 ? "-" : "";
  const short = (n: number, unit: string) => `${sign}$${Number.isInteger(n) ? n : n.toFixed(1)}${unit}`;
  if (abs >= 1_000_000) return short(Math.round(abs / 100_000) / 10, "M");
  if (abs >= 1_000) return short(Math.round(abs / 100) / 10, "k");
  return `${sign}$${abs}`;
}

/**
 * Seed 000's pitch: "We generated $18k in opportunities. You closed $9k. Let's go get the
 * rest." Estimated value is potential; revenue is only what a person entered.
 */
export function valuePitch(generatedCents: number, closedCents: number): string {
  if (generatedCents === 0 && closedCents === 0) return "No opportunities yet. Enrol a customer to get started.";
  const closed = `You closed ${compactUsd(closedCents)}.`;
  const tail = closedCents >= generatedCents ? " Great work." : " Let's go get the rest.";
  return `We generated ${compactUsd(generatedCents)} in opportunities. ${closed}${tail}`;
}
