/**
 * A marketplace lead's state as pure rules (DESIGN.md "Domain rules → Marketplace"): whether
 * bidding is open or due to close, whether a response window is open or its expiry or warning
 * is due, whether a contractor may bid, what a strike does and what an unban undoes. Each rule
 * is a predicate of plain data and `now`, with its Prisma `where` twin right beside it so a
 * query finds exactly the rows the predicate accepts (tests/marketplace/lead-state.test.ts
 * checks each pair on generated rows). Every service reads the rule from here.
 */
import type { BidStatus, LeadStatus } from "../../prisma/generated/client.js";
import type { Prisma } from "../db.js";
import { RANKED_BIDS } from "./ranking.js";

// ── bidding ──────────────────────────────────────────────────────────────────────────────

/** The lead columns the bidding rules read. */
export interface BiddingFacts {
  status: LeadStatus | string;
  bidding_closes_at: Date | null;
}

/**
 * Bids are taken while the lead is ACTIVE and before `bidding_closes_at` (the per-source
 * bidding window): a bid at or after the close would race the ranking, so it is refused even
 * when the close has not been processed yet.
 */
export function biddingOpen(lead: BiddingFacts, now: Date): boolean {
  return lead.status === "ACTIVE" && lead.bidding_closes_at !== null && lead.bidding_closes_at > now;
}

/** The `where` twin of biddingOpen: leads that take bids at `now`. */
export function biddingOpenWhere(now: Date): Prisma.LeadWhereInput {
  return { status: "ACTIVE", bidding_closes_at: { gt: now } };
}

/**
 * The bidding window of an ACTIVE lead has passed and it is waiting to be ranked (closeBidding):
 * the complement of biddingOpen among ACTIVE leads, so no lead is ever both biddable and due.
 */
export function biddingCloseDue(lead: BiddingFacts, now: Date): boolean {
  return lead.status === "ACTIVE" && lead.bidding_closes_at !== null && lead.bidding_closes_at <= now;
}

/** The `where` twin of biddingCloseDue: ACTIVE leads whose bidding window has passed. */
export function biddingCloseDueWhere(now: Date): Prisma.LeadWhereInput {
  return { status: "ACTIVE", bidding_closes_at: { lte: now } };
}

// ── response windows ─────────────────────────────────────────────────────────────────────

/** The lead status while rank N's exclusive window runs. */
export function pendingStatus(rank: number): LeadStatus {
  return `PENDING_RESPONSE_${rank}` as LeadStatus;
}

/** The ranks that can hold a window (ranking gives ranks 1–3). */
const WINDOW_RANKS = Array.from({ length: RANKED_BIDS }, (_, i) => i + 1);

/** The statuses of a lead whose customer waits on a ranked contractor's window. */
export const PENDING_STATUSES: readonly LeadStatus[] = WINDOW_RANKS.map(pendingStatus);

/** The bid columns the window rules read. */
export interface WindowBidFacts {
  status: BidStatus | string;
  bid_rank: number | null;
  response_window_starts_at: Date | null;
  response_window_ends_at: Date | null;
  responded_at: Date | null;
}

/**
 * The lead is waiting on this bid's turn: it shows PENDING_RESPONSE_N for the bid's rank N. A
 * lead that moved on — contacted, expired, unreachable, archived — waits on nobody, so no
 * deadline of an older window may act on it any more.
 */
export function leadWaitsOn(bid: Pick<WindowBidFacts, "bid_rank">, lead: { status: LeadStatus | string }): boolean {
  return bid.bid_rank !== null && WINDOW_RANKS.includes(bid.bid_rank) && lead.status === pendingStatus(bid.bid_rank);
}

/** The `where` twin of leadWaitsOn (on bids): the bid's lead shows PENDING_RESPONSE_<its rank>. */
export function leadWaitsOnWhere(): Prisma.BidWhereInput {
  return { OR: WINDOW_RANKS.map((rank) => ({ bid_rank: rank, lead: { status: pendingStatus(rank) } })) };
}

/**
 * A bid's window is running at `now`: it won the turn (WON), has not answered, and `now` is in
 * [start, end). Only the bid is read — what the holder's own chat countdown and the privacy rule
 * (lead-privacy.ts) need; whether the lead still waits on it is windowOpen's part.
 */
export function windowRunning(bid: Omit<WindowBidFacts, "bid_rank">, now: Date): boolean {
  return (
    bid.status === "WON" &&
    bid.responded_at === null &&
    bid.response_window_starts_at !== null &&
    bid.response_window_starts_at <= now &&
    bid.response_window_ends_at !== null &&
    bid.response_window_ends_at > now
  );
}

/** The `where` twin of windowRunning. */
export function windowRunningWhere(now: Date): Prisma.BidWhereInput {
  return {
    status: "WON",
    responded_at: null,
    response_window_starts_at: { lte: now },
    response_window_ends_at: { gt: now },
  };
}

/**
 * A contractor holds the lead's open response window at `now`: their bid's window is running
 * and the lead waits on their rank. Only then is their first message the contact that charges
 * them the bid (sendLeadMessage); one open window per lead, so the customer is called by one
 * contractor at a time.
 */
export function windowOpen(bid: WindowBidFacts, lead: { status: LeadStatus | string }, now: Date): boolean {
  return windowRunning(bid, now) && leadWaitsOn(bid, lead);
}

/** The `where` twin of windowOpen (on bids). */
export function windowOpenWhere(now: Date): Prisma.BidWhereInput {
  return { AND: [windowRunningWhere(now), leadWaitsOnWhere()] };
}

/** The bid columns the window deadlines read. */
export interface WindowDeadlineFacts extends WindowBidFacts {
  strike_applied: boolean;
  window_warn_at: Date | null;
  window_warned_at: Date | null;
}

/**
 * A window ran out unanswered and its expiry (the strike, the next rank's turn) is due: the bid
 * is WON, not answered, not struck yet, its end is at or before `now`, and the lead still waits
 * on it. A lead that ended otherwise (UNREACHABLE: nobody could have answered) is never struck.
 */
export function windowExpiryDue(bid: WindowDeadlineFacts, lead: { status: LeadStatus | string }, now: Date): boolean {
  return (
    bid.status === "WON" &&
    bid.responded_at === null &&
    !bid.strike_applied &&
    bid.response_window_ends_at !== null &&
    bid.response_window_ends_at <= now &&
    leadWaitsOn(bid, lead)
  );
}

/** The `where` twin of windowExpiryDue (on bids). */
export function windowExpiryDueWhere(now: Date): Prisma.BidWhereInput {
  return {
    AND: [
      { status: "WON", responded_at: null, strike_applied: false, response_window_ends_at: { lte: now } },
      leadWaitsOnWhere(),
    ],
  };
}

/**
 * When a window's "ends soon" warning is due: its own `window_warn_at` (set from the lead's
 * terms when it opened), else — for windows opened before that was stored — `warningMs` before
 * the end.
 */
function warnAtOf(bid: WindowDeadlineFacts, warningMs: number): Date | null {
  if (bid.window_warn_at) return bid.window_warn_at;
  return bid.response_window_ends_at ? new Date(bid.response_window_ends_at.getTime() - warningMs) : null;
}

/**
 * The holder should be warned that their window ends soon: the window is still running for a
 * lead that waits on it, nobody warned yet, and the warning time has come. Once only — a
 * contractor who answered or whose window ended needs no warning.
 */
export function windowWarningDue(
  bid: WindowDeadlineFacts,
  lead: { status: LeadStatus | string },
  now: Date,
  warningMs: number,
): boolean {
  const warnAt = warnAtOf(bid, warningMs);
  return (
    bid.status === "WON" &&
    bid.responded_at === null &&
    bid.window_warned_at === null &&
    bid.response_window_ends_at !== null &&
    bid.response_window_ends_at > now &&
    warnAt !== null &&
    warnAt <= now &&
    leadWaitsOn(bid, lead)
  );
}

/** The `where` twin of windowWarningDue (on bids). */
export function windowWarningDueWhere(now: Date, warningMs: number): Prisma.BidWhereInput {
  return {
    AND: [
      { status: "WON", responded_at: null, window_warned_at: null, response_window_ends_at: { gt: now } },
      {
        OR: [
          { window_warn_at: { lte: now } },
          { window_warn_at: null, response_window_ends_at: { lte: new Date(now.getTime() + warningMs) } },
        ],
      },
      leadWaitsOnWhere(),
    ],
  };
}

// ── who may bid ──────────────────────────────────────────────────────────────────────────

/** The lead columns matching reads. */
export interface LeadPlace {
  customer_zip_code: string;
  category_id: string;
}

/** The contractor columns matching and eligibility read. */
export interface ContractorFacts {
  role: string;
  account_status: string;
  is_bidding_banned: boolean;
  service_area_zip_codes: readonly string[];
  contractor_categories: readonly string[];
}

/**
 * A lead is in a contractor's line of work: its ZIP is one of their service ZIPs and its
 * category one of theirs. Contractors only hear of jobs they can do where they work.
 */
export function leadMatchesContractor(
  lead: LeadPlace,
  contractor: Pick<ContractorFacts, "service_area_zip_codes" | "contractor_categories">,
): boolean {
  return (
    contractor.service_area_zip_codes.includes(lead.customer_zip_code) &&
    contractor.contractor_categories.includes(lead.category_id)
  );
}

/** The `where` twin of leadMatchesContractor (on leads): the leads in this contractor's ZIPs and categories. */
export function leadsMatchingWhere(
  contractor: Pick<ContractorFacts, "service_area_zip_codes" | "contractor_categories">,
): Prisma.LeadWhereInput {
  return {
    customer_zip_code: { in: [...contractor.service_area_zip_codes] },
    category_id: { in: [...contractor.contractor_categories] },
  };
}

/**
 * A contractor may bid on (and is offered) a lead: a contractor whose account is active, who is
 * not bidding-banned (three missed windows — DESIGN.md), and whom the lead matches. A pending or
 * disabled account, or a banned one, hears of no lead until an admin acts.
 */
export function eligibleToBid(contractor: ContractorFacts, lead: LeadPlace): boolean {
  return (
    contractor.role === "contractor" &&
    contractor.account_status === "active" &&
    !isBiddingBanned(contractor) &&
    leadMatchesContractor(lead, contractor)
  );
}

/** The `where` twin of eligibleToBid (on users): every contractor who may bid on the lead. */
export function eligibleBiddersWhere(lead: LeadPlace): Prisma.UserWhereInput {
  return {
    role: "contractor",
    account_status: "active",
    ...notBiddingBannedWhere(),
    service_area_zip_codes: { has: lead.customer_zip_code },
    contractor_categories: { has: lead.category_id },
  };
}

// ── strikes and bans ─────────────────────────────────────────────────────────────────────

/** A contractor's strike and ban columns. */
export interface BanFacts {
  strike_count: number;
  is_bidding_banned: boolean;
}

/** The contractor is banned from bidding (they may still answer windows they hold and appeal). */
export function isBiddingBanned(user: Pick<BanFacts, "is_bidding_banned">): boolean {
  return user.is_bidding_banned;
}

/** The `where` twin of `!isBiddingBanned`: contractors free to bid. */
export function notBiddingBannedWhere(): Prisma.UserWhereInput {
  return { is_bidding_banned: false };
}

/**
 * What one strike (a window that ran out unanswered) does: the count goes up by one, and at
 * `strikesToBan` the contractor is bidding-banned. `banTriggered` only on the strike that
 * bans — a contractor already banned stays banned without a second "banned" notice.
 */
export function strikeOutcome(
  user: BanFacts,
  strikesToBan: number,
): { strikeCount: number; banned: boolean; banTriggered: boolean } {
  const strikeCount = user.strike_count + 1;
  const banned = user.is_bidding_banned || strikeCount >= strikesToBan;
  return { strikeCount, banned, banTriggered: banned && !user.is_bidding_banned };
}

/**
 * What an unban (an admin's by hand, or an approved appeal) sets: not banned, and strikes back
 * to 0 — with the old count kept, the next missed window would ban again at once.
 */
export function unbannedState(): BanFacts {
  return { strike_count: 0, is_bidding_banned: false };
}
