/**
 * Whether a marketplace lead's customer can be reached, and what happens when they cannot
 * (DESIGN.md "Unreachable customers"): the lead ends UNREACHABLE, nobody is charged, nobody gets
 * a strike, and the bidders still waiting are told.
 */
import type { Lead } from "../../prisma/generated/client.js";
import type { Config } from "../config/config.js";
import {
  type CustomerFacts,
  type CustomerMessageDecision,
  type CustomerRow,
  decideCustomerMessage,
  factsOf,
  loadCustomerFactsBatch,
  type MessageIntent,
} from "../messaging/customer-message.js";
import { notifyUsers } from "../messaging/outbox.js";
import { candidatesOf, rowAddressWhere } from "../messaging/route-candidates.js";
import { routeAddressKey } from "../messaging/routing.js";
import type { TxCtx } from "../service.js";
import { bumpMetrics } from "./metrics.js";

/** A contractor's words to a lead's customer: a person's free-text answer. */
export const LEAD_ANSWER: MessageIntent = { answer: true, templated: false };

type Tx = TxCtx["tx"];

/** A customer row with nothing known yet: a lead from someone the owner has no record of. */
const UNKNOWN_CUSTOMER = (lead: Lead): CustomerRow => ({
  id: "",
  email: null,
  phone: null,
  opted_out_at: null,
  preferred_contact_method: lead.customer_phone ? "sms" : "email",
  timezone: null,
  quiet_hours_start: null,
  quiet_hours_end: null,
  preferred_contact_times: null,
});

/**
 * The facts of each lead's customer as its `ownerId` would reach them, before anything is written:
 * the owner's existing record of the same person (by phone or e-mail, the oldest first), plus the
 * phone and e-mail the customer gave in the lead — opted out where anyone at that address said
 * STOP. Submitting the lead counts as writing to us (its `created_at`). A fixed number of queries
 * however many leads (the batched window expiry asks for a hundred at a time).
 */
export async function leadCustomerFactsBatch(
  tx: Tx,
  config: Pick<Config, "quietHours" | "defaultTimezone">,
  asked: ReadonlyArray<{ lead: Lead; ownerId: string }>,
): Promise<CustomerFacts[]> {
  const linkedIds = [...new Set(asked.flatMap((a) => (a.lead.customer_id ? [a.lead.customer_id] : [])))];
  const byAddress = asked.filter((a) => !a.lead.customer_id && (a.lead.customer_phone || a.lead.customer_email));
  // One statement after the other: `tx` is a transaction.
  const linked = linkedIds.length > 0 ? await tx.customer.findMany({ where: { id: { in: linkedIds } } }) : [];
  const matched =
    byAddress.length > 0
      ? await tx.customer.findMany({
          where: {
            OR: byAddress.map(({ lead, ownerId }) => ({
              owner_id: ownerId,
              OR: [
                ...(lead.customer_phone ? [{ phone: lead.customer_phone }] : []),
                ...(lead.customer_email ? [{ email: lead.customer_email }] : []),
              ],
            })),
          },
          orderBy: [{ created_at: "asc" }, { id: "asc" }],
        })
      : [];
  const sameOf = (lead: Lead, ownerId: string) =>
    lead.customer_id
      ? linked.find((c) => c.id === lead.customer_id)
      : matched.find(
          (c) =>
            c.owner_id === ownerId &&
            ((lead.customer_phone && c.phone === lead.customer_phone) ||
              (lead.customer_email && c.email === lead.customer_email)),
        );
  const same = asked.map((a) => sameOf(a.lead, a.ownerId));
  const known = await loadCustomerFactsBatch(
    tx,
    [...new Map(same.flatMap((c) => (c ? [[c.id, c]] : []))).values()],
    config,
  );
  const given = asked.map((a) => ({ email: a.lead.customer_email, phone: a.lead.customer_phone }));
  const atLead = given.some((g) => g.email || g.phone)
    ? await tx.channelIdentity.findMany({
        where: rowAddressWhere(given),
        select: { channel: true, address: true, opted_out: true },
      })
    : [];
  return asked.map(({ lead }, i) => {
    const row = same[i];
    const base =
      (row && known.get(row.id)) ||
      factsOf(UNKNOWN_CUSTOMER(lead), [], { lastInboundMessageAt: null, lastLeadAt: null }, config);
    const have = new Set(base.candidates.map((c) => routeAddressKey(c.channel, c.address)));
    const extra = candidatesOf(given[i] ?? { email: null, phone: null }, [], atLead).filter(
      (c) => !have.has(routeAddressKey(c.channel, c.address)),
    );
    const wrote = base.lastWroteAt && base.lastWroteAt > lead.created_at ? base.lastWroteAt : lead.created_at;
    return { ...base, candidates: [...base.candidates, ...extra], lastWroteAt: wrote };
  });
}

/** The facts of one lead's customer as `ownerId` would reach them (see leadCustomerFactsBatch). */
export async function leadCustomerFacts(
  tx: Tx,
  config: Pick<Config, "quietHours" | "defaultTimezone">,
  lead: Lead,
  ownerId: string,
): Promise<CustomerFacts> {
  const [facts] = await leadCustomerFactsBatch(tx, config, [{ lead, ownerId }]);
  return facts as CustomerFacts;
}

/** How `ownerId`'s answer to the lead's customer would go out at `now` (the pure decision). */
export async function decideLeadAnswer(
  tx: Tx,
  config: Pick<Config, "quietHours" | "defaultTimezone">,
  lead: Lead,
  ownerId: string,
  now: Date,
): Promise<CustomerMessageDecision> {
  return decideCustomerMessage(await leadCustomerFacts(tx, config, lead, ownerId), LEAD_ANSWER, now);
}

/**
 * End a lead whose customer cannot be reached: the lead is UNREACHABLE with no rank, the open
 * window is closed at `now` if it was still running (its bid stays WON, unanswered, without a
 * strike — so nobody is charged), the window no longer counts as a won lead in its holder's
 * figures (metrics.ts countsAsWon: the contact rate does not drop for the customer's opt-out),
 * the ranked bids still waiting are LOST, and those bidders plus `alsoTell` (the contractor
 * whose window just ran out) are told in chat.
 */
export async function markLeadUnreachable(
  tx: Tx,
  lead: Lead,
  now: Date,
  opts: { windowBidId: string; alsoTell?: string | null },
): Promise<void> {
  await tx.lead.update({
    where: { id: lead.id },
    data: { status: "UNREACHABLE", current_rank: null, updated_at: now },
  });
  const open = await tx.bid.findUniqueOrThrow({
    where: { id: opts.windowBidId },
    select: { response_window_starts_at: true, response_window_ends_at: true, contractor_id: true },
  });
  if (open.response_window_starts_at) await bumpMetrics(tx, open.contractor_id, { won: -1 }, now);
  // Closed now (a window always ends after it starts, even one closed the instant it opened) —
  // or left at its own end when it ran out before its expiry was handled: never made longer.
  const startMs = open.response_window_starts_at?.getTime() ?? now.getTime() - 1;
  const closedMs = Math.max(now.getTime(), startMs + 1);
  const endMs = Math.min(closedMs, open.response_window_ends_at?.getTime() ?? closedMs);
  await tx.bid.update({
    where: { id: opts.windowBidId },
    data: { response_window_ends_at: new Date(endMs), updated_at: now },
  });
  const waiting = await tx.bid.findMany({
    where: { lead_id: lead.id, status: "ACTIVE", id: { not: opts.windowBidId } },
    select: { id: true, contractor_id: true },
  });
  if (waiting.length > 0) {
    await tx.bid.updateMany({
      where: { id: { in: waiting.map((b) => b.id) } },
      data: { status: "LOST", updated_at: now },
    });
  }
  const told = [
    ...waiting.map((b) => ({ userId: b.contractor_id, bidId: b.id })),
    ...(opts.alsoTell ? [{ userId: opts.alsoTell, bidId: opts.windowBidId }] : []),
  ];
  await notifyUsers(
    tx,
    told.map((t) => ({
      userId: t.userId,
      leadId: lead.id,
      dedupeKey: `unreachable:${t.bidId}`,
      notice: { kind: "lead_lost" as const, leadId: lead.id, title: lead.title, reason: "unreachable" as const },
    })),
    now,
  );
}
