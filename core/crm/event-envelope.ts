/**
 * The seed-003 event envelope (events.json): `event_name`, `event_id`, ISO `timestamp`,
 * optional `source`, `properties`, `utm`, `consent`, the sender's user/account ids, and the
 * customer — by `customer_id`, or looked up by e-mail, phone or handle among the owner's.
 */
import { z } from "zod";
import type { EventName } from "../../prisma/generated/client.js";
import { normalizePhone } from "../marketplace/lead-input.js";
import { isoDateTime } from "../validation.js";

export const EVENT_NAMES = [
  "DM_STARTED",
  "INVITE_SENT",
  "VIDEO_SENT",
  "LEAD_QUALIFIED",
  "PRESENTATION_SENT",
  "MEETING_BOOKED",
  "MEETING_HELD",
  "NO_SHOW",
  "FOLLOW_UP",
  "PURCHASED",
  "JOINED_TEAM",
  "UNSUBSCRIBED",
  "STATUS_CHANGED",
] as const satisfies readonly EventName[];

export const EVENT_SOURCES = ["ig", "messenger", "whatsapp", "web", "ads", "manual"] as const;

/** "video-sent", "Video Sent" and "VIDEO_SENT" are one event name; null when unknown. */
export function parseEventName(value: string): EventName | null {
  const name = value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, "_");
  return (EVENT_NAMES as readonly string[]).includes(name) ? (name as EventName) : null;
}

const eventName = z
  .string()
  .transform((v, ctx) => {
    const name = parseEventName(v);
    if (!name) {
      ctx.addIssue({ code: "custom", message: `must be one of ${EVENT_NAMES.join(", ")}` });
      return z.NEVER;
    }
    return name;
  })
  .describe(EVENT_NAMES.join(" | "));

/** Who the event is about, when the sender has no customer_id. */
export const customerRefSchema = z
  .object({
    name: z.string().trim().min(1).max(255).optional(),
    email: z
      .email()
      .max(255)
      .transform((v) => v.toLowerCase())
      .optional(),
    phone: z
      .string()
      .max(32)
      .transform((v, ctx) => {
        const e164 = normalizePhone(v);
        if (!e164) {
          ctx.addIssue({ code: "custom", message: "not a valid phone number" });
          return z.NEVER;
        }
        return e164;
      })
      .optional(),
    handle: z.string().trim().min(1).max(255).optional().describe("e.g. the Instagram handle, stored in handles"),
  })
  .strict();
export type CustomerRef = z.output<typeof customerRefSchema>;

const json = z.record(z.string(), z.unknown());

export const eventEnvelopeSchema = z
  .object({
    event_id: z.string().trim().min(1).max(180),
    event_name: eventName,
    timestamp: isoDateTime().transform((v) => new Date(v).toISOString()),
    source: z.enum(EVENT_SOURCES).optional(),
    properties: json.optional(),
    utm: json.optional(),
    consent: json.optional(),
    user_id: z.string().max(100).optional(),
    account_id: z.string().max(100).optional(),
    customer_id: z.guid().optional(),
    customer: customerRefSchema.optional(),
    owner_id: z.guid().optional().describe("whose event it is (admin keys and hooks)"),
  })
  .strict();
export type EventEnvelope = z.output<typeof eventEnvelopeSchema>;

/** A future timestamp beyond this skew is refused: reminders would be scheduled from it. */
export const MAX_FUTURE_SKEW_MS = 60 * 60_000;
