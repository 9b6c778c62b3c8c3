/**
 * Tracked links and the e-mail open pixel (seed 000 opened/clicked, and the high-interest
 * nudge: a customer who clicks twice may be shopping around).
 */
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { notifyUser } from "../messaging/outbox.js";
import { markStepRead } from "../messaging/read-receipt.service.js";
import { transact } from "../service.js";

/** Clicks on one sequence's links that make it "high interest". */
const HIGH_INTEREST_CLICKS = 2;

const TOKEN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Count a click on a tracked link and return where it leads. The first click of a step sets
 * its `clicked_at`; every click bumps the sequence's `click_count`. At 2+ clicks the sequence
 * is flagged high interest once (`high_interest_at`), and the contractor is nudged once — unless
 * the sequence is already won or lost. Unknown tokens are NOT_FOUND (never an open redirect).
 */
export async function recordClick(
  deps: CoreDeps,
  token: string,
): Promise<Result<{ url: string; highInterest: boolean }>> {
  if (!TOKEN.test(token)) return fail("NOT_FOUND", "link not found");
  return transact<{ url: string; highInterest: boolean }>(deps, async ({ tx, now }) => {
    const found = await tx.trackedLink.findUnique({ where: { token } });
    if (!found) return fail("NOT_FOUND", "link not found");
    const link = await tx.trackedLink.update({
      where: { id: found.id },
      data: { click_count: { increment: 1 }, last_clicked_at: now, first_clicked_at: found.first_clicked_at ?? now },
      include: { sequence_event: true },
    });
    const event = link.sequence_event;
    if (!event) return ok({ url: link.url, highInterest: false });
    await tx.sequenceEvent.updateMany({ where: { id: event.id, clicked_at: null }, data: { clicked_at: now } });
    if (event.action_type === "email") {
      // A click proves the e-mail was opened, even when the client blocked the pixel.
      await tx.sequenceEvent.updateMany({ where: { id: event.id, opened_at: null }, data: { opened_at: now } });
    }
    const seq = await tx.nurturingSequence.update({
      where: { id: event.sequence_id },
      data: { click_count: { increment: 1 } },
      include: { customer: { select: { name: true } } },
    });
    if (seq.click_count < HIGH_INTEREST_CLICKS) return ok({ url: link.url, highInterest: false });
    const flagged = await tx.nurturingSequence.updateMany({
      where: { id: seq.id, high_interest_at: null },
      data: { high_interest_at: now },
    });
    if (flagged.count === 1 && seq.outcome !== "converted" && seq.outcome !== "lost") {
      await notifyUser(tx, {
        userId: seq.owner_id,
        now,
        dedupeKey: `high-interest:${seq.id}`,
        notice: {
          kind: "high_interest",
          sequenceId: seq.id,
          customerId: seq.customer_id,
          customerName: seq.customer.name,
          clicks: seq.click_count,
        },
      });
    }
    return ok({ url: link.url, highInterest: true });
  });
}

/** Where a tracked link leads, without counting a click (for link previewers); null when unknown. */
export async function trackedLinkUrl(deps: CoreDeps, token: string): Promise<string | null> {
  if (!TOKEN.test(token)) return null;
  const link = await deps.prisma.trackedLink.findUnique({ where: { token }, select: { url: true } });
  return link?.url ?? null;
}

/**
 * Record that the e-mail behind a token was opened (the pixel loaded): the step's `opened_at`
 * is set once, its outbound row's `read_at` too (the customer's read state), and its delivery
 * counts as delivered. Unknown tokens are NOT_FOUND.
 */
export async function recordOpen(deps: CoreDeps, token: string): Promise<Result<{ opened: boolean }>> {
  if (!TOKEN.test(token)) return fail("NOT_FOUND", "link not found");
  return transact(deps, async ({ tx, now }) => {
    const link = await tx.trackedLink.findUnique({ where: { token }, select: { sequence_event_id: true } });
    if (!link) return fail("NOT_FOUND", "link not found");
    if (!link.sequence_event_id) return ok({ opened: false });
    const first = await tx.sequenceEvent.updateMany({
      where: { id: link.sequence_event_id, opened_at: null },
      data: { opened_at: now },
    });
    await markStepRead(tx, link.sequence_event_id, now);
    await tx.sequenceEvent.updateMany({
      where: { id: link.sequence_event_id, delivery_status: { in: ["pending", "sent"] } },
      data: { delivery_status: "delivered" },
    });
    return ok({ opened: first.count === 1 });
  });
}
