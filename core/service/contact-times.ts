/**
 * The shape of a customer's preferred contact times (seed 004): `{"weekdays": ["morning",
 * "afternoon"], "weekends": ["any"]}`, plus the day names and "HH:MM-HH:MM" ranges the sending
 * schedule (core/messaging/quiet-hours.ts) also understands. Pure.
 */
import { z } from "zod";
import { CONTACT_SLOTS, parseHhmm } from "../messaging/quiet-hours.js";

const DAY_KEYS = ["weekdays", "weekends", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** True for a slot name (morning, afternoon, evening, any) or a local range like "18:30-20:00". */
export function isContactSlot(value: string): boolean {
  if (CONTACT_SLOTS[value] !== undefined) return true;
  const parts = value.split("-");
  if (parts.length !== 2) return false;
  const [from, to] = parts.map((p) => parseHhmm(p));
  return from != null && to != null && from !== to;
}

const slotList = z
  .array(
    z
      .string()
      .max(11)
      .refine(isContactSlot, 'a time of day: "morning", "afternoon", "evening", "any" or a range like "18:00-20:00"'),
  )
  .max(6)
  .refine((list) => new Set(list).size === list.length, "each time of day once")
  .describe('times of day; [] = "not on these days"');

/**
 * Validated contact times. Rule: only shapes the sending schedule reads the same way are
 * stored, so a preference a person set can never be silently ignored when a message is timed.
 * At least one day group; unknown keys and unknown slot names are refused, naming the key.
 */
export const contactTimesSchema = z
  .object(
    Object.fromEntries(DAY_KEYS.map((k) => [k, slotList.optional()])) as Record<string, z.ZodOptional<typeof slotList>>,
  )
  .strict()
  .refine((o) => Object.values(o).some((v) => v !== undefined), 'give "weekdays" and/or "weekends" (or day names)')
  .describe('e.g. {"weekdays": ["morning", "afternoon"], "weekends": ["any"]}');

export type ContactTimes = z.output<typeof contactTimesSchema>;
