/**
 * Seed-003 DMO counters: "today" and "this week" are the marketer's own, every counter equals a
 * recount, and the streak follows their local calendar.
 */
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dmoKpis } from "../../core/kpi/dmo.kpi.js";
import { streakDays } from "../../core/kpi/kpi-math.js";
import { localDate, minusDays, todayWindow, type Window, weekWindow } from "../../core/kpi/kpi-time.js";
import type { EventName } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeEvent, makeMarketer, makeReminder } from "../support/factories.js";

const HOUR = 3_600_000;
// Monday 2026-01-05 09:00Z: Monday 22:00 in Auckland (UTC+13), Monday 02:00 in Phoenix (UTC−7).
const NOW = new Date("2026-01-05T09:00:00.000Z");
let w: TestWorld;

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
});
afterAll(async () => w?.close());

async function event(ownerId: string, name: EventName, at: Date | string) {
  return makeEvent(w.prisma, { owner_id: ownerId, event_name: name, timestamp: new Date(at) });
}

async function unwrap(userId: string) {
  const r = await dmoKpis(w.prisma, userId, NOW);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe("DMO today is the marketer's today", () => {
  it("counts the same four invites differently in Auckland and Phoenix", async () => {
    const auckland = await makeMarketer(w.prisma, { timezone: "Pacific/Auckland" });
    const phoenix = await makeMarketer(w.prisma, { timezone: "America/Phoenix" });
    const instants = ["2026-01-05T08:00:00Z", "2026-01-05T06:00:00Z", "2026-01-04T12:00:00Z", "2026-01-04T10:00:00Z"];
    for (const m of [auckland, phoenix]) for (const at of instants) await event(m.id, "INVITE_SENT", at);

    const a = await unwrap(auckland.id);
    expect(a.date).toBe("2026-01-05");
    expect(a.invites).toMatchObject({ today: 3, week: 3 }); // Sunday 23:00 local is last week
    const p = await unwrap(phoenix.id);
    expect(p.date).toBe("2026-01-05");
    expect(p.invites).toMatchObject({ today: 1, week: 1 }); // the other three were Sunday in Phoenix
    expect(p.timezone).toBe("America/Phoenix");
  });

  it("moves to the next day at local midnight, not UTC's", async () => {
    const phoenix = await makeMarketer(w.prisma, { timezone: "America/Phoenix" });
    await event(phoenix.id, "VIDEO_SENT", "2026-01-05T06:30:00Z"); // Sunday 23:30 in Phoenix
    await event(phoenix.id, "VIDEO_SENT", "2026-01-05T07:30:00Z"); // Monday 00:30 in Phoenix
    expect((await unwrap(phoenix.id)).video_sent).toEqual({ today: 1, week: 1 });
  });

  it("is NOT_FOUND for an unknown user", async () => {
    expect(await dmoKpis(w.prisma, "00000000-0000-4000-8000-000000000000", NOW)).toMatchObject({ code: "NOT_FOUND" });
    expect(await dmoKpis(w.prisma, "not-a-uuid", NOW)).toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("DMO counters equal a recount", () => {
  const NAMES: EventName[] = [
    "INVITE_SENT",
    "FOLLOW_UP",
    "VIDEO_SENT",
    "MEETING_BOOKED",
    "MEETING_HELD",
    "NO_SHOW",
    "JOINED_TEAM",
    "PURCHASED",
    "DM_STARTED",
  ];

  /** Noon, local, `daysBack` days before today in `tz`. */
  const localNoon = (tz: string, daysBack: number) =>
    DateTime.fromJSDate(NOW, { zone: tz }).startOf("day").minus({ days: daysBack }).plus({ hours: 12 }).toJSDate();

  async function seedMarketer(tz: string) {
    const m = await makeMarketer(w.prisma, { timezone: tz, dmo_invites_goal: 2, dmo_follow_ups_goal: 1 });
    const other = await makeMarketer(w.prisma, { timezone: tz });
    // Goals hit on local days 0–4 and 6–9 back, missed on day 5: invites by events, follow-ups
    // alternately by FOLLOW_UP events and by completed follow-up reminders.
    for (let day = 0; day <= 9; day++) {
      const at = localNoon(tz, day);
      await event(m.id, "INVITE_SENT", at);
      if (day !== 5) await event(m.id, "INVITE_SENT", new Date(at.getTime() + HOUR));
      if (day % 2 === 0) await event(m.id, "FOLLOW_UP", new Date(at.getTime() + 2 * HOUR));
      else
        await makeReminder(w.prisma, {
          owner_id: m.id,
          completed: true,
          completed_at: new Date(at.getTime() + 2 * HOUR),
        });
      await event(other.id, "INVITE_SENT", at); // someone else's day
    }
    // Noise around the boundaries: every event name, spread over two weeks.
    for (let i = 0; i < 60; i++) {
      await event(m.id, NAMES[i % NAMES.length] as EventName, new Date(NOW.getTime() - i * 5.3 * HOUR));
    }
    // A custom completed reminder is not a follow-up; open reminders past due are overdue.
    await makeReminder(w.prisma, { owner_id: m.id, type: "custom", completed: true, completed_at: NOW });
    await makeReminder(w.prisma, { owner_id: m.id, completed: false, scheduled_for: new Date(NOW.getTime() - HOUR) });
    await makeReminder(w.prisma, { owner_id: m.id, completed: false, scheduled_for: new Date(NOW.getTime() + HOUR) });
    // Customers: new ones this week and before; next actions past due, one of them opted out.
    for (const [created, next, optedOut] of [
      [NOW, new Date(NOW.getTime() - HOUR), false],
      [new Date(NOW.getTime() - 2 * HOUR), new Date(NOW.getTime() + HOUR), false],
      [new Date(NOW.getTime() - 9 * 24 * HOUR), new Date(NOW.getTime() - 48 * HOUR), false],
      [new Date(NOW.getTime() - 30 * 24 * HOUR), new Date(NOW.getTime() - HOUR), true],
    ] as const) {
      await makeCustomer(w.prisma, {
        owner_id: m.id,
        created_at: created,
        next_action_date: next,
        opted_out_at: optedOut ? NOW : null,
      });
    }
    return m;
  }

  for (const tz of ["Pacific/Auckland", "America/Phoenix", "Europe/Copenhagen"]) {
    it(`for a marketer in ${tz}`, async () => {
      const m = await seedMarketer(tz);
      const events = await w.prisma.eventLog.findMany({ where: { owner_id: m.id } });
      const reminders = await w.prisma.reminder.findMany({ where: { owner_id: m.id } });
      const customers = await w.prisma.customer.findMany({ where: { owner_id: m.id } });
      const today = todayWindow(NOW, tz);
      const week = weekWindow(NOW, tz);
      const within = (d: Date | null, win: Window) => d !== null && d >= win.from && d < win.to;
      const countEvents = (names: EventName[]) => ({
        today: events.filter((e) => names.includes(e.event_name) && within(e.timestamp, today)).length,
        week: events.filter((e) => names.includes(e.event_name) && within(e.timestamp, week)).length,
      });
      const followUpReminders = reminders.filter((r) => r.completed && r.type !== "custom");
      const fuEvents = countEvents(["FOLLOW_UP"]);

      const byDay = new Map<string, { invites: number; follow_ups: number }>();
      const bump = (at: Date, key: "invites" | "follow_ups") => {
        if (at >= today.to) return;
        const day = localDate(at, tz);
        const entry = byDay.get(day) ?? { invites: 0, follow_ups: 0 };
        entry[key]++;
        byDay.set(day, entry);
      };
      for (const e of events) if (e.event_name === "INVITE_SENT") bump(e.timestamp, "invites");
      for (const e of events) if (e.event_name === "FOLLOW_UP") bump(e.timestamp, "follow_ups");
      for (const r of followUpReminders) if (r.completed_at) bump(r.completed_at, "follow_ups");
      const date = localDate(NOW, tz);
      const streak = streakDays(byDay, date, { invites: 2, follow_ups: 1 }, (d) => minusDays(d, 1));

      const d = await unwrap(m.id);
      expect(d).toMatchObject({
        timezone: tz,
        date,
        invites: { ...countEvents(["INVITE_SENT"]), goal: 2 },
        follow_ups: {
          today: fuEvents.today + followUpReminders.filter((r) => within(r.completed_at, today)).length,
          week: fuEvents.week + followUpReminders.filter((r) => within(r.completed_at, week)).length,
          goal: 1,
        },
        video_sent: countEvents(["VIDEO_SENT"]),
        booked: countEvents(["MEETING_BOOKED"]),
        held: countEvents(["MEETING_HELD"]),
        no_shows: countEvents(["NO_SHOW"]),
        signed_up: countEvents(["JOINED_TEAM", "PURCHASED"]),
        new_leads: {
          today: customers.filter((c) => within(c.created_at, today)).length,
          week: customers.filter((c) => within(c.created_at, week)).length,
        },
        overdue_actions: {
          reminders: reminders.filter((r) => !r.completed && r.scheduled_for < NOW).length,
          next_actions: customers.filter((c) => c.next_action_date && c.next_action_date < NOW && !c.opted_out_at)
            .length,
        },
        streak_days: streak,
      });
      expect(d.overdue_actions.total).toBe(d.overdue_actions.reminders + d.overdue_actions.next_actions);
      // Local noon today has passed in Auckland (22:00) but not in Copenhagen (10:00) or Phoenix (02:00):
      // there today is still in progress and the streak is the run ending yesterday.
      const auckland = tz === "Pacific/Auckland";
      expect(d.goals_hit_today).toBe(auckland);
      expect(d.streak_days).toBeGreaterThanOrEqual(auckland ? 5 : 4);
    });
  }
});
