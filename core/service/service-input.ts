/**
 * Building blocks of the service-record inputs (seed 004): money, ids, dates, text, paging.
 * Pure: schemas and rules on plain data and `now`.
 */
import { z } from "zod";
import { amountProblemText, parseAmountCents } from "../money.js";
import { PAGE_DEFAULTS } from "../paging.js";
import { DATE_YEARS, isoDateTime } from "../validation.js";

/** A row id. */
export const uuid = () => z.guid("must be a UUID");

/** Trimmed text up to `max` characters. */
export const text = (max: number) => z.string().trim().max(max);

/**
 * Money as a person sends it (450, "450.00"). Refused, naming the field: more than two decimals,
 * negative, above 10,000,000.00, or (with `positive`) zero. The value stays as sent (the web
 * layer validates with the same schema before core does): `cents()` turns it into cents.
 */
export function amountField(opts: { positive?: boolean } = {}) {
  return z
    .union([z.string().max(32), z.number()])
    .superRefine((value, ctx) => {
      const r = parseAmountCents(value);
      if (!r.ok) ctx.addIssue({ code: "custom", message: amountProblemText(r.problem) });
      else if (opts.positive && r.cents === 0) ctx.addIssue({ code: "custom", message: "must be more than 0" });
    })
    .describe('decimal amount with at most two decimals, e.g. "450.00" (max 10,000,000.00)');
}

/** Integer cents of an amount that passed `amountField`. */
export function cents(value: string | number): number {
  const r = parseAmountCents(value);
  if (!r.ok) throw new TypeError(`not a validated amount: ${value}`);
  return r.cents;
}

/** A calendar date "2019-06-01" (or a date-time, whose UTC date is kept), in DATE_YEARS. */
export function calendarDate() {
  return z
    .union([z.iso.date(), isoDateTime()])
    .refine((v) => {
      const y = new Date(v).getUTCFullYear();
      return y >= DATE_YEARS.min && y <= DATE_YEARS.max;
    }, `must be a date between the years ${DATE_YEARS.min} and ${DATE_YEARS.max}`)
    .describe("a date like 2019-06-01");
}

/** A validated calendar date as midnight UTC of that date. */
export function dateOnly(value: string): Date {
  return new Date(`${value.slice(0, 10)}T00:00:00.000Z`);
}

/** A date-time with an offset, as sent (an ISO 8601 string; `asDate` turns it into a Date). */
export const instant = () => isoDateTime();

/** A date field as a Date: undefined stays undefined (not sent), null stays null (cleared). */
export function asDate(v: string | null | undefined, toDate: (s: string) => Date = (s) => new Date(s)) {
  return v === undefined ? undefined : v === null ? null : toDate(v);
}

const LATEST_OFFSET_MS = 14 * 3_600_000;

/**
 * True when a calendar date (midnight UTC) has not begun anywhere on Earth yet at `now`. Rule:
 * an appliance cannot have been installed (or serviced) in the future; the latest time zone is
 * UTC+14, so a customer's "today" is never refused whatever their zone.
 */
export function isFutureDate(date: Date, now: Date): boolean {
  return date.getTime() > now.getTime() + LATEST_OFFSET_MS;
}

/** Paging of every list: `?page=` from 1, `?per_page=` up to 200 (core/paging.ts limits). */
export const paging = {
  page: z.coerce.number().int().min(1).max(PAGE_DEFAULTS.maxPage).default(PAGE_DEFAULTS.page),
  per_page: z.coerce.number().int().min(1).max(PAGE_DEFAULTS.maxPerPage).default(PAGE_DEFAULTS.perPage),
};
