/**
 * Opening a ranked contractor's exclusive response window — a step inside the transaction of
 * whoever passes the turn on (closeBidding for rank 1, expireWindow for the ranks after).
 */
import type { Lead } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { notifyUser } from "../messaging/outbox.js";
import type { TxCtx } from "../service.js";
import { pendingStatus } from "./lead-state.js";
import { bumpMetrics } from "./metrics.js";
import { leadTerms } from "./settings.js";
import { wakeKey } from "./wakeups.js";

/**
 * Open rank N's exclusive response window (inside the caller's transaction): the bid is WON
 * (counted in `total_leads_won`), the lead goes PENDING_RESPONSE_N, the contractor is told with
 * the customer's details, and the expiry and 15-minute warning are scheduled.
 */
export async function openWindow(c: TxCtx, deps: CoreDeps, lead: Lead, bidId: string, rank: number): Promise<void> {
  const { tx, now } = c;
  // The window and warning the lead came in with (marketplace settings apply from the next lead).
  const terms = leadTerms(lead, deps.config);
  const endsAt = new Date(now.getTime() + terms.responseWindowMs);
  const warnAt = endsAt.getTime() - terms.windowWarningMs;
  const bid = await tx.bid.update({
    where: { id: bidId },
    data: {
      status: "WON",
      response_window_starts_at: now,
      response_window_ends_at: endsAt,
      window_warn_at: new Date(warnAt),
      updated_at: now,
    },
  });
  await tx.lead.update({
    where: { id: lead.id },
    data: { status: pendingStatus(rank), current_rank: rank, updated_at: now },
  });
  await bumpMetrics(tx, bid.contractor_id, { won: 1 }, now);
  await notifyUser(tx, {
    userId: bid.contractor_id,
    leadId: lead.id,
    now,
    dedupeKey: `window:${bid.id}`,
    notice: {
      kind: "window_opened",
      leadId: lead.id,
      bidId: bid.id,
      title: lead.title,
      rank,
      customerName: lead.customer_name,
      customerPhone: lead.customer_phone,
      customerEmail: lead.customer_email,
      description: lead.description,
      endsAt: endsAt.toISOString(),
      amount: bid.final_bid_amount.toString(),
    },
  });
  c.wake(wakeKey("expire", bid.id), endsAt);
  if (warnAt > now.getTime()) c.wake(wakeKey("warn", bid.id), new Date(warnAt));
}
