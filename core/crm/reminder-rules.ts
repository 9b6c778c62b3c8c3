/**
 * Reminder timing rules (seed 003): the fixed follow-up delays, when a due reminder counts as
 * overdue, and how long a customer may stay quiet before the 7-day reconnect. Pure.
 */
import type { ReminderType } from "../../prisma/generated/client.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The delay of each reminder type from the moment that causes it; `custom` has none. */
export const REMINDER_DELAY_MS: Readonly<Record<ReminderType, number | null>> = {
  follow_up_2h: 2 * HOUR,
  follow_up_1d: DAY,
  follow_up_24h: DAY,
  follow_up_48h: 2 * DAY,
  follow_up_7d: 7 * DAY,
  custom: null,
};

/** The reminder types, in the order people think of them. */
export const REMINDER_TYPES = Object.keys(REMINDER_DELAY_MS) as ReminderType[];

/** A due reminder becomes overdue one hour after its time: a 2-hour follow-up done at 3 hours is late. */
export const OVERDUE_AFTER_MS = HOUR;

/** A customer with no activity for this long gets one "reconnect" reminder (seed 003: inactivity 7d). */
export const INACTIVITY_AFTER_MS = 7 * DAY;

/**
 * When a reminder of `type` caused at `from` is due; null for `custom` (it needs an explicit
 * time). Automations pass the event's timestamp, so late deliveries keep the original rhythm.
 */
export function reminderDueAt(type: ReminderType, from: Date): Date | null {
  const delay = REMINDER_DELAY_MS[type];
  return delay === null ? null : new Date(from.getTime() + delay);
}

/** True when an open reminder is past its time by more than OVERDUE_AFTER_MS. */
export function isOverdue(reminder: { scheduled_for: Date; completed: boolean }, now: Date): boolean {
  return !reminder.completed && now.getTime() - reminder.scheduled_for.getTime() > OVERDUE_AFTER_MS;
}

/** When a customer last active at `lastActivityAt` becomes inactive (the reconnect deadline). */
export function inactiveAt(lastActivityAt: Date): Date {
  return new Date(lastActivityAt.getTime() + INACTIVITY_AFTER_MS);
}

/**
 * Whether the 7-day reconnect is due: quiet for 7 days, not opted out, not churned, and not
 * already nudged since the last activity (once per inactivity period).
 */
export function needsReconnect(
  c: { last_activity_at: Date; inactivity_nudged_at: Date | null; opted_out_at: Date | null; status: string },
  now: Date,
): boolean {
  if (c.opted_out_at || c.status === "churned") return false;
  if (c.inactivity_nudged_at && c.inactivity_nudged_at > c.last_activity_at) return false;
  return inactiveAt(c.last_activity_at).getTime() <= now.getTime();
}

/**
 * The dedupe-key prefix of the reminders an event makes; each key is `<prefix>:<type>`.
 * Dedupe keys are unique per owner (`(owner_id, dedupe_key)`), like the event ids they come
 * from: two owners' events with the same `event_id` each get their reminders, and a redelivery
 * of one owner's event never makes its reminders twice.
 */
export function eventDedupePrefix(eventId: string): string {
  return `evt:${eventId}`;
}
