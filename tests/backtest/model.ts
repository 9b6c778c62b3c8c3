/**
 * What the product must have done with a generated stream, recounted from the stream alone
 * (seed 003's rules written out again here, not imported, so the backtest checks the product
 * rather than agreeing with itself): each contact's canonical status, the STATUS_CHANGED
 * events, the follow-up reminders and their times, and the DMO counters.
 */
import { DateTime } from "luxon";
import { CHECK_AT, type Dataset, type FunnelEvent, MARKETER_TZ, type PlannedEvent, START_AT } from "./generate.js";

const CANONICAL = [
  "lead",
  "relationship",
  "invited",
  "qualified",
  "presentation_sent",
  "follow_up",
  "signed_up",
] as const;
type Canonical = (typeof CANONICAL)[number];

const H = 3_600_000;
/** Where each event moves the canonical status (forward only). DM_STARTED moves nothing. */
const MOVES: Partial<Record<FunnelEvent, Canonical>> = {
  INVITE_SENT: "invited",
  VIDEO_SENT: "presentation_sent",
  MEETING_BOOKED: "qualified",
  NO_SHOW: "qualified",
  MEETING_HELD: "presentation_sent",
  FOLLOW_UP: "follow_up",
  JOINED_TEAM: "signed_up",
};
/** Seed 003: Video Sent → 24h and 48h; No-Show → 2h and 1 day, from the event's timestamp. */
const REMINDER_RULES: Partial<Record<FunnelEvent, ReadonlyArray<readonly [string, number]>>> = {
  VIDEO_SENT: [
    ["follow_up_24h", 24 * H],
    ["follow_up_48h", 48 * H],
  ],
  NO_SHOW: [
    ["follow_up_2h", 2 * H],
    ["follow_up_1d", 24 * H],
  ],
};
/** A reminder is overdue one hour after its time (GET /customers/stats `reminders.overdue`). */
const OVERDUE_AFTER_MS = H;

interface ExpectedReminder {
  contact: number;
  type: string;
  at: number;
  cause: string;
}

export interface Expected {
  status: Map<number, Canonical>;
  statusEvents: Set<string>;
  reminders: ExpectedReminder[];
  byName: Record<string, number>;
  byPipeline: Record<Canonical, number>;
  bySource: Record<string, number>;
  /** The contact's last event. */
  last: Map<number, PlannedEvent>;
  dmo: {
    invites: DayWeek;
    follow_ups: DayWeek;
    video_sent: DayWeek;
    booked: DayWeek;
    held: DayWeek;
    no_shows: DayWeek;
    signed_up: DayWeek;
    new_leads: DayWeek;
    overdue_reminders: number;
  };
  remindersDue: number;
  remindersOverdue: number;
  /** Contacts with a reminder overdue at CHECK_AT. */
  overdueContacts: Set<number>;
  /** Contacts GET /api/nba's overview considers: a reminder due, or an event in the last 3 days. */
  nbaCandidates: number;
}

interface DayWeek {
  today: number;
  week: number;
}

/** Recount everything from the dataset, as of CHECK_AT in the marketer's time zone. */
export function expectedOutcome(data: Dataset): Expected {
  const status = new Map<number, Canonical>();
  const statusEvents = new Set<string>();
  const reminders: ExpectedReminder[] = [];
  const byName: Record<string, number> = {};
  const byPipeline = Object.fromEntries(CANONICAL.map((s) => [s, 0])) as Record<Canonical, number>;
  const bySource: Record<string, number> = {};
  const last = new Map<number, PlannedEvent>();
  const local = DateTime.fromMillis(CHECK_AT, { zone: MARKETER_TZ });
  const todayFrom = local.startOf("day").toMillis();
  const weekFrom = local.startOf("week").toMillis();
  const counter = (): DayWeek => ({ today: 0, week: 0 });
  const dmo = {
    invites: counter(),
    follow_ups: counter(),
    video_sent: counter(),
    booked: counter(),
    held: counter(),
    no_shows: counter(),
    signed_up: counter(),
    new_leads: counter(),
    overdue_reminders: 0,
  };
  const DMO_OF: Partial<Record<FunnelEvent, keyof typeof dmo>> = {
    INVITE_SENT: "invites",
    FOLLOW_UP: "follow_ups",
    VIDEO_SENT: "video_sent",
    MEETING_BOOKED: "booked",
    MEETING_HELD: "held",
    NO_SHOW: "no_shows",
    JOINED_TEAM: "signed_up",
  };
  const count = (c: DayWeek, at: number) => {
    if (at >= weekFrom && at <= CHECK_AT) c.week++;
    if (at >= todayFrom && at <= CHECK_AT) c.today++;
  };

  for (const contact of data.contacts) {
    let s: Canonical = "lead";
    bySource[contact.source] = (bySource[contact.source] ?? 0) + 1;
    // The customer is created by DM_STARTED at the first wave's clock.
    count(dmo.new_leads, START_AT);
    for (const e of contact.events) {
      byName[e.name] = (byName[e.name] ?? 0) + 1;
      const at = Date.parse(e.timestamp);
      const key = DMO_OF[e.name];
      if (key && key !== "overdue_reminders") count(dmo[key], at);
      const to = MOVES[e.name];
      if (to && CANONICAL.indexOf(to) > CANONICAL.indexOf(s)) {
        s = to;
        statusEvents.add(`${e.eventId}:status`);
      }
      for (const [type, delay] of REMINDER_RULES[e.name] ?? []) {
        reminders.push({ contact: contact.index, type, at: at + delay, cause: e.eventId });
      }
      last.set(contact.index, e);
    }
    status.set(contact.index, s);
    byPipeline[s]++;
  }
  dmo.overdue_reminders = reminders.filter((r) => r.at < CHECK_AT).length;
  const withDue = new Set(reminders.filter((r) => r.at <= CHECK_AT).map((r) => r.contact));
  return {
    status,
    statusEvents,
    reminders,
    byName,
    byPipeline,
    bySource,
    last,
    dmo,
    remindersDue: reminders.filter((r) => r.at <= CHECK_AT).length,
    remindersOverdue: reminders.filter((r) => r.at < CHECK_AT - OVERDUE_AFTER_MS).length,
    overdueContacts: new Set(reminders.filter((r) => r.at < CHECK_AT - OVERDUE_AFTER_MS).map((r) => r.contact)),
    nbaCandidates: data.contacts.filter(
      (c) => Date.parse(last.get(c.index)?.timestamp ?? "") >= CHECK_AT - 3 * 24 * H || withDue.has(c.index),
    ).length,
  };
}

/**
 * The next-best-action ids a contact must be offered at CHECK_AT: a follow-up on its overdue
 * reminders, "rebook" after a no-show, "ask_feedback" when the video was the last step; every
 * contact gets at least one suggestion (its stage's next step).
 */
export function expectedNba(data: Dataset, exp: Expected, contact: number): string[] {
  const out: string[] = [];
  const events = data.contacts[contact]?.events ?? [];
  const names = new Set(events.map((e) => e.name));
  if (exp.overdueContacts.has(contact)) out.push("follow_up_now");
  if (names.has("NO_SHOW")) out.push("rebook");
  if (exp.last.get(contact)?.name === "VIDEO_SENT") out.push("ask_feedback");
  return out;
}
