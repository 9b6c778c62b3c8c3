import type { Lead, LeadStatus } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { customerFromLead } from "../crm/customer-from-lead.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { enqueue, notifyUser, notifyUsers } from "../messaging/outbox.js";
import { routeCandidates } from "../messaging/route-candidates.js";
import { chooseRoute } from "../messaging/routing.js";
import { toCents } from "../money.js";
import { lockLead, type TxCtx, transact } from "../service.js";
import { bumpMetrics, minutesToContact } from "./metrics.js";
import { wakeKey } from "./wakeups.js";

export const MAX_MESSAGE_CHARS = 5000;

const pendingStatus = (rank: number) => `PENDING_RESPONSE_${rank}` as LeadStatus;

/**
 * Open rank N's exclusive response window (inside the caller's transaction): the bid is WON
 * (counted in `total_leads_won`), the lead goes PENDING_RESPONSE_N, the contractor is told with
 * the customer's details, and the expiry and 15-minute warning are scheduled.
 */
export async function openWindow(c: TxCtx, deps: CoreDeps, lead: Lead, bidId: string, rank: number): Promise<void> {
  const { tx, now } = c;
  const endsAt = new Date(now.getTime() + deps.config.marketplace.responseWindowMs);
  const bid = await tx.bid.update({
    where: { id: bidId },
    data: { status: "WON", response_window_starts_at: now, response_window_ends_at: endsAt, updated_at: now },
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
  const warnAt = endsAt.getTime() - deps.config.marketplace.windowWarningMs;
  if (warnAt > now.getTime()) c.wake(wakeKey("warn", bid.id), new Date(warnAt));
}

/**
 * A contractor's message to a lead's customer. The first message inside their open window is
 * the contact: the lead is CONTACTED, a `contacted` conversion is recorded, the contractor is
 * charged the final bid amount, the other ranked bids are LOST and the customer becomes the
 * contractor's customer record. After contact, the winner's messages are simply relayed.
 */
export async function sendLeadMessage(
  deps: CoreDeps,
  input: { leadId: string; contractorId: string; text: string; automated?: boolean },
): Promise<Result<{ messageId: string; contacted: boolean; customerId: string }>> {
  const text = input.text.trim();
  if (text.length === 0)
    return fail("VALIDATION_FAILED", "message_text must not be empty", [{ field: "message_text" }]);
  if (text.length > MAX_MESSAGE_CHARS) {
    return fail("MESSAGE_TOO_LONG", `message_text must be at most ${MAX_MESSAGE_CHARS} characters`, {
      max: MAX_MESSAGE_CHARS,
      length: text.length,
    });
  }
  if (!isUuid(input.contractorId)) return fail("NOT_FOUND", "contractor not found");
  return transact(deps, async ({ tx, now }) => {
    if (!(await lockLead(tx, input.leadId))) return fail("NOT_FOUND", "lead not found");
    const lead = await tx.lead.findUniqueOrThrow({ where: { id: input.leadId } });
    const bid = await tx.bid.findUnique({
      where: { lead_id_contractor_id: { lead_id: lead.id, contractor_id: input.contractorId } },
    });
    let contacted = false;
    let customerId: string;
    if (lead.status === "CONTACTED" && lead.contacted_by_id === input.contractorId && lead.customer_id) {
      customerId = lead.customer_id;
    } else {
      const open =
        bid?.status === "WON" &&
        !bid.responded_at &&
        bid.response_window_ends_at !== null &&
        bid.response_window_ends_at > now &&
        lead.status === pendingStatus(bid.bid_rank ?? 0);
      if (!bid || !open) {
        const ended = bid?.response_window_ends_at && bid.response_window_ends_at <= now;
        return fail(
          ended ? "BID_WINDOW_CLOSED" : "NO_OPEN_WINDOW",
          ended ? "your response window for this lead has ended" : "you have no open response window on this lead",
        );
      }
      const starts = bid.response_window_starts_at ?? now;
      await tx.bid.update({ where: { id: bid.id }, data: { responded_at: now, updated_at: now } });
      const customer = await customerFromLead(tx, lead, input.contractorId, now);
      customerId = customer.id;
      await tx.lead.update({
        where: { id: lead.id },
        data: {
          status: "CONTACTED",
          contacted_at: now,
          contacted_by_id: input.contractorId,
          customer_id: customer.id,
          current_rank: null,
          updated_at: now,
        },
      });
      await tx.conversion.create({
        data: { lead_id: lead.id, contractor_id: input.contractorId, conversion_type: "contacted", converted_at: now },
      });
      await bumpMetrics(
        tx,
        input.contractorId,
        { contacted: 1, minutesToContact: minutesToContact(starts, now), spentCents: toCents(bid.final_bid_amount) },
        now,
      );
      const others = await tx.bid.findMany({ where: { lead_id: lead.id, status: "ACTIVE", id: { not: bid.id } } });
      if (others.length > 0) {
        await tx.bid.updateMany({
          where: { id: { in: others.map((o) => o.id) } },
          data: { status: "LOST", updated_at: now },
        });
        await notifyUsers(
          tx,
          others.map((o) => ({
            userId: o.contractor_id,
            leadId: lead.id,
            dedupeKey: `lost:${o.id}`,
            notice: { kind: "lead_lost" as const, leadId: lead.id, title: lead.title, reason: "taken" as const },
          })),
          now,
        );
      }
      await notifyUser(tx, {
        userId: input.contractorId,
        leadId: lead.id,
        now,
        notice: {
          kind: "lead_contacted",
          leadId: lead.id,
          title: lead.title,
          amount: bid.final_bid_amount.toString(),
          customerId: customer.id,
        },
      });
      contacted = true;
    }
    const message = await tx.message.create({
      data: {
        lead_id: lead.id,
        customer_id: customerId,
        sender_id: input.contractorId,
        direction: "outbound",
        is_automated: input.automated ?? false,
        message_text: text,
        sent_at: now,
        created_at: now,
      },
    });
    await relayToCustomer(tx, { customerId, leadId: lead.id, text, fromUserId: input.contractorId, now });
    await tx.customer.update({ where: { id: customerId }, data: { last_contacted_at: now, last_activity_at: now } });
    return ok({ messageId: message.id, contacted, customerId });
  });
}

/** Queue a contractor's words to their customer on the customer's best reachable channel. */
async function relayToCustomer(
  tx: TxCtx["tx"],
  input: { customerId: string; leadId: string; text: string; fromUserId: string; now: Date },
): Promise<void> {
  const customer = await tx.customer.findUniqueOrThrow({ where: { id: input.customerId } });
  if (customer.opted_out_at) return;
  const from = await tx.user.findUniqueOrThrow({
    where: { id: input.fromUserId },
    select: { name: true, company_name: true },
  });
  const fromName = from.company_name ?? from.name;
  // Free text, not a template: WhatsApp carries it only inside the customer's 24-hour window.
  const route = chooseRoute({
    customerOptedOut: false,
    preferred: customer.preferred_contact_method,
    candidates: await routeCandidates(tx, customer),
    now: input.now,
    templated: false,
  });
  if (!route.ok) return;
  const identity = { id: route.identityId, channel: route.channel, address: route.address };
  await enqueue(tx, {
    channel: identity.channel,
    to_address: identity.address,
    identity_id: identity.id,
    customer_id: customer.id,
    lane: "transactional",
    kind: "relay",
    subject: identity.channel === "email" ? `Message from ${fromName}` : null,
    body: input.text,
    payload: { kind: "relay", text: input.text, fromName },
    next_attempt_at: input.now,
    lead_id: input.leadId,
  });
}

/**
 * A response window ran out unanswered: the bid is EXPIRED, exactly one strike is logged (the
 * strike log is unique per bid), the contractor is banned at the threshold, and the next
 * ranked bid's window opens — or, after the last one, the lead is EXPIRED. Idempotent.
 */
export async function expireWindow(deps: CoreDeps, bidId: string): Promise<Result<{ expired: boolean }>> {
  if (!isUuid(bidId)) return fail("NOT_FOUND", "bid not found");
  return transact<{ expired: boolean }>(deps, async (c) => {
    const { tx, now } = c;
    const peek = await tx.bid.findUnique({ where: { id: bidId }, select: { lead_id: true } });
    if (!peek) return fail("NOT_FOUND", "bid not found");
    await lockLead(tx, peek.lead_id);
    const bid = await tx.bid.findUniqueOrThrow({ where: { id: bidId } });
    if (
      bid.status !== "WON" ||
      bid.responded_at ||
      bid.strike_applied ||
      !bid.response_window_ends_at ||
      bid.response_window_ends_at > now
    ) {
      return ok({ expired: false });
    }
    await tx.bid.update({ where: { id: bid.id }, data: { status: "EXPIRED", strike_applied: true, updated_at: now } });
    const strikesToBan = deps.config.marketplace.strikesToBan;
    const [user] = await tx.$queryRaw<Array<{ strike_count: number; is_bidding_banned: boolean; was_banned: boolean }>>`
      UPDATE users u SET strike_count = u.strike_count + 1,
        is_bidding_banned = u.is_bidding_banned OR u.strike_count + 1 >= ${strikesToBan},
        updated_at = ${now}
      FROM (SELECT id, is_bidding_banned AS was_banned FROM users WHERE id = ${bid.contractor_id}::uuid FOR UPDATE) o
      WHERE u.id = o.id
      RETURNING u.strike_count, u.is_bidding_banned, o.was_banned`;
    const strikeCount = user?.strike_count ?? 0;
    const banTriggered = Boolean(user?.is_bidding_banned && !user.was_banned);
    await tx.strikeLog.create({
      data: {
        contractor_id: bid.contractor_id,
        lead_id: bid.lead_id,
        bid_id: bid.id,
        strike_reason: "response_window_expired",
        strike_count_after: strikeCount,
        ban_triggered: banTriggered,
        created_at: now,
      },
    });
    if (banTriggered) {
      await tx.auditLog.create({
        data: {
          actor_kind: "system",
          action: "contractor.banned",
          entity_type: "user",
          entity_id: bid.contractor_id,
          after: { strike_count: strikeCount, bid_id: bid.id },
          created_at: now,
        },
      });
    }
    const lead = await tx.lead.findUniqueOrThrow({ where: { id: bid.lead_id } });
    await notifyUser(tx, {
      userId: bid.contractor_id,
      leadId: lead.id,
      now,
      dedupeKey: `strike:${bid.id}`,
      notice: {
        kind: "window_expired",
        leadId: lead.id,
        title: lead.title,
        strikeCount,
        strikesToBan,
        banned: user?.is_bidding_banned ?? false,
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
}

/** Warn a contractor shortly before their window ends (once; skipped if they answered). */
export async function warnWindow(deps: CoreDeps, bidId: string): Promise<Result<{ warned: boolean }>> {
  if (!isUuid(bidId)) return fail("NOT_FOUND", "bid not found");
  return transact<{ warned: boolean }>(deps, async ({ tx, now }) => {
    const bid = await tx.bid.findUnique({ where: { id: bidId }, include: { lead: true } });
    if (!bid) return fail("NOT_FOUND", "bid not found");
    const ends = bid.response_window_ends_at;
    if (bid.status !== "WON" || bid.responded_at || bid.window_warned_at || !ends || ends <= now) {
      return ok({ warned: false });
    }
    if (ends.getTime() - now.getTime() > deps.config.marketplace.windowWarningMs) return ok({ warned: false });
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
