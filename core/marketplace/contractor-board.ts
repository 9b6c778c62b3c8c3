import type { CoreDeps } from "../context.js";
import { isUuid } from "../ids.js";
import { leadAddress, leadForViewer } from "./lead-privacy.js";
import { biddingOpen, biddingOpenWhere, leadsMatchingWhere, windowOpenWhere } from "./lead-state.js";
import { loadMarketplaceSettings } from "./settings.service.js";

const LIST_LIMIT = 10;
/** A contractor that does not exist serves no ZIP and no category. */
const NO_WORK = { service_area_zip_codes: [], contractor_categories: [] };

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
  /** Their open response windows, soonest ending first, with the customer they may now call. */
  windows: Array<{ leadId: string; title: string; customerName: string; address: string | null; endsAt: Date }>;
}

/** The lead fields lead-privacy.ts needs to decide and redact. */
const PERSONAL = {
  title: true,
  description: true,
  customer_name: true,
  customer_email: true,
  customer_phone: true,
  metadata: true,
  contacted_by_id: true,
} as const;

/**
 * Open offers, live bids and open windows of one contractor at `now`, each lead as this
 * contractor may see it (lead-privacy.ts): the customer and their address only on a window
 * they hold; offers and waiting bids show the job, with personal details masked in the title.
 */
export async function contractorLeadBoard(deps: CoreDeps, contractorId: string): Promise<LeadBoard> {
  const now = deps.clock.now();
  const viewer = { kind: "contractor" as const, contractorId };
  const me = await deps.prisma.user.findUnique({
    where: { id: contractorId },
    select: { service_area_zip_codes: true, contractor_categories: true },
  });
  const [offers, bids, windows] = await Promise.all([
    deps.prisma.lead.findMany({
      where: {
        AND: [biddingOpenWhere(now), leadsMatchingWhere(me ?? NO_WORK)],
        bids: { none: { contractor_id: contractorId } },
      },
      orderBy: { bidding_closes_at: "asc" },
      take: LIST_LIMIT,
    }),
    deps.prisma.bid.findMany({
      where: { contractor_id: contractorId, status: "ACTIVE" },
      include: { lead: { select: { ...PERSONAL, status: true, bidding_closes_at: true } } },
      orderBy: { bid_placed_at: "desc" },
      take: LIST_LIMIT,
    }),
    deps.prisma.bid.findMany({
      where: { contractor_id: contractorId, ...windowOpenWhere(now) },
      include: { lead: { select: PERSONAL } },
      orderBy: { response_window_ends_at: "asc" },
    }),
  ]);
  return {
    offers: offers.map((l) => ({
      leadId: l.id,
      title: leadForViewer(l, viewer, undefined, now).title,
      zip: l.customer_zip_code,
      closesAt: l.bidding_closes_at ?? now,
    })),
    bids: bids
      .filter((b) => b.lead.status !== "EXPIRED" && b.lead.status !== "ARCHIVED" && b.lead.status !== "CONTACTED")
      .map((b) => ({
        leadId: b.lead_id,
        title: leadForViewer(b.lead, viewer, b, now).title,
        multiplier: Number(b.bid_multiplier),
        amount: b.final_bid_amount.toFixed(2),
        rank: b.bid_rank,
        open: biddingOpen(b.lead, now),
      })),
    windows: windows.map((b) => {
      const lead = leadForViewer(b.lead, viewer, b, now);
      return {
        leadId: b.lead_id,
        title: lead.title,
        customerName: lead.customer_name,
        address: leadAddress(lead.metadata),
        endsAt: b.response_window_ends_at ?? now,
      };
    }),
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
  const [strikes, pending, settings] = await Promise.all([
    deps.prisma.strikeLog.findMany({
      where: { contractor_id: contractorId },
      include: { lead: { select: { title: true } } },
      orderBy: { created_at: "desc" },
      take: 5,
    }),
    deps.prisma.banAppeal.count({ where: { contractor_id: contractorId, status: "PENDING" } }),
    loadMarketplaceSettings(deps.prisma, deps.config),
  ]);
  return {
    strikeCount: user.strike_count,
    strikesToBan: settings.strikesToBan,
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
  return lead !== null && biddingOpen(lead, deps.clock.now());
}
