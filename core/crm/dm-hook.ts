import { z } from "zod";
import type { CoreDeps } from "../context.js";
import { fail, type Result } from "../errors.js";
import { isoDateTime, validate } from "../validation.js";
import { payloadHash } from "./canonical-json.js";
import { type PresentedEvent, recordEvent } from "./event.service.js";
import { customerRefSchema, EVENT_SOURCES } from "./event-envelope.js";

/**
 * POST /api/hooks/dm: a DM conversation started somewhere (Instagram, Messenger, WhatsApp…).
 * No API key, so the body names the owner.
 */
export const dmHookSchema = z
  .object({
    owner_id: z.guid(),
    event_id: z.string().trim().min(1).max(180).optional().describe("default: derived from the body"),
    timestamp: isoDateTime().optional().describe("default: when it arrives"),
    source: z.enum(EVENT_SOURCES).optional(),
    customer: customerRefSchema.refine((c) => Boolean(c.email || c.phone || c.handle), {
      message: "customer needs an email, phone or handle",
    }),
    properties: z.record(z.string(), z.unknown()).optional(),
    utm: z.record(z.string(), z.unknown()).optional(),
    consent: z.record(z.string(), z.unknown()).optional(),
    user_id: z.string().max(100).optional(),
    account_id: z.string().max(100).optional(),
  })
  .strict();

/**
 * Record a DM_STARTED event for the owner named in the body, creating the customer (status
 * lead, canonical lead, source from the body) when the e-mail, phone or handle is new to that
 * owner. Idempotent like every event, per owner: an `event_id` is the named owner's own (another
 * owner may use the same one), and without one the id and fingerprint come from the body itself
 * (owner included), so a redelivery without `event_id` or `timestamp` is still the same DM.
 */
export async function receiveDm(
  deps: CoreDeps,
  body: unknown,
): Promise<Result<{ event: PresentedEvent; replayed: boolean }>> {
  const v = validate(dmHookSchema, body);
  if (!v.ok) return v;
  const owner = await deps.prisma.user.findUnique({ where: { id: v.value.owner_id }, select: { id: true } });
  if (!owner) return fail("VALIDATION_FAILED", "owner_id is not a known user", [{ field: "owner_id" }]);
  const fingerprint = payloadHash({ hook: "dm", ...v.value });
  const { owner_id, event_id, timestamp, ...rest } = v.value;
  return recordEvent(
    deps,
    { kind: "contractor", ownerId: owner_id },
    {
      ...rest,
      event_name: "DM_STARTED",
      event_id: event_id ?? `dm:${fingerprint.slice(0, 40)}`,
      timestamp: timestamp ?? deps.clock.now().toISOString(),
    },
    { hash: fingerprint },
  );
}
