/**
 * Reading when a reminder is for, in the person's own time zone (users.timezone), at the start
 * of what they typed after "remind me": "in 2h", "in 30 min", "in 3 days", "tomorrow 9:00",
 * "tomorrow at 9am", "today 15:30", "at 4pm", "friday 10:00", and the Danish "om 2 timer",
 * "i morgen kl. 9", "fredag 10.00". A day without a time means 09:00. This is input vocabulary,
 * not text the chat shows, so it lives here rather than in the catalogues.
 */
import { DateTime, type DurationLikeObject } from "luxon";

/** When a day is named without a time. */
const DEFAULT_HOUR = 9;

const UNITS: ReadonlyArray<[RegExp, keyof DurationLikeObject]> = [
  [/^(m|min|mins|minute|minutes|minut|minutter)$/, "minutes"],
  [/^(h|hr|hrs|hour|hours|t|time|timer)$/, "hours"],
  [/^(d|day|days|dag|dage|døgn)$/, "days"],
  [/^(w|wk|week|weeks|uge|uger)$/, "weeks"],
];

const WEEKDAYS: Record<string, number> = {
  monday: 1,
  mon: 1,
  mandag: 1,
  tuesday: 2,
  tue: 2,
  tirsdag: 2,
  wednesday: 3,
  wed: 3,
  onsdag: 3,
  thursday: 4,
  thu: 4,
  torsdag: 4,
  friday: 5,
  fri: 5,
  fredag: 5,
  saturday: 6,
  sat: 6,
  lørdag: 6,
  sunday: 7,
  sun: 7,
  søndag: 7,
};

const RELATIVE = /^(?:in|om)\s+(\d{1,3}(?:[.,]\d)?)\s*([a-zæøå]+)\b/i;
const DAY =
  /^(today|tonight|tomorrow|i\s*dag|i\s*aften|i\s*morgen|[a-zæøå]+day|[a-zæøå]+dag|mon|tue|wed|thu|fri|sat|sun)\b/i;
const TIME = /^(?:(?:at|kl\.?|@)\s*)?(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?(?![\d:])/i;
const AT_TIME = /^(?:at|kl\.?|@)\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?(?![\d:])/i;

export interface When {
  at: Date;
  /** What follows the time ("to call Anna" → "call Anna"). */
  rest: string;
}

/** A clock time from a TIME match, or null when it is not one (25:00, 13pm). */
function clock(h: string | undefined, m: string | undefined, ampm: string | undefined) {
  let hour = Number(h);
  const minute = Number(m ?? 0);
  if (ampm) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (ampm.toLowerCase() === "pm" ? 12 : 0);
  }
  return hour <= 23 && minute <= 59 ? { hour, minute } : null;
}

function tidy(rest: string): string {
  return rest
    .replace(/^[\s,:;–—-]+/, "")
    .replace(/^(?:to|about|at|om at|om|til)\s+/i, "")
    .trim();
}

/**
 * The time at the start of `text` as an instant, read in `tz` relative to `now`, and the rest of
 * the text; null when the text does not start with a time we understand. The result may lie in
 * the past ("today 8:00" at 9:00): the caller says so.
 */
export function parseWhen(text: string, now: Date, tz: string): When | null {
  const local = DateTime.fromJSDate(now, { zone: tz });
  const s = text.trim();
  const rel = RELATIVE.exec(s);
  if (rel?.[1] && rel[2]) {
    const unit = UNITS.find(([re]) => re.test((rel[2] as string).toLowerCase()))?.[1];
    const amount = Number(rel[1].replace(",", "."));
    if (!unit || !(amount > 0)) return null;
    return { at: local.plus({ [unit]: amount }).toJSDate(), rest: tidy(s.slice(rel[0].length)) };
  }
  const day = DAY.exec(s);
  if (day?.[1]) {
    const word = day[1].toLowerCase().replace(/\s+/g, " ");
    let date: DateTime | null = null;
    if (word === "today" || word === "tonight" || word === "i dag" || word === "idag" || word === "i aften")
      date = local;
    else if (word === "tomorrow" || word === "i morgen" || word === "imorgen") date = local.plus({ days: 1 });
    else if (WEEKDAYS[word] !== undefined) {
      const ahead = ((WEEKDAYS[word] as number) - local.weekday + 7) % 7 || 7;
      date = local.plus({ days: ahead });
    }
    if (!date) return null;
    let after = s.slice(day[0].length).trimStart();
    const t = TIME.exec(after);
    let hm: { hour: number; minute: number } | null = {
      hour: word === "tonight" || word === "i aften" ? 19 : DEFAULT_HOUR,
      minute: 0,
    };
    if (t) {
      hm = clock(t[1], t[2], t[3]);
      if (!hm) return null;
      after = after.slice(t[0].length);
    }
    const at = date.set({ hour: hm.hour, minute: hm.minute, second: 0, millisecond: 0 });
    return { at: at.toJSDate(), rest: tidy(after) };
  }
  const t = AT_TIME.exec(s);
  if (t) {
    const hm = clock(t[1], t[2], t[3]);
    if (!hm) return null;
    let at = local.set({ hour: hm.hour, minute: hm.minute, second: 0, millisecond: 0 });
    if (at <= local) at = at.plus({ days: 1 });
    return { at: at.toJSDate(), rest: tidy(s.slice(t[0].length)) };
  }
  return null;
}
