import type { ApiScope } from "../accounts/api-key.service.js";
import { canSee, ownersOf, soleOwner } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import type { Prisma } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { paginate } from "../paging.js";
import { type LeadViewer, leadForViewer } from "./lead-privacy.js";
import { leadsMatchingWhere } from "./lead-state.js";

export interface LeadFilter {
  status?: string;
  category?: string;
  zip?: string;
  page: number;
  per_page: number;
}

/**
 * The viewer an API scope stands for (lead-privacy.ts decides what each one may see). A team
 * sees a lead as the member it matters to: the one who contacted the customer, else the member
 * whose response window was opened last (a team is let in exactly when that member is).
 */
function viewerOf(
  scope: ApiScope,
  lead?: {
    contacted_by_id?: string | null;
    bids: Array<{ contractor_id: string; response_window_starts_at: Date | null }>;
  },
): LeadViewer {
  const owners = ownersOf(scope);
  if (owners === undefined) return { kind: "admin" };
  const one = soleOwner(scope);
  if (one !== undefined || !lead) return { kind: "contractor", contractorId: one ?? "" };
  if (lead.contacted_by_id && owners.includes(lead.contacted_by_id))
    return { kind: "contractor", contractorId: lead.contacted_by_id };
  const turns = lead.bids
    .filter((b) => owners.includes(b.contractor_id) && b.response_window_starts_at)
    .sort((a, b) => (b.response_window_starts_at?.getTime() ?? 0) - (a.response_window_starts_at?.getTime() ?? 0));
  return { kind: "contractor", contractorId: turns[0]?.contractor_id ?? "" };
}

/**
 * Leads a contractor (or a team: any of its members) may see: the ones they bid on, and the
 * open ones matching their ZIPs and categories.
 */
async function contractorLeads(deps: CoreDeps, contractorIds: readonly string[]): Promise<Prisma.LeadWhereInput> {
  const people = await deps.prisma.user.findMany({
    where: { id: { in: [...contractorIds] } },
    select: { service_area_zip_codes: true, contractor_categories: true },
  });
  return {
    OR: [
      { bids: { some: { contractor_id: { in: [...contractorIds] } } } },
      // Still ACTIVE (bidding open, or closed a moment ago and not yet ranked) and in their line of work.
      ...people.map((me) => ({ status: "ACTIVE" as const, ...leadsMatchingWhere(me) })),
    ],
  };
}

async function leadWhereFor(deps: CoreDeps, scope: ApiScope, f: LeadFilter): Promise<Prisma.LeadWhereInput> {
  const where: Prisma.LeadWhereInput = {};
  if (f.status) where.status = f.status as Prisma.LeadWhereInput["status"];
  if (f.category) where.category = isUuid(f.category) ? { id: f.category } : { slug: f.category };
  if (f.zip) where.customer_zip_code = f.zip;
  const own = ownersOf(scope);
  return own === undefined ? where : { AND: [where, await contractorLeads(deps, own)] };
}

type LeadRow = Prisma.LeadGetPayload<{ include: { category: true; bids: true } }>;

function present(lead: LeadRow, scope: ApiScope, now: Date) {
  const { bids, category, dedupe_key: _d, ...rest } = lead;
  const viewer = viewerOf(scope, lead);
  const me = ownersOf(scope) === undefined ? undefined : viewer.kind === "contractor" ? viewer.contractorId : undefined;
  const own = me === undefined ? undefined : bids.find((b) => b.contractor_id === me);
  return {
    ...leadForViewer(rest, viewer, own, now),
    category: { id: category.id, slug: category.slug, display_name: category.display_name },
    bid_count: bids.length,
    ...(me === undefined ? {} : { my_bid: own ?? null }),
  };
}

/** List leads (newest first) a scope may see, filtered and paginated. */
export async function listLeads(deps: CoreDeps, scope: ApiScope, f: LeadFilter) {
  const where = await leadWhereFor(deps, scope, f);
  const page = await paginate(
    f,
    () => deps.prisma.lead.count({ where }),
    (w) =>
      deps.prisma.lead.findMany({
        where,
        include: { category: true, bids: true },
        orderBy: [{ created_at: "desc" }, { id: "asc" }],
        ...w,
      }),
  );
  const now = deps.clock.now();
  return { ...page, data: page.data.map((r) => present(r, scope, now)) };
}

/**
 * One lead with its whole timeline — offers, bids with ranks and windows, messages, strikes,
 * conversions — in time order: the evidence an appeal needs. Contractors see only their part.
 */
export async function getLeadTimeline(deps: CoreDeps, scope: ApiScope, leadId: string): Promise<Result<unknown>> {
  if (!isUuid(leadId)) return fail("NOT_FOUND", "lead not found");
  const lead = await deps.prisma.lead.findUnique({
    where: { id: leadId },
    include: {
      category: true,
      bids: {
        include: { contractor: { select: { id: true, name: true, company_name: true } } },
        orderBy: { bid_placed_at: "asc" },
      },
      messages: { orderBy: { sent_at: "asc" } },
      strikes: true,
      conversions: true,
      outbound: { where: { kind: "lead_offer" }, select: { user_id: true, created_at: true, status: true } },
    },
  });
  if (!lead) return fail("NOT_FOUND", "lead not found");
  const mine = (contractorId: string | null) => canSee(scope, contractorId);
  const owners = ownersOf(scope);
  const viewer = viewerOf(scope, lead);
  const me = owners === undefined || viewer.kind !== "contractor" ? undefined : viewer.contractorId;
  if (owners !== undefined) {
    const visible = await deps.prisma.lead.count({
      where: { AND: [{ id: leadId }, await contractorLeads(deps, owners)] },
    });
    if (visible === 0) return fail("NOT_FOUND", "lead not found");
  }
  const timeline: Array<{ at: Date; type: string; [k: string]: unknown }> = [{ at: lead.created_at, type: "created" }];
  for (const o of lead.outbound.filter((x) => mine(x.user_id))) {
    timeline.push({ at: o.created_at, type: "offered", contractor_id: o.user_id, delivery: o.status });
  }
  for (const b of lead.bids.filter((x) => mine(x.contractor_id))) {
    timeline.push({
      at: b.bid_placed_at,
      type: "bid",
      bid_id: b.id,
      contractor_id: b.contractor_id,
      final_bid_amount: b.final_bid_amount,
    });
    if (b.response_window_starts_at) {
      timeline.push({
        at: b.response_window_starts_at,
        type: "window_opened",
        bid_id: b.id,
        rank: b.bid_rank,
        ends_at: b.response_window_ends_at,
      });
    }
    if (b.responded_at) timeline.push({ at: b.responded_at, type: "responded", bid_id: b.id });
  }
  for (const s of lead.strikes.filter((x) => mine(x.contractor_id))) {
    timeline.push({
      at: s.created_at,
      type: "strike",
      bid_id: s.bid_id,
      strike_count_after: s.strike_count_after,
      ban_triggered: s.ban_triggered,
    });
  }
  for (const m of lead.messages.filter((x) => mine(x.sender_id) || (me !== undefined && x.direction === "inbound"))) {
    timeline.push({ at: m.sent_at, type: `message_${m.direction}`, message_id: m.id, automated: m.is_automated });
  }
  for (const c of lead.conversions.filter((x) => mine(x.contractor_id))) {
    timeline.push({ at: c.converted_at, type: `conversion_${c.conversion_type}`, revenue_usd: c.revenue_usd });
  }
  if (lead.expired_at) timeline.push({ at: lead.expired_at, type: "expired" });
  if (lead.archived_at) timeline.push({ at: lead.archived_at, type: "archived" });
  timeline.sort((a, b) => a.at.getTime() - b.at.getTime());

  const visibleBids = lead.bids.filter((b) => mine(b.contractor_id));
  const own = visibleBids.find((b) => me !== undefined && b.contractor_id === me);
  const { dedupe_key: _d, outbound: _o, bids: _b, strikes, conversions, messages, ...rest } = lead;
  const shown = leadForViewer(rest, viewer, own, deps.clock.now());
  const hide = shown !== rest;
  return ok({
    ...shown,
    bids: visibleBids,
    messages: messages.filter((m) => mine(m.sender_id) || (me !== undefined && !hide && m.direction === "inbound")),
    strikes: strikes.filter((s) => mine(s.contractor_id)),
    conversions: conversions.filter((c) => mine(c.contractor_id)),
    timeline,
  });
}
