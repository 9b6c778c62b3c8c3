/**
 * What providers tell us after a send: delivered, failed (an SMS that never arrived, a bounced
 * e-mail) or a spam complaint. Every report lands on the outbox row it is about, so each attempt
 * shows its real delivery status; a complaint also opts the address out of e-mail.
 */
import type { ChannelKind, OutboundStatus } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";
import { failOver } from "./failover.service.js";
import { optOutEmailAddresses } from "./unsubscribe.js";

/** The Message-ID of an outbox row: derived from the row id, so a report names the row it is about. */
export function messageIdFor(outboundId: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "leadrelay.local";
  return `<${outboundId}@${domain}>`;
}

/** The outbox id inside one of our Message-IDs (`<uuid@domain>`), or null. */
export function outboundIdOf(messageId: string): string | null {
  const m = /^<?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@/i.exec(messageId.trim());
  return m?.[1]?.toLowerCase() ?? null;
}

/** A provider's report on one message. */
export interface DeliveryReport {
  channel: ChannelKind;
  /** Our outbox id (e-mail: read from the Message-ID we set), or … */
  outboundId?: string;
  /** … the provider's id of the message (an SMS's MessageSid). */
  providerMessageId?: string;
  status: "sent" | "delivered" | "failed" | "complained";
  error?: string;
}

/** Statuses a report may move a row from (reports arrive late, twice, or out of order). */
const FROM: Record<DeliveryReport["status"], OutboundStatus[]> = {
  sent: [],
  delivered: ["sent"],
  failed: ["sent", "delivered", "sending"],
  complained: ["sent", "delivered"],
};

/**
 * Record a provider's report on the row it is about: `delivered` and `failed` set the row's
 * status (and its sequence step's delivery status); a complaint marks the row failed and opts
 * the recipient out of e-mail. A report never moves a row backwards (a late "sent" after
 * "delivered" changes nothing) and a repeated one is a no-op. Unknown messages are NOT_FOUND.
 */
export async function recordDelivery(
  deps: CoreDeps,
  report: DeliveryReport,
): Promise<Result<{ outboundId: string; changed: boolean }>> {
  if (report.outboundId !== undefined && !isUuid(report.outboundId)) return fail("NOT_FOUND", "unknown message");
  if (report.outboundId === undefined && !report.providerMessageId) return fail("NOT_FOUND", "unknown message");
  return transact<{ outboundId: string; changed: boolean }>(deps, async ({ tx, now }) => {
    const row = await tx.outboundMessage.findFirst({
      where: report.outboundId
        ? { id: report.outboundId, channel: report.channel }
        : { provider_message_id: report.providerMessageId, channel: report.channel },
    });
    if (!row) return fail("NOT_FOUND", "unknown message");
    const error = report.error?.slice(0, 2000) ?? null;
    if (report.status === "complained") {
      await optOutEmailAddresses(tx, { customerId: row.customer_id, addresses: [row.to_address], now });
      if (row.identity_id) {
        await tx.channelIdentity.updateMany({
          where: { id: row.identity_id, opted_out: false },
          data: { opted_out: true, opted_out_at: now, updated_at: now },
        });
      }
    }
    if (!FROM[report.status].includes(row.status)) return ok({ outboundId: row.id, changed: false });
    const failed = report.status === "failed" || report.status === "complained";
    await tx.outboundMessage.update({
      where: { id: row.id },
      data: failed
        ? {
            status: "failed",
            failed_at: now,
            locked_until: null,
            last_error: report.status === "complained" ? `complaint: ${error ?? "marked as spam"}` : error,
          }
        : { status: "delivered", delivered_at: now },
    });
    if (row.sequence_event_id) {
      await tx.sequenceEvent.updateMany({
        where: {
          id: row.sequence_event_id,
          delivery_status: { in: failed ? ["pending", "sent", "delivered"] : ["pending", "sent"] },
        },
        data: failed ? { delivery_status: "failed", error_message: error } : { delivery_status: "delivered" },
      });
    }
    // A message that never arrived goes out on the customer's next channel (not after a complaint).
    if (report.status === "failed") await failOver(tx, row, now);
    return ok({ outboundId: row.id, changed: true });
  });
}
