/**
 * A contractor's answer to a lead's customer: the first message inside their open response
 * window is the contact (and the charge); after contact, the winner's messages are relayed.
 */
import type { Bid, Lead } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { customerFromLead } from "../crm/customer-from-lead.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notSentFailure, relayContent } from "../messaging/conversation.service.js";
import {
  type CustomerMessageDecision,
  type CustomerMessageOutcome,
  decideCustomerMessage,
  loadCustomerFacts,
  type NotSentReason,
  queueCustomerMessage,
} from "../messaging/customer-message.js";
import { notifyUser, notifyUsers } from "../messaging/outbox.js";
import { toCents } from "../money.js";
import { lockLead, type TxCtx, transact } from "../service.js";
import { decideLeadAnswer, LEAD_ANSWER, markLeadUnreachable } from "./lead-reach.js";
import { windowOpen } from "./lead-state.js";
import { bumpMetrics, minutesToContact } from "./metrics.js";

export const MAX_MESSAGE_CHARS = 5000;

/** What a contractor's message to a lead's customer did. */
export interface LeadMessageSent {
  messageId: string;
  contacted: boolean;
  customerId: string;
  /** How the words go out (core/messaging/customer-message.ts): queued now, or deferred until a time. */
  delivery: CustomerMessageOutcome;
}

/**
 * A contractor's message to a lead's customer; it goes out through the one customer-message path
 * (opt-outs, routing, quiet hours with the "customer wrote within the hour" exception — a lead
 * they submitted counts as writing). The first message inside their open window is the contact:
 * the lead is CONTACTED, a `contacted` conversion is recorded, the contractor is charged the
 * final bid amount, the other ranked bids are LOST and the customer becomes the contractor's
 * customer record. A customer nobody can reach (opted out everywhere, no usable address) cannot
 * be contacted: the answer is refused with CUSTOMER_UNREACHABLE, nothing is charged, no strike
 * is given, and the lead ends UNREACHABLE with its bidders told. After contact, the winner's
 * messages are relayed — or refused (CUSTOMER_OPTED_OUT / CUSTOMER_UNREACHABLE) when they can no
 * longer be delivered; nothing is reported as sent that was not queued.
 */
export async function sendLeadMessage(
  deps: CoreDeps,
  input: { leadId: string; contractorId: string; text: string; automated?: boolean },
): Promise<Result<LeadMessageSent>> {
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
  const r = await transact<LeadMessageSent | { unreachable: NotSentReason }>(deps, async ({ tx, now }) => {
    if (!(await lockLead(tx, input.leadId))) return fail("NOT_FOUND", "lead not found");
    const lead = await tx.lead.findUniqueOrThrow({ where: { id: input.leadId } });
    const bid = await tx.bid.findUnique({
      where: { lead_id_contractor_id: { lead_id: lead.id, contractor_id: input.contractorId } },
    });
    let contacted = false;
    let customerId: string;
    let decision: CustomerMessageDecision;
    if (lead.status === "CONTACTED" && lead.contacted_by_id === input.contractorId && lead.customer_id) {
      customerId = lead.customer_id;
      const customer = await tx.customer.findUniqueOrThrow({ where: { id: customerId } });
      decision = decideCustomerMessage(await loadCustomerFacts(tx, customer, deps.config), LEAD_ANSWER, now);
      if (decision.status === "not_sent") return notSentFailure(decision.reason);
    } else {
      if (!bid || !windowOpen(bid, lead, now)) {
        const ended = bid?.response_window_ends_at && bid.response_window_ends_at <= now;
        return fail(
          ended ? "BID_WINDOW_CLOSED" : "NO_OPEN_WINDOW",
          ended ? "your response window for this lead has ended" : "you have no open response window on this lead",
        );
      }
      // Can the customer be reached at all? If not, nobody may be charged for this lead.
      decision = await decideLeadAnswer(tx, deps.config, lead, input.contractorId, now);
      if (decision.status === "not_sent") {
        await markLeadUnreachable(tx, lead, now, { windowBidId: bid.id });
        return ok({ unreachable: decision.reason });
      }
      customerId = await takeContact(tx, lead, bid, now);
      contacted = true;
    }
    const message = await tx.message.create({
      data: {
        lead_id: lead.id,
        customer_id: customerId,
        sender_id: input.contractorId,
        direction: "outbound",
        is_automated: input.automated ?? false,
        channel: decision.channel,
        message_text: text,
        sent_at: now,
        created_at: now,
      },
    });
    const from = await tx.user.findUniqueOrThrow({
      where: { id: input.contractorId },
      select: { name: true, company_name: true },
    });
    const delivery = await queueCustomerMessage(tx, {
      customerId,
      decision,
      now,
      content: relayContent({
        text,
        fromName: from.company_name || from.name,
        channel: decision.channel,
        leadId: lead.id,
        messageId: message.id,
      }),
    });
    await tx.customer.update({ where: { id: customerId }, data: { last_contacted_at: now, last_activity_at: now } });
    return ok({ messageId: message.id, contacted, customerId, delivery });
  });
  if (!r.ok) return r;
  if ("unreachable" in r.value) {
    return fail(
      "CUSTOMER_UNREACHABLE",
      "the customer cannot be reached on any channel: the lead is closed, nobody is charged",
      {
        reason: r.value.unreachable,
        lead_status: "UNREACHABLE",
      },
    );
  }
  return ok(r.value);
}

/**
 * The contact, inside the answer's transaction: the bid is answered, the customer becomes the
 * contractor's record, the lead is CONTACTED with a `contacted` conversion, the contractor is
 * charged the final bid amount, the other ranked bids are LOST (and told) and the contractor is
 * told what it cost. Returns the customer's id.
 */
async function takeContact(tx: TxCtx["tx"], lead: Lead, bid: Bid, now: Date): Promise<string> {
  const contractorId = bid.contractor_id;
  const starts = bid.response_window_starts_at ?? now;
  await tx.bid.update({ where: { id: bid.id }, data: { responded_at: now, updated_at: now } });
  const customer = await customerFromLead(tx, lead, contractorId, now);
  await tx.lead.update({
    where: { id: lead.id },
    data: {
      status: "CONTACTED",
      contacted_at: now,
      contacted_by_id: contractorId,
      customer_id: customer.id,
      current_rank: null,
      updated_at: now,
    },
  });
  await tx.conversion.create({
    data: { lead_id: lead.id, contractor_id: contractorId, conversion_type: "contacted", converted_at: now },
  });
  await bumpMetrics(
    tx,
    contractorId,
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
    userId: contractorId,
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
  return customer.id;
}
