/**
 * When a customer may be messaged: outside quiet hours (default 21:00–08:00) in their own time
 * zone, and inside their preferred contact times when they gave any. Pure: plain data and an
 * instant in, an instant out. A message that falls in a closed period is deferred to the next
 * open instant, never dropped.
 */
import { DateTime, Info } from "luxon";

/** The customer's rules, as stored on the customer (and the platform defaults). */
export interface ContactWindowOptions {
  /** IANA zone of the customer; an unknown zone falls back to UTC rather than failing. */
  timezone: string;
  /** Local "HH:MM" at which quiet hours start (e.g. "21:00"). */
  quietStart: string;
  /** Local "HH:MM" at which quiet hours end (e.g. "08:00"); equal to quietStart = no quiet hours. */
  quietEnd: string;
  /** `customers.preferred_contact_times`, e.g. {"weekdays":["morning","afternoon"],"weekends":["any"]}. */
  contactTimes?: unknown;
}

/** Local minute ranges [start, end) within one day, 0 ≤ start < end ≤ 1440. */
type Ranges = Array<[number, number]>;

const DAY_MIN = 24 * 60;

/** The named slots of `preferred_contact_times`, in local minutes. */
export const CONTACT_SLOTS: Readonly<Record<string, readonly [number, number]>> = {
  morning: [8 * 60, 12 * 60],
  afternoon: [12 * 60, 17 * 60],
  evening: [17 * 60, 21 * 60],
  any: [0, DAY_MIN],
};

const DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

/** "HH:MM" → minutes after midnight, or null when malformed. */
export function parseHhmm(value: string): number | null {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Slot names or "HH:MM-HH:MM" strings → ranges; null when nothing in the list is understood. */
function slotRanges(list: unknown): Ranges | null {
  if (!Array.isArray(list)) return null;
  const out: Ranges = [];
  let understood = list.length === 0;
  for (const item of list) {
    if (typeof item !== "string") continue;
    const slot = CONTACT_SLOTS[item.trim().toLowerCase()];
    if (slot) {
      out.push([slot[0], slot[1]]);
      understood = true;
      continue;
    }
    const [from, to] = item.split("-").map((p) => parseHhmm(p));
    if (from != null && to != null && from !== to) {
      understood = true;
      if (from < to) out.push([from, to]);
      else out.push([from, DAY_MIN], [0, to]);
    }
  }
  return understood ? out : null;
}

/**
 * Parse `preferred_contact_times` into ranges per ISO weekday (index 0 = Monday). Accepted: a
 * list (every day), or an object with `weekdays` / `weekends` and/or day names (`monday`…),
 * day names winning. A day type the customer did not mention is unrestricted; an empty list
 * means "not on those days". Anything unreadable is ignored (null): preferences can defer a
 * message, never block it.
 */
export function parseContactTimes(raw: unknown): Array<Ranges | null> | null {
  if (raw == null) return null;
  if (Array.isArray(raw)) {
    const all = slotRanges(raw);
    return all ? DAY_NAMES.map(() => all) : null;
  }
  if (typeof raw !== "object") return null;
  const obj = raw as Record<string, unknown>;
  const weekdays = slotRanges(obj.weekdays);
  const weekends = slotRanges(obj.weekends);
  const days = DAY_NAMES.map((name, i) => slotRanges(obj[name]) ?? (i < 5 ? weekdays : weekends));
  return days.some((d) => d !== null) ? days : null;
}

/** The open ranges of a day: outside quiet hours, intersected with the contact times. */
function openRanges(quiet: Ranges, contact: Ranges | null): Ranges {
  const allowed: Ranges = [];
  let from = 0;
  for (const [s, e] of [...quiet].sort((a, b) => a[0] - b[0])) {
    if (s > from) allowed.push([from, s]);
    from = Math.max(from, e);
  }
  if (from < DAY_MIN) allowed.push([from, DAY_MIN]);
  if (contact === null) return allowed;
  const out: Ranges = [];
  for (const [a, b] of allowed)
    for (const [c, d] of contact) {
      const s = Math.max(a, c);
      const e = Math.min(b, d);
      if (s < e) out.push([s, e]);
    }
  return out.sort((x, y) => x[0] - y[0]);
}

/** Quiet hours as ranges of one day (a window crossing midnight becomes two). */
function quietRanges(start: number | null, end: number | null): Ranges {
  if (start === null || end === null || start === end) return [];
  return start < end
    ? [[start, end]]
    : [
        [start, DAY_MIN],
        [0, end],
      ];
}

function validZone(zone: string): string {
  return Info.isValidIANAZone(zone) ? zone : "UTC";
}

/** The instant of local minute `minute` (0–1440) on the local date of `day`; DST gaps move forward. */
function localInstant(day: DateTime, minute: number): DateTime {
  if (minute >= DAY_MIN) return day.plus({ days: 1 }).startOf("day");
  return day.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 });
}

/** The first open instant at or after `at` within 8 local days, using `contact` per weekday. */
function search(at: Date, zone: string, quiet: Ranges, contact: Array<Ranges | null> | null): Date | null {
  const atMs = at.getTime();
  const start = DateTime.fromJSDate(at, { zone }).startOf("day");
  for (let i = 0; i < 8; i++) {
    const day = start.plus({ days: i });
    for (const [s, e] of openRanges(quiet, contact?.[day.weekday - 1] ?? null)) {
      const from = localInstant(day, s).toMillis();
      const to = localInstant(day, e).toMillis();
      if (from >= to || to <= atMs) continue;
      return new Date(Math.max(from, atMs));
    }
  }
  return null;
}

/**
 * `at` itself when the customer may be messaged then, else the next instant they may: the end
 * of quiet hours or the start of their next preferred contact slot, in their own time zone
 * (so DST changes are handled by the zone rules). If the contact-time preferences leave no
 * open time at all in a week (contradicting the quiet hours), they are ignored. Quiet hours
 * with the same start and end mean none. The result is never earlier than `at`.
 */
export function nextAllowedTime(at: Date, opts: ContactWindowOptions): Date {
  const zone = validZone(opts.timezone);
  const quiet = quietRanges(parseHhmm(opts.quietStart), parseHhmm(opts.quietEnd));
  const contact = parseContactTimes(opts.contactTimes);
  return search(at, zone, quiet, contact) ?? search(at, zone, quiet, null) ?? at;
}

/** True when `at` is an allowed time to message the customer. */
export function isAllowedTime(at: Date, opts: ContactWindowOptions): boolean {
  return nextAllowedTime(at, opts).getTime() === at.getTime();
}
