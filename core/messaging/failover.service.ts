/**
 * A customer message that failed for good on one channel (a bounced e-mail, an SMS to a dead
 * number) goes out again on the next allowed channel of that customer. Each attempt is its own
 * outbox row with its own delivery status, linked by `payload.failover_of`.
 */
import type { ChannelKind, OutboundMessage, Prisma } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
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
export async function failOver(
  tx: Db,
  row: OutboundMessage,
  now: Date,
): Promise<{ id: string; channel: ChannelKind } | null> {
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
  const existing = await tx.outboundMessage.findUnique({
    where: { dedupe_key: dedupeKey },
    select: { id: true, channel: true },
  });
  if (existing) return existing;
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
    select: { id: true, channel: true },
  });
  if (row.sequence_event_id) {
    await tx.sequenceEvent.update({
      where: { id: row.sequence_event_id },
      data: { delivery_status: "pending", error_message: `${row.channel} failed; retrying on ${route.channel}` },
    });
  }
  return next;
}

/**
 * Record that a claimed outbox row will not be sent — `failed` (a permanent provider error, or
 * retries exhausted after OUTBOX_RETRY_FOR) or `cancelled` (the recipient opted out) — with the
 * reason the Ops page shows, its sequence step marked failed, and for a failed customer message
 * the next channel's row queued: all in one transaction, so a crash between "failed" and the
 * failover cannot lose the message. Conditional on the sender's claim (`locked_until`): a
 * sender whose claim was taken over records nothing. Returns whether it recorded, and the
 * channel the message went on to, if any.
 */
export async function giveUpOutbound(
  deps: Pick<CoreDeps, "prisma">,
  row: OutboundMessage,
  input: { now: Date; reason: string; status: "failed" | "cancelled"; firstAttemptAt: Date | null },
): Promise<{ recorded: boolean; failoverChannel: ChannelKind | null }> {
  const { now, status } = input;
  const reason = input.reason.slice(0, 2000);
  return deps.prisma.$transaction(async (tx) => {
    const recorded = await tx.outboundMessage.updateMany({
      where: { id: row.id, status: "sending", locked_until: row.locked_until },
      data: {
        status,
        failed_at: status === "failed" ? now : null,
        locked_until: null,
        last_error: reason,
        first_attempt_at: input.firstAttemptAt,
        updated_at: now,
      },
    });
    if (recorded.count !== 1) return { recorded: false, failoverChannel: null };
    if (row.sequence_event_id) {
      await tx.sequenceEvent.update({
        where: { id: row.sequence_event_id },
        data: { delivery_status: "failed", error_message: reason },
      });
    }
    if (status !== "failed") return { recorded: true, failoverChannel: null };
    const next = await failOver(tx, row, now);
    if (next) {
      await tx.outboundMessage.update({
        where: { id: row.id },
        data: { last_error: `${reason}; failed over to ${next.channel}`.slice(0, 2000) },
      });
    }
    return { recorded: true, failoverChannel: next?.channel ?? null };
  });
}
