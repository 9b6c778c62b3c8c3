/**
 * Plays one scripted lead (marketplace-plan.ts) with the real rules: final amounts from
 * `finalBidCents`, ranks from `rankBids`, 2-hour windows passed down in turn, and the
 * contractor metrics from core's own recount, so the stored figures equal a recount.
 */
import { minutesToContact, recountMetrics } from "../../core/marketplace/metrics.js";
import { finalBidCents } from "../../core/marketplace/pricing.js";
import { rankBids } from "../../core/marketplace/ranking.js";
import { fromCents } from "../../core/money.js";
import type { BidStatus, LeadStatus, Prisma } from "../generated/client.js";
import { DAY, demoId, HOUR, MINUTE, type SeedContext, shift } from "./kit.js";
import type { LeadPlan } from "./marketplace-plan.js";
import { type ContractorKey, type PersonKey, userId } from "./people.js";
import { LEAD_SOURCES } from "./reference.js";

const RESPONSE_WINDOW_MS = 2 * HOUR;
export const WINDOW_WARNING_MS = 15 * MINUTE;
const ARCHIVE_AFTER_MS = 30 * DAY;
export const STRIKES_TO_BAN = 3;

/** A bid after the script has been played. */
interface SimBid {
  id: string;
  who: ContractorKey;
  m: number;
  discount: number;
  finalCents: number;
  placedAt: Date;
  rank: number | null;
  status: BidStatus;
  windowStart?: Date;
  windowEnd?: Date;
  respondedAt?: Date;
  strike: boolean;
}

/** A lead after the script has been played. */
export interface SimLead {
  plan: LeadPlan;
  id: string;
  createdAt: Date;
  closesAt: Date;
  status: LeadStatus;
  currentRank: number | null;
  bids: SimBid[];
  contactedBy?: ContractorKey;
  contactedAt?: Date;
  expiredAt?: Date;
  archivedAt?: Date;
}

/** The stable id of a demo lead. */
function leadId(key: string): string {
  return demoId(`lead:${key}`);
}

/** The stable id of the customer record created when a demo lead was contacted. */
export function leadCustomerId(key: string): string {
  return demoId(`customer:lead-${key}`);
}

/** Play one lead's script: price, rank, open/expire/answer windows, archive. */
export function simulate(ctx: SeedContext, plan: LeadPlan, discounts: Map<ContractorKey, number>): SimLead {
  const source = LEAD_SOURCES[plan.source];
  const createdAt = shift(ctx.now, -plan.createdAgoMs);
  const closesAt = shift(createdAt, source.windowSeconds * 1000);
  const bids: SimBid[] = plan.bids.map((b) => {
    const discount = discounts.get(b.who) ?? 1;
    return {
      id: demoId(`bid:${plan.key}:${b.who}`),
      who: b.who,
      m: b.m,
      discount,
      finalCents: finalBidCents(source.baseCost, b.m, discount),
      placedAt: shift(createdAt, b.afterMin * MINUTE),
      rank: null,
      status: "ACTIVE",
      strike: false,
    };
  });
  const lead: SimLead = { plan, id: leadId(plan.key), createdAt, closesAt, status: "ACTIVE", currentRank: null, bids };
  const fail = (why: string) => new Error(`demo lead ${plan.key}: ${why}`);
  if (closesAt > ctx.now) {
    if (plan.windows.length > 0) throw fail("windows scripted while bidding is still open");
    return lead;
  }
  if (bids.length === 0) {
    lead.status = "EXPIRED";
    lead.expiredAt = closesAt;
  } else {
    const { ranked, lost } = rankBids(bids);
    for (const l of lost) setBid(bids, l.id, { status: "LOST" });
    for (const [i, r] of ranked.entries()) setBid(bids, r.id, { rank: i + 1 });
    lead.status = "BIDDING_CLOSED";
    let start = closesAt;
    for (const [i, w] of plan.windows.entries()) {
      const bid = bids.find((b) => b.rank === i + 1);
      if (!bid) throw fail(`no bid ranked ${i + 1}`);
      bid.windowStart = start;
      bid.windowEnd = shift(start, RESPONSE_WINDOW_MS);
      lead.currentRank = i + 1;
      const later = bids.filter((b) => b.rank !== null && b.rank > i + 1);
      if (w.kind === "expired") {
        if (bid.windowEnd > ctx.now) throw fail("an expired window ends in the future");
        bid.status = "EXPIRED";
        bid.strike = true;
        start = bid.windowEnd;
        if (later.length === 0) {
          lead.status = "EXPIRED";
          lead.expiredAt = bid.windowEnd;
        }
      } else if (w.kind === "responded") {
        bid.status = "WON";
        bid.respondedAt = shift(start, w.afterMin * MINUTE);
        lead.status = "CONTACTED";
        lead.contactedBy = bid.who;
        lead.contactedAt = bid.respondedAt;
        lead.currentRank = null;
        for (const b of later) b.status = "LOST";
        break;
      } else {
        if (bid.windowEnd <= ctx.now) throw fail("an open window has already ended");
        bid.status = "WON";
        lead.status = `PENDING_RESPONSE_${i + 1}` as LeadStatus;
        break;
      }
    }
    if (lead.status === "BIDDING_CLOSED") throw fail("script ends before the lead settles");
  }
  if (plan.winner !== lead.contactedBy) throw fail(`expected ${plan.winner} to make contact, got ${lead.contactedBy}`);
  if (plan.archived) {
    if (createdAt.getTime() > ctx.now.getTime() - ARCHIVE_AFTER_MS) throw fail("archived but younger than 30 days");
    lead.status = "ARCHIVED";
    lead.currentRank = null;
    lead.archivedAt = shift(createdAt, ARCHIVE_AFTER_MS);
  }
  return lead;
}

function setBid(bids: SimBid[], id: string, patch: Partial<SimBid>): void {
  const bid = bids.find((b) => b.id === id);
  if (bid) Object.assign(bid, patch);
}

/** Contractor metrics exactly as core's recount of the bids gives them. */
export function metricsFor(
  ctx: SeedContext,
  who: PersonKey,
  leads: SimLead[],
): Prisma.ContractorMetricsCreateManyInput {
  const mine = leads.flatMap((l) => l.bids.filter((b) => b.who === who));
  const facts = mine.map((b) => ({
    final_bid_amount: fromCents(b.finalCents),
    response_window_starts_at: b.windowStart ?? null,
    responded_at: b.respondedAt ?? null,
  }));
  const m = recountMetrics(facts);
  const totalMinutes = mine.reduce(
    (a, b) => a + (b.windowStart && b.respondedAt ? minutesToContact(b.windowStart, b.respondedAt) : 0),
    0,
  );
  return {
    id: demoId(`metrics:${who}`),
    contractor_id: userId(who),
    total_bids_placed: m.total_bids_placed,
    total_leads_won: m.total_leads_won,
    total_leads_contacted: m.total_leads_contacted,
    contact_rate: m.contact_rate.toFixed(2),
    avg_time_to_contact_minutes: m.avg_time_to_contact_minutes,
    total_minutes_to_contact: totalMinutes,
    total_spent: fromCents(m.total_spent_cents),
    updated_at: ctx.now,
  };
}
