/**
 * A response window's deadlines: the warning shortly before it ends, and its expiry — the
 * strike, the ban at the threshold, and the turn passed down to the next rank.
 */
import { SYSTEM_ACTOR, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser } from "../messaging/outbox.js";
import { lockLead, transact } from "../service.js";
import { decideLeadAnswer, markLeadUnreachable } from "./lead-reach.js";
import { type BanFacts, strikeOutcome, windowExpiryDue, windowWarningDue } from "./lead-state.js";
import { leadTerms } from "./settings.js";
import { openWindow } from "./window-open.js";

/**
 * A response window ran out unanswered: the bid is EXPIRED, exactly one strike is logged (the
 * strike log is unique per bid), the contractor is banned at the threshold, and the next
 * ranked bid's window opens — or, after the last one, the lead is EXPIRED. Idempotent. A
 * customer nobody can reach could not have been answered: then there is no strike, the lead
 * ends UNREACHABLE and its bidders are told (DESIGN.md "Unreachable customers").
 */
export async function expireWindow(deps: CoreDeps, bidId: string): Promise<Result<{ expired: boolean }>> {
  if (!isUuid(bidId)) return fail("NOT_FOUND", "bid not found");
  let lateSeconds = 0; // now - response_window_ends_at, reported once the expiry is committed
  const r = await transact<{ expired: boolean }>(deps, async (c) => {
    const { tx, now } = c;
    const peek = await tx.bid.findUnique({ where: { id: bidId }, select: { lead_id: true } });
    if (!peek) return fail("NOT_FOUND", "bid not found");
    await lockLead(tx, peek.lead_id);
    const bid = await tx.bid.findUniqueOrThrow({ where: { id: bidId } });
    const lead = await tx.lead.findUniqueOrThrow({ where: { id: bid.lead_id } });
    if (!windowExpiryDue(bid, lead, now) || !bid.response_window_ends_at) return ok({ expired: false });
    lateSeconds = (now.getTime() - bid.response_window_ends_at.getTime()) / 1000;
    const reach = await decideLeadAnswer(tx, deps.config, lead, bid.contractor_id, now);
    if (reach.status === "not_sent") {
      await markLeadUnreachable(tx, lead, now, { windowBidId: bid.id, alsoTell: bid.contractor_id });
      return ok({ expired: true });
    }
    await tx.bid.update({ where: { id: bid.id }, data: { status: "EXPIRED", strike_applied: true, updated_at: now } });
    const strikesToBan = leadTerms(lead, deps.config).strikesToBan;
    const [before] = await tx.$queryRaw<BanFacts[]>`
      SELECT strike_count, is_bidding_banned FROM users WHERE id = ${bid.contractor_id}::uuid FOR UPDATE`;
    if (!before) throw new Error(`contractor ${bid.contractor_id} of bid ${bid.id} not found`);
    const strike = strikeOutcome(before, strikesToBan);
    await tx.user.update({
      where: { id: bid.contractor_id },
      data: { strike_count: strike.strikeCount, is_bidding_banned: strike.banned, updated_at: now },
    });
    await tx.strikeLog.create({
      data: {
        contractor_id: bid.contractor_id,
        lead_id: bid.lead_id,
        bid_id: bid.id,
        strike_reason: "response_window_expired",
        strike_count_after: strike.strikeCount,
        ban_triggered: strike.banTriggered,
        created_at: now,
      },
    });
    if (strike.banTriggered) {
      await writeAudit(tx, {
        actor: SYSTEM_ACTOR,
        action: "contractor.banned",
        entityType: "user",
        entityId: bid.contractor_id,
        after: { strike_count: strike.strikeCount, bid_id: bid.id },
        at: now,
      });
    }
    await notifyUser(tx, {
      userId: bid.contractor_id,
      leadId: lead.id,
      now,
      dedupeKey: `strike:${bid.id}`,
      notice: {
        kind: "window_expired",
        leadId: lead.id,
        title: lead.title,
        strikeCount: strike.strikeCount,
        strikesToBan,
        banned: strike.banned,
      },
    });
    const next = await tx.bid.findFirst({
      where: { lead_id: lead.id, status: "ACTIVE", bid_rank: { gt: bid.bid_rank ?? 0 } },
      orderBy: { bid_rank: "asc" },
    });
    if (next?.bid_rank) {
      await openWindow(c, deps, lead, next.id, next.bid_rank);
    } else {
      await tx.lead.update({
        where: { id: lead.id },
        data: { status: "EXPIRED", expired_at: now, current_rank: null, updated_at: now },
      });
    }
    return ok({ expired: true });
  });
  if (r.ok && r.value.expired) deps.metrics?.observe("window_expiry_lateness_seconds", lateSeconds);
  return r;
}

/** Warn a contractor shortly before their window ends (once; skipped if they answered). */
export async function warnWindow(deps: CoreDeps, bidId: string): Promise<Result<{ warned: boolean }>> {
  if (!isUuid(bidId)) return fail("NOT_FOUND", "bid not found");
  return transact<{ warned: boolean }>(deps, async ({ tx, now }) => {
    const bid = await tx.bid.findUnique({ where: { id: bidId }, include: { lead: true } });
    if (!bid) return fail("NOT_FOUND", "bid not found");
    const ends = bid.response_window_ends_at;
    if (!windowWarningDue(bid, bid.lead, now, deps.config.marketplace.windowWarningMs) || !ends) {
      return ok({ warned: false });
    }
    const claimed = await tx.bid.updateMany({
      where: { id: bid.id, window_warned_at: null },
      data: { window_warned_at: now },
    });
    if (claimed.count === 0) return ok({ warned: false });
    await notifyUser(tx, {
      userId: bid.contractor_id,
      leadId: bid.lead_id,
      now,
      dedupeKey: `warn:${bid.id}`,
      notice: {
        kind: "window_warning",
        leadId: bid.lead_id,
        bidId: bid.id,
        title: bid.lead.title,
        endsAt: ends.toISOString(),
        minutesLeft: Math.max(1, Math.round((ends.getTime() - now.getTime()) / 60_000)),
      },
    });
    return ok({ warned: true });
  });
}
