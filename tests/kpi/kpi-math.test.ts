import { describe, expect, it } from "vitest";
import { assembleDmo } from "../../core/kpi/dmo.kpi.js";
import { compactUsd, percentile, streakDays, trend, valuePitch } from "../../core/kpi/kpi-math.js";
import {
  lastWeekSameSpan,
  localDate,
  minusDays,
  safeZone,
  todayWindow,
  weekStarts,
  weekWindow,
} from "../../core/kpi/kpi-time.js";
import { weeklyFromRow } from "../../core/kpi/nurturing.kpi.js";

describe("trend", () => {
  it("is the % change with one decimal", () => {
    expect(trend(12, 10)).toEqual({ pct: 20, label: "up" });
    expect(trend(5, 10)).toEqual({ pct: -50, label: "down" });
    expect(trend(10, 10)).toEqual({ pct: 0, label: "flat" });
    expect(trend(2, 3)).toEqual({ pct: -33.3, label: "down" });
    expect(trend(0, 4)).toEqual({ pct: -100, label: "down" });
  });

  it("handles a zero last week: something is new, nothing is flat", () => {
    expect(trend(3, 0)).toEqual({ pct: null, label: "new" });
    expect(trend(0, 0)).toEqual({ pct: 0, label: "flat" });
  });
});

describe("percentile (as PostgreSQL percentile_cont)", () => {
  it("interpolates between closest ranks", () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 0.9)).toBeCloseTo(9.1, 10);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 1)).toBe(3);
  });
});

describe("streakDays", () => {
  const goals = { invites: 2, follow_ups: 1 };
  const back = (d: string) => minusDays(d, 1);
  const days = (entries: Array<[string, number, number]>) =>
    new Map(entries.map(([d, invites, follow_ups]) => [d, { invites, follow_ups }]));

  it("counts consecutive days ending today when today is hit", () => {
    const m = days([
      ["2026-01-05", 2, 1],
      ["2026-01-04", 3, 2],
      ["2026-01-03", 2, 1],
      ["2026-01-02", 1, 5],
      ["2026-01-01", 9, 9],
    ]);
    expect(streakDays(m, "2026-01-05", goals, back)).toBe(3);
  });

  it("keeps yesterday's streak while today is still in progress", () => {
    const m = days([
      ["2026-01-05", 1, 0],
      ["2026-01-04", 2, 1],
      ["2026-01-03", 2, 1],
    ]);
    expect(streakDays(m, "2026-01-05", goals, back)).toBe(2);
  });

  it("a missed day breaks it, and goals of zero are not a free streak", () => {
    expect(streakDays(days([["2026-01-03", 5, 5]]), "2026-01-05", goals, back)).toBe(0);
    expect(streakDays(days([]), "2026-01-05", { invites: 0, follow_ups: 0 }, back)).toBe(0);
    expect(streakDays(days([["2026-01-05", 0, 1]]), "2026-01-05", { invites: 0, follow_ups: 0 }, back)).toBe(1);
  });

  it("steps across month and year ends", () => {
    const m = days([
      ["2026-01-01", 2, 1],
      ["2025-12-31", 2, 1],
      ["2025-12-30", 2, 1],
    ]);
    expect(streakDays(m, "2026-01-01", goals, back)).toBe(3);
  });
});

describe("money headline", () => {
  it("shortens amounts", () => {
    expect(compactUsd(1_800_000)).toBe("$18k");
    expect(compactUsd(900_000)).toBe("$9k");
    expect(compactUsd(125_000)).toBe("$1.3k");
    expect(compactUsd(95_000)).toBe("$950");
    expect(compactUsd(250_000_000)).toBe("$2.5M");
    expect(compactUsd(0)).toBe("$0");
  });

  it("says the seed's pitch", () => {
    expect(valuePitch(1_800_000, 900_000)).toBe(
      "We generated $18k in opportunities. You closed $9k. Let's go get the rest.",
    );
    expect(valuePitch(500_000, 600_000)).toContain("Great work.");
    expect(valuePitch(0, 0)).toContain("No opportunities yet");
  });
});

describe("calendar windows in the person's time zone", () => {
  // 2026-01-05T09:00Z is Monday 02:00 in Phoenix (UTC−7) and Monday 22:00 in Auckland (UTC+13).
  const now = new Date("2026-01-05T09:00:00.000Z");

  it("today starts at local midnight", () => {
    expect(todayWindow(now, "America/Phoenix").from.toISOString()).toBe("2026-01-05T07:00:00.000Z");
    expect(todayWindow(now, "Pacific/Auckland").from.toISOString()).toBe("2026-01-04T11:00:00.000Z");
    expect(todayWindow(now, "UTC").from.toISOString()).toBe("2026-01-05T00:00:00.000Z");
    expect(localDate(new Date("2026-01-05T06:59:59Z"), "America/Phoenix")).toBe("2026-01-04");
  });

  it("weeks start on Monday; last week is compared up to the same point", () => {
    expect(weekWindow(now, "America/Phoenix").from.toISOString()).toBe("2026-01-05T07:00:00.000Z");
    const prev = lastWeekSameSpan(now, "America/Phoenix");
    expect(prev.from.toISOString()).toBe("2025-12-29T07:00:00.000Z");
    expect(prev.to.getTime()).toBe(new Date("2025-12-29T09:00:00.000Z").getTime() + 1);
    expect(weekStarts(now, "UTC", 3).map((d) => d.toISOString())).toEqual([
      "2025-12-22T00:00:00.000Z",
      "2025-12-29T00:00:00.000Z",
      "2026-01-05T00:00:00.000Z",
    ]);
  });

  it("keeps local midnight across a DST change", () => {
    // Copenhagen moves to summer time on 2026-03-29; Monday 2026-03-30 00:00 is 22:00Z on the 29th.
    const afterDst = new Date("2026-03-31T12:00:00Z");
    expect(weekWindow(afterDst, "Europe/Copenhagen").from.toISOString()).toBe("2026-03-29T22:00:00.000Z");
    expect(lastWeekSameSpan(afterDst, "Europe/Copenhagen").from.toISOString()).toBe("2026-03-22T23:00:00.000Z");
  });

  it("falls back to UTC for a missing or bogus zone", () => {
    expect(safeZone(null)).toBe("UTC");
    expect(safeZone("Mars/Olympus")).toBe("UTC");
    expect(safeZone("'; DROP TABLE users; --")).toBe("UTC");
    expect(safeZone("Europe/Copenhagen")).toBe("Europe/Copenhagen");
  });
});

describe("weekly stats assembly", () => {
  it("trends jobs and revenue separately and keeps last week's figures", () => {
    const w = weeklyFromRow(
      { jobs: 3, revenue_cents: 450_000, automated: 2, prev_jobs: 0, prev_revenue_cents: 0, prev_automated: 0 },
      { from: new Date("2026-01-05T07:00:00Z"), to: new Date("2026-01-05T09:00:00Z") },
      "America/Phoenix",
    );
    expect(w).toMatchObject({
      jobs_booked: 3,
      revenue_usd: 4500,
      from_automation: 2,
      trend: null,
      trend_label: "new",
      revenue_trend: null,
      last_week: { jobs_booked: 0, revenue_usd: 0, from_automation: 0 },
    });
  });
});

describe("DMO assembly", () => {
  it("adds completed follow-up reminders to follow-up events and totals overdue actions", () => {
    const d = assembleDmo({
      userId: "u",
      tz: "UTC",
      now: new Date("2026-01-05T09:00:00Z"),
      weekStart: new Date("2026-01-05T00:00:00Z"),
      goals: { invites: 1, follow_ups: 2 },
      events: { invites_today: 1, invites_week: 4, follow_up_events_today: 1, follow_up_events_week: 2 },
      reminders: { today: 1, week: 3 },
      leads: { today: 0, week: 2 },
      overdue: { reminders: 2, next_actions: 5 },
      days: [
        { day: "2026-01-05", invites: 1, follow_ups: 2 },
        { day: "2026-01-04", invites: 1, follow_ups: 2 },
      ],
    });
    expect(d.follow_ups).toEqual({ today: 2, week: 5, goal: 2 });
    expect(d.invites).toEqual({ today: 1, week: 4, goal: 1 });
    expect(d.overdue_actions).toEqual({ total: 7, reminders: 2, next_actions: 5 });
    expect(d.video_sent).toEqual({ today: 0, week: 0 });
    expect(d.goals_hit_today).toBe(true);
    expect(d.streak_days).toBe(2);
  });
});
