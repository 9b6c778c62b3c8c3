/**
 * A customer message that failed for good on one channel (a bounced e-mail, an SMS to a dead
 * number) goes out again on the next allowed channel of that customer. Each attempt is its own
 * outbox row with its own delivery status, linked by `payload.failover_of`.
 */
import type { OutboundMessage, Prisma } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { routeCandidates } from "./route-candidates.js";
import { chooseRoute, ROUTE_FALLBACK_ORDER } from "./routing.js";

/** Message kinds that fail over. Chat answers stay on the chat they answer; blasts keep their channel. */
export const FAILOVER_KINDS: readonly string[] = ["relay", "sequence_step", "stale_estimate"];

/**
 * Queue the next attempt of a failed customer message, or return null when there is none: the
 * kind does not fail over, the customer opted out, or every other channel was tried or is not
 * available (routing rules: opted out there, no address, WhatsApp outside the window for free
 * text). Runs inside the caller's transaction; the dedupe key makes a repeated call a no-op.
 */
export async function failOver(tx: Db, row: OutboundMessage, now: Date): Promise<string | null> {
  if (!row.customer_id || !FAILOVER_KINDS.includes(row.kind)) return null;
  const customer = await tx.customer.findUnique({ where: { id: row.customer_id } });
  if (!customer || customer.opted_out_at) return null;
  const payload = (row.payload ?? {}) as Record<string, unknown>;
  const tried = [...new Set([...(Array.isArray(payload.failover_tried) ? payload.failover_tried : []), row.channel])];
  const route = chooseRoute({
    customerOptedOut: false,
    preferred: customer.preferred_contact_method,
    candidates: await routeCandidates(tx, customer),
    now,
    templated: row.kind !== "relay",
    allowed: ROUTE_FALLBACK_ORDER.filter((c) => !tried.includes(c)),
  });
  if (!route.ok) return null;
  const { html: _html, ...rest } = payload;
  const dedupeKey = `failover:${row.id}`;
  const existing = await tx.outboundMessage.findUnique({ where: { dedupe_key: dedupeKey }, select: { id: true } });
  if (existing) return existing.id;
  const next = await tx.outboundMessage.create({
    data: {
      channel: route.channel,
      to_address: route.address,
      identity_id: route.identityId,
      customer_id: row.customer_id,
      user_id: row.user_id,
      lead_id: row.lead_id,
      sequence_event_id: row.sequence_event_id,
      campaign_id: row.campaign_id,
      lane: row.lane,
      kind: row.kind,
      subject: route.channel === "email" ? (row.subject ?? null) : null,
      body: row.body,
      // The rendered HTML stays behind: the retry is on another channel (an e-mail gets the text as HTML).
      payload: {
        ...rest,
        failover_of: row.id,
        failover_tried: tried,
      } as Prisma.InputJsonValue,
      next_attempt_at: now,
      dedupe_key: dedupeKey,
      created_at: now,
      updated_at: now,
    },
    select: { id: true },
  });
  if (row.sequence_event_id) {
    await tx.sequenceEvent.update({
      where: { id: row.sequence_event_id },
      data: { delivery_status: "pending", error_message: `${row.channel} failed; retrying on ${route.channel}` },
    });
  }
  return next.id;
}
