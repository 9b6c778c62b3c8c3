import type { Bid } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser, notifyUsers } from "../messaging/outbox.js";
import { fromCents, toCents } from "../money.js";
import { lockLead, transact } from "../service.js";
import { biddingCloseDue, biddingOpen, eligibleToBid, isBiddingBanned } from "./lead-state.js";
import { bumpMetrics } from "./metrics.js";
import {
  discountForRating,
  finalBidCents,
  isValidMultiplier,
  MAX_BID_MULTIPLIER,
  MIN_BID_MULTIPLIER,
} from "./pricing.js";
import { rankBids } from "./ranking.js";
import { leadTerms } from "./settings.js";
import { openWindow } from "./window-open.js";

/**
 * Place a bid, or raise one's own bid, while the lead is ACTIVE and before `bidding_closes_at`.
 * `final = base × multiplier × discount(rating)`; one bid per contractor per lead, and a bid
 * can only go up. Only eligible contractors (active, not banned, serving the lead's ZIP and
 * category) may bid.
 */
export async function placeBid(
  deps: CoreDeps,
  input: { leadId: string; contractorId: string; multiplier: number },
): Promise<Result<{ bid: Bid; raised: boolean }>> {
  const m = input.multiplier;
  if (!isValidMultiplier(m)) {
    return fail(
      "BID_MULTIPLIER_OUT_OF_RANGE",
      `bid multiplier must be between ${MIN_BID_MULTIPLIER} and ${MAX_BID_MULTIPLIER} with at most two decimals`,
      { field: "bid_multiplier", min: MIN_BID_MULTIPLIER, max: MAX_BID_MULTIPLIER },
    );
  }
  if (!isUuid(input.leadId)) return fail("NOT_FOUND", "lead not found");
  if (!isUuid(input.contractorId)) return fail("NOT_FOUND", "contractor not found");
  return transact(deps, async ({ tx, now }) => {
    if (!(await lockLead(tx, input.leadId))) return fail("NOT_FOUND", "lead not found");
    const lead = await tx.lead.findUniqueOrThrow({ where: { id: input.leadId } });
    if (!biddingOpen(lead, now) || !lead.bidding_closes_at) {
      return fail("BID_WINDOW_CLOSED", "bidding on this lead is closed", { status: lead.status });
    }
    const contractor = await tx.user.findUnique({ where: { id: input.contractorId } });
    if (contractor?.role !== "contractor") return fail("NOT_FOUND", "contractor not found");
    if (isBiddingBanned(contractor)) {
      return fail("CONTRACTOR_BANNED", "you are banned from bidding; send an appeal to ask for a review");
    }
    if (!eligibleToBid(contractor, lead)) {
      return fail("CONTRACTOR_NOT_ELIGIBLE", "this lead is outside your service ZIP codes or categories");
    }
    // The lead's own discount table (the one in force when it came in).
    const discount = discountForRating(Number(contractor.profile_rating), leadTerms(lead, deps.config).discountTable);
    const amount = fromCents(finalBidCents(lead.base_lead_cost, m, discount));
    const existing = await tx.bid.findUnique({
      where: { lead_id_contractor_id: { lead_id: lead.id, contractor_id: contractor.id } },
    });
    if (existing && m <= Number(existing.bid_multiplier)) {
      return fail(
        "CONFLICT",
        `a bid can only be raised (current multiplier ${Number(existing.bid_multiplier).toFixed(2)})`,
        {
          current_multiplier: Number(existing.bid_multiplier),
        },
      );
    }
    const values = {
      bid_multiplier: m.toFixed(2),
      final_bid_amount: amount,
      lead_discount_multiplier: discount.toFixed(2),
      bid_placed_at: now,
      updated_at: now,
    };
    const bid = existing
      ? await tx.bid.update({ where: { id: existing.id }, data: values })
      : await tx.bid.create({ data: { ...values, lead_id: lead.id, contractor_id: contractor.id, created_at: now } });
    if (!existing) await bumpMetrics(tx, contractor.id, { bids: 1 }, now);
    await notifyUser(tx, {
      userId: contractor.id,
      leadId: lead.id,
      now,
      notice: {
        kind: "bid_placed",
        leadId: lead.id,
        title: lead.title,
        multiplier: m,
        amount,
        closesAt: lead.bidding_closes_at.toISOString(),
      },
    });
    return ok({ bid, raised: Boolean(existing) });
  });
}

/**
 * Close bidding once `bidding_closes_at` has passed: rank the top 3 (ties: earlier bid first),
 * mark the rest LOST and open rank 1's response window — or mark the lead EXPIRED when nobody
 * bid. Idempotent: a lead that is no longer ACTIVE is left alone.
 */
export async function closeBidding(deps: CoreDeps, leadId: string): Promise<Result<{ status: string }>> {
  return transact(deps, async ({ tx, now, wake }) => {
    if (!(await lockLead(tx, leadId))) return fail("NOT_FOUND", "lead not found");
    const lead = await tx.lead.findUniqueOrThrow({ where: { id: leadId } });
    if (!biddingCloseDue(lead, now)) {
      return ok({ status: lead.status });
    }
    const bids = await tx.bid.findMany({ where: { lead_id: lead.id, status: "ACTIVE" } });
    if (bids.length === 0) {
      await tx.lead.update({ where: { id: lead.id }, data: { status: "EXPIRED", expired_at: now, updated_at: now } });
      return ok({ status: "EXPIRED" });
    }
    const { ranked, lost } = rankBids(
      bids.map((b) => ({ ...b, finalCents: toCents(b.final_bid_amount), placedAt: b.bid_placed_at })),
    );
    for (const [i, b] of ranked.entries()) {
      await tx.bid.update({ where: { id: b.id }, data: { bid_rank: i + 1, updated_at: now } });
    }
    if (lost.length > 0) {
      await tx.bid.updateMany({
        where: { id: { in: lost.map((b) => b.id) } },
        data: { status: "LOST", updated_at: now },
      });
      await notifyUsers(
        tx,
        lost.map((b) => ({
          userId: b.contractor_id,
          leadId: lead.id,
          dedupeKey: `lost:${b.id}`,
          notice: { kind: "lead_lost" as const, leadId: lead.id, title: lead.title, reason: "outbid" as const },
        })),
        now,
      );
    }
    await tx.lead.update({ where: { id: lead.id }, data: { status: "BIDDING_CLOSED", updated_at: now } });
    const first = ranked[0];
    if (!first) return ok({ status: "BIDDING_CLOSED" });
    await openWindow({ tx, now, wake }, deps, lead, first.id, 1);
    return ok({ status: "PENDING_RESPONSE_1" });
  });
}
