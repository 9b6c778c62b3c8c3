import type { ApiScope } from "../accounts/api-key.service.js";
import type { CoreDeps } from "../context.js";
import type { Prisma } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";

export interface LeadFilter {
  status?: string;
  category?: string;
  zip?: string;
  page: number;
  per_page: number;
}

/**
 * What a contractor may see of a lead: marketplace leads are the platform's until contacted.
 * Before their own window opens a contractor sees the job, not the customer's contact details.
 */
export function canSeeCustomer(bid: { response_window_starts_at: Date | null } | undefined): boolean {
  return Boolean(bid?.response_window_starts_at);
}

/** Leads a contractor may see: the ones they bid on, and the open ones matching their ZIPs and categories. */
async function contractorLeads(deps: CoreDeps, contractorId: string): Promise<Prisma.LeadWhereInput> {
  const me = await deps.prisma.user.findUnique({
    where: { id: contractorId },
    select: { service_area_zip_codes: true, contractor_categories: true },
  });
  return {
    OR: [
      { bids: { some: { contractor_id: contractorId } } },
      {
        status: "ACTIVE",
        customer_zip_code: { in: me?.service_area_zip_codes ?? [] },
        category_id: { in: me?.contractor_categories ?? [] },
      },
    ],
  };
}

async function leadWhereFor(deps: CoreDeps, scope: ApiScope, f: LeadFilter): Promise<Prisma.LeadWhereInput> {
  const where: Prisma.LeadWhereInput = {};
  if (f.status) where.status = f.status as Prisma.LeadWhereInput["status"];
  if (f.category) where.category = isUuid(f.category) ? { id: f.category } : { slug: f.category };
  if (f.zip) where.customer_zip_code = f.zip;
  return scope.kind === "contractor" ? { AND: [where, await contractorLeads(deps, scope.ownerId)] } : where;
}

type LeadRow = Prisma.LeadGetPayload<{ include: { category: true; bids: true } }>;

function present(lead: LeadRow, scope: ApiScope) {
  const { bids, category, dedupe_key: _d, ...rest } = lead;
  const own = scope.kind === "contractor" ? bids.find((b) => b.contractor_id === scope.ownerId) : undefined;
  const hide = scope.kind === "contractor" && !canSeeCustomer(own);
  return {
    ...rest,
    category: { id: category.id, slug: category.slug, display_name: category.display_name },
    customer_name: hide ? lead.customer_name.split(/\s+/)[0] : lead.customer_name,
    customer_email: hide ? null : lead.customer_email,
    customer_phone: hide ? null : lead.customer_phone,
    bid_count: bids.length,
    ...(scope.kind === "contractor" ? { my_bid: own ?? null } : {}),
  };
}

/** List leads (newest first) a scope may see, filtered and paginated. */
export async function listLeads(deps: CoreDeps, scope: ApiScope, f: LeadFilter) {
  const where = await leadWhereFor(deps, scope, f);
  const [total, rows] = await Promise.all([
    deps.prisma.lead.count({ where }),
    deps.prisma.lead.findMany({
      where,
      include: { category: true, bids: true },
      orderBy: { created_at: "desc" },
      skip: (f.page - 1) * f.per_page,
      take: f.per_page,
    }),
  ]);
  return { data: rows.map((r) => present(r, scope)), page: f.page, per_page: f.per_page, total };
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
  const mine = (contractorId: string | null) => scope.kind === "admin" || contractorId === scope.ownerId;
  if (scope.kind === "contractor") {
    const visible = await deps.prisma.lead.count({
      where: { AND: [{ id: leadId }, await contractorLeads(deps, scope.ownerId)] },
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
  for (const m of lead.messages.filter(
    (x) => mine(x.sender_id) || (scope.kind === "contractor" && x.direction === "inbound"),
  )) {
    timeline.push({ at: m.sent_at, type: `message_${m.direction}`, message_id: m.id, automated: m.is_automated });
  }
  for (const c of lead.conversions.filter((x) => mine(x.contractor_id))) {
    timeline.push({ at: c.converted_at, type: `conversion_${c.conversion_type}`, revenue_usd: c.revenue_usd });
  }
  if (lead.expired_at) timeline.push({ at: lead.expired_at, type: "expired" });
  if (lead.archived_at) timeline.push({ at: lead.archived_at, type: "archived" });
  timeline.sort((a, b) => a.at.getTime() - b.at.getTime());

  const visibleBids = lead.bids.filter((b) => mine(b.contractor_id));
  const own = visibleBids.find((b) => scope.kind === "contractor" && b.contractor_id === scope.ownerId);
  const hide = scope.kind === "contractor" && !canSeeCustomer(own);
  const { dedupe_key: _d, outbound: _o, bids: _b, strikes, conversions, messages, ...rest } = lead;
  return ok({
    ...rest,
    customer_name: hide ? lead.customer_name.split(/\s+/)[0] : lead.customer_name,
    customer_email: hide ? null : lead.customer_email,
    customer_phone: hide ? null : lead.customer_phone,
    bids: visibleBids,
    messages: messages.filter(
      (m) => mine(m.sender_id) || (scope.kind === "contractor" && !hide && m.direction === "inbound"),
    ),
    strikes: strikes.filter((s) => mine(s.contractor_id)),
    conversions: conversions.filter((c) => mine(c.contractor_id)),
    timeline,
  });
}
