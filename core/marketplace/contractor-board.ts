import type { CoreDeps } from "../context.js";
import { isUuid } from "../ids.js";

const LIST_LIMIT = 10;

/** A contractor's marketplace at a glance (`/leads` in chat). */
export interface LeadBoard {
  /** Open leads they may bid on and have not yet. */
  offers: Array<{ leadId: string; title: string; zip: string; closesAt: Date }>;
  /** Their bids still in play: bidding open, or ranked and waiting for their turn. */
  bids: Array<{
    leadId: string;
    title: string;
    multiplier: number;
    amount: string;
    rank: number | null;
    open: boolean;
  }>;
  /** Their open response windows, soonest ending first. */
  windows: Array<{ leadId: string; title: string; customerName: string; endsAt: Date }>;
}

/** Open offers, live bids and open windows of one contractor at `now`. */
export async function contractorLeadBoard(deps: CoreDeps, contractorId: string): Promise<LeadBoard> {
  const now = deps.clock.now();
  const me = await deps.prisma.user.findUnique({
    where: { id: contractorId },
    select: { service_area_zip_codes: true, contractor_categories: true },
  });
  const [offers, bids, windows] = await Promise.all([
    deps.prisma.lead.findMany({
      where: {
        status: "ACTIVE",
        bidding_closes_at: { gt: now },
        customer_zip_code: { in: me?.service_area_zip_codes ?? [] },
        category_id: { in: me?.contractor_categories ?? [] },
        bids: { none: { contractor_id: contractorId } },
      },
      orderBy: { bidding_closes_at: "asc" },
      take: LIST_LIMIT,
    }),
    deps.prisma.bid.findMany({
      where: { contractor_id: contractorId, status: "ACTIVE" },
      include: { lead: { select: { title: true, status: true, bidding_closes_at: true } } },
      orderBy: { bid_placed_at: "desc" },
      take: LIST_LIMIT,
    }),
    deps.prisma.bid.findMany({
      where: { contractor_id: contractorId, status: "WON", responded_at: null, response_window_ends_at: { gt: now } },
      include: { lead: { select: { title: true, customer_name: true } } },
      orderBy: { response_window_ends_at: "asc" },
    }),
  ]);
  return {
    offers: offers.map((l) => ({
      leadId: l.id,
      title: l.title,
      zip: l.customer_zip_code,
      closesAt: l.bidding_closes_at ?? now,
    })),
    bids: bids
      .filter((b) => b.lead.status !== "EXPIRED" && b.lead.status !== "ARCHIVED" && b.lead.status !== "CONTACTED")
      .map((b) => ({
        leadId: b.lead_id,
        title: b.lead.title,
        multiplier: Number(b.bid_multiplier),
        amount: b.final_bid_amount.toFixed(2),
        rank: b.bid_rank,
        open: b.lead.status === "ACTIVE" && (b.lead.bidding_closes_at?.getTime() ?? 0) > now.getTime(),
      })),
    windows: windows.map((b) => ({
      leadId: b.lead_id,
      title: b.lead.title,
      customerName: b.lead.customer_name,
      endsAt: b.response_window_ends_at ?? now,
    })),
  };
}

/** A contractor's strikes and ban state (`/strikes` in chat). */
export interface StrikeSummary {
  strikeCount: number;
  strikesToBan: number;
  banned: boolean;
  pendingAppeal: boolean;
  recent: Array<{ title: string; at: Date; banTriggered: boolean }>;
}

/** Strike count, ban, a pending appeal and the last five strikes with their leads. */
export async function contractorStrikes(deps: CoreDeps, contractorId: string): Promise<StrikeSummary | null> {
  const user = await deps.prisma.user.findUnique({
    where: { id: contractorId },
    select: { strike_count: true, is_bidding_banned: true },
  });
  if (!user) return null;
  const [strikes, pending] = await Promise.all([
    deps.prisma.strikeLog.findMany({
      where: { contractor_id: contractorId },
      include: { lead: { select: { title: true } } },
      orderBy: { created_at: "desc" },
      take: 5,
    }),
    deps.prisma.banAppeal.count({ where: { contractor_id: contractorId, status: "PENDING" } }),
  ]);
  return {
    strikeCount: user.strike_count,
    strikesToBan: deps.config.marketplace.strikesToBan,
    banned: user.is_bidding_banned,
    pendingAppeal: pending > 0,
    recent: strikes.map((s) => ({ title: s.lead.title, at: s.created_at, banTriggered: s.ban_triggered })),
  };
}

/** Whether a lead still takes bids at `now` (for asking a custom multiplier only when it does). */
export async function leadOpenForBids(deps: CoreDeps, leadId: string): Promise<boolean> {
  if (!isUuid(leadId)) return false;
  const lead = await deps.prisma.lead.findUnique({
    where: { id: leadId },
    select: { status: true, bidding_closes_at: true },
  });
  return lead?.status === "ACTIVE" && (lead.bidding_closes_at?.getTime() ?? 0) > deps.clock.now().getTime();
}
