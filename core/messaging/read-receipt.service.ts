/**
 * The customer's read state: where a channel reports that a message was read (WhatsApp read
 * receipts, an e-mail's open pixel) the outbound row gets `read_at`, once — the appeal evidence
 * shows it ("the customer read the contractor's answer at …"). Telegram bots get no receipts.
 */
import type { ChannelKind } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { ok, type Result } from "../errors.js";

/**
 * Record that the message the channel knows as `providerMessageId` was read at the clock's now:
 * `read_at` is set once (a repeated receipt changes nothing) and a message still "sent" counts as
 * delivered. An unknown id is no error (receipts for messages we did not send arrive too).
 */
export async function recordRead(
  deps: Pick<CoreDeps, "prisma" | "clock">,
  report: { channel: ChannelKind; providerMessageId: string },
): Promise<Result<{ read: boolean }>> {
  const id = report.providerMessageId.slice(0, 255);
  if (!id) return ok({ read: false });
  const now = deps.clock.now();
  const r = await deps.prisma.outboundMessage.updateMany({
    where: { channel: report.channel, provider_message_id: id, read_at: null },
    data: { read_at: now },
  });
  await deps.prisma.outboundMessage.updateMany({
    where: { channel: report.channel, provider_message_id: id, status: "sent" },
    data: { status: "delivered", delivered_at: now },
  });
  return ok({ read: r.count > 0 });
}

/** Mark the outbound rows of one sequence step read (its e-mail's pixel loaded), inside a transaction. */
export async function markStepRead(tx: Db, sequenceEventId: string, now: Date): Promise<void> {
  await tx.outboundMessage.updateMany({
    where: { sequence_event_id: sequenceEventId, read_at: null },
    data: { read_at: now },
  });
}
