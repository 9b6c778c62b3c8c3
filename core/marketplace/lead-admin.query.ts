/**
 * Read models for the admin panel's Leads area: a filterable, paginated lead list and one lead's
 * evidence page (offers, bids with ranks, windows and who held them, relayed messages, strikes,
 * conversions). The timeline itself comes from lead-query.ts; this adds the names and texts a
 * person reading an appeal needs.
 */
import { DateTime } from "luxon";
import { z } from "zod";
import { LeadStatus } from "../../prisma/generated/enums.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy, ownersOf, PLATFORM_SCOPE } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import type { Prisma } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { safeZone } from "../kpi/kpi-time.js";
import { LEAD_STATUSES } from "../kpi/marketplace.kpi.js";
import { getLeadTimeline } from "./lead-query.js";

/** Every lead status, in lifecycle order (for the filter select). */
export { LEAD_STATUSES };

const day = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "use YYYY-MM-DD")
  .refine((s) => DateTime.fromISO(s).isValid, "not a calendar date");
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** The list's query string: every field optional, blanks ignored (a submitted empty form field). */
export const leadFilterSchema = z.object({
  status: z.preprocess(blankToUndefined, z.enum(LeadStatus).optional()),
  category: z.preprocess(blankToUndefined, z.string().trim().max(60).optional()),
  zip: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^[0-9A-Za-z -]{3,10}$/, "not a ZIP code")
      .optional(),
  ),
  from: z.preprocess(blankToUndefined, day.optional()),
  to: z.preprocess(blankToUndefined, day.optional()),
  q: z.preprocess(blankToUndefined, z.string().trim().max(100).optional()),
  page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100_000).default(1)),
});
export type LeadFilterInput = z.output<typeof leadFilterSchema>;

const LEADS_PER_PAGE = 25;

/**
 * Leads for the panel, newest first: status, category slug, ZIP, created-date range (platform
 * zone), free text. A sales manager (team scope) sees the leads their members bid on.
 */
export async function searchLeads(
  deps: CoreDeps,
  f: LeadFilterInput,
  perPage = LEADS_PER_PAGE,
  scope: ApiScope = PLATFORM_SCOPE,
) {
  const zone = safeZone(deps.config.defaultTimezone);
  const where: Prisma.LeadWhereInput =
    ownersOf(scope) === undefined ? {} : { bids: { some: ownedBy(scope, "contractor_id") } };
  if (f.status) where.status = f.status;
  if (f.category) where.category = isUuid(f.category) ? { id: f.category } : { slug: f.category };
  if (f.zip) where.customer_zip_code = f.zip;
  if (f.from || f.to) {
    where.created_at = {
      ...(f.from ? { gte: DateTime.fromISO(f.from, { zone }).startOf("day").toJSDate() } : {}),
      ...(f.to ? { lt: DateTime.fromISO(f.to, { zone }).plus({ days: 1 }).startOf("day").toJSDate() } : {}),
    };
  }
  if (f.q) {
    const contains = { contains: f.q, mode: "insensitive" as const };
    where.OR = [
      { title: contains },
      { customer_name: contains },
      { customer_email: contains },
      { customer_phone: contains },
      { external_id: contains },
    ];
  }
  const [total, rows] = await Promise.all([
    deps.prisma.lead.count({ where }),
    deps.prisma.lead.findMany({
      where,
      orderBy: [{ created_at: "desc" }, { id: "asc" }],
      skip: (f.page - 1) * perPage,
      take: perPage,
      select: {
        id: true,
        title: true,
        customer_name: true,
        customer_zip_code: true,
        status: true,
        created_at: true,
        current_rank: true,
        base_lead_cost: true,
        category: { select: { slug: true, display_name: true } },
        _count: { select: { bids: true, strikes: true } },
      },
    }),
  ]);
  return { rows, total, page: f.page, perPage, pages: Math.max(1, Math.ceil(total / perPage)) };
}

/** The categories, for the filter's select box. */
export function leadCategories(deps: CoreDeps) {
  return deps.prisma.category.findMany({
    orderBy: { display_name: "asc" },
    select: { slug: true, display_name: true },
  });
}

interface TimelineBid {
  id: string;
  contractor_id: string;
  contractor: { id: string; name: string; company_name: string | null };
  bid_multiplier: Prisma.Decimal;
  final_bid_amount: Prisma.Decimal;
  bid_rank: number | null;
  bid_placed_at: Date;
  status: string;
  response_window_starts_at: Date | null;
  response_window_ends_at: Date | null;
  responded_at: Date | null;
  strike_applied: boolean;
}

/** The shape getLeadTimeline returns for the admin scope. */
interface AdminTimeline {
  id: string;
  title: string;
  description: string;
  status: string;
  customer_name: string;
  customer_email: string | null;
  customer_phone: string | null;
  customer_zip_code: string;
  lead_source: string;
  base_lead_cost: Prisma.Decimal;
  urgency_level: string;
  created_at: Date;
  bidding_closes_at: Date | null;
  contacted_at: Date | null;
  customer_id: string | null;
  category: { slug: string; display_name: string };
  bids: TimelineBid[];
  messages: Array<{
    id: string;
    direction: "inbound" | "outbound";
    sender_id: string | null;
    recipient_id: string | null;
    channel: string | null;
    message_text: string;
    sent_at: Date;
    is_automated: boolean;
    read_at: Date | null;
  }>;
  strikes: Array<{
    id: string;
    contractor_id: string;
    bid_id: string;
    strike_count_after: number;
    ban_triggered: boolean;
    created_at: Date;
    strike_reason: string | null;
  }>;
  conversions: Array<{
    id: string;
    contractor_id: string;
    conversion_type: string;
    converted_at: Date;
    revenue_usd: Prisma.Decimal | null;
  }>;
  timeline: Array<{ at: Date; type: string; [k: string]: unknown }>;
}

/** One timeline line as the panel shows it: when, what, who, and a short human detail. */
export interface EvidenceLine {
  at: Date;
  type: string;
  who: string | null;
  whoId: string | null;
  detail: string;
  /** For an opened window: when it ends. */
  until: Date | null;
}

/**
 * One lead with its evidence: the admin timeline from getLeadTimeline, each line with the
 * contractor's name and a readable detail (amounts, ranks, window ends, the message text).
 */
export async function leadEvidence(
  deps: CoreDeps,
  leadId: string,
  scope: ApiScope = PLATFORM_SCOPE,
): Promise<
  Result<{
    lead: AdminTimeline;
    lines: EvidenceLine[];
    offers: Array<{ contractor: string; contractorId: string | null; at: Date; status: string }>;
  }>
> {
  if (!isUuid(leadId)) return fail("NOT_FOUND", "lead not found");
  const r = await getLeadTimeline(deps, scope, leadId);
  if (!r.ok) return r;
  const lead = r.value as AdminTimeline;
  const offerRows = await deps.prisma.outboundMessage.findMany({
    where: { lead_id: leadId, kind: "lead_offer" },
    orderBy: { created_at: "asc" },
    select: { user_id: true, created_at: true, status: true, channel: true },
  });
  const ids = new Set<string>();
  for (const b of lead.bids) ids.add(b.contractor_id);
  for (const o of offerRows) if (o.user_id) ids.add(o.user_id);
  for (const m of lead.messages) for (const id of [m.sender_id, m.recipient_id]) if (id) ids.add(id);
  for (const s of lead.strikes) ids.add(s.contractor_id);
  for (const c of lead.conversions) ids.add(c.contractor_id);
  const people = await deps.prisma.user.findMany({
    where: { id: { in: [...ids] } },
    select: { id: true, name: true, company_name: true },
  });
  const nameOf = (id: unknown) => {
    const p = typeof id === "string" ? people.find((x) => x.id === id) : undefined;
    return p ? (p.company_name ?? p.name) : null;
  };
  const bidOf = (id: unknown) => lead.bids.find((b) => b.id === id);
  const messageOf = (id: unknown) => lead.messages.find((m) => m.id === id);
  const lines: EvidenceLine[] = lead.timeline.map((t) => {
    const bid = bidOf(t.bid_id);
    const contractorId = (t.contractor_id as string | undefined) ?? bid?.contractor_id ?? null;
    let detail = "";
    let whoId: string | null = contractorId;
    switch (t.type) {
      case "offered":
        detail = `offer sent (${String(t.delivery)})`;
        break;
      case "bid":
        detail = `bid $${String(t.final_bid_amount)} (×${bid?.bid_multiplier ?? "?"})${bid?.bid_rank ? `, rank ${bid.bid_rank}` : ""}`;
        break;
      case "window_opened":
        detail = `rank ${String(t.rank ?? "?")} window`;
        break;
      case "responded":
        detail = "first reply to the customer";
        break;
      case "strike":
        detail = `strike ${String(t.strike_count_after)}${t.ban_triggered ? " — banned" : ""}`;
        break;
      case "message_outbound":
      case "message_inbound": {
        const m = messageOf(t.message_id);
        whoId = (m?.direction === "outbound" ? m?.sender_id : m?.recipient_id) ?? null;
        detail = m?.message_text ?? "";
        break;
      }
      default:
        if (t.type.startsWith("conversion_") && t.revenue_usd) detail = `revenue $${String(t.revenue_usd)}`;
    }
    const until = t.type === "window_opened" && t.ends_at instanceof Date ? t.ends_at : null;
    return { at: t.at, type: t.type, who: nameOf(whoId), whoId, detail, until };
  });
  const offers = offerRows.map((o) => ({
    contractor: nameOf(o.user_id) ?? "—",
    contractorId: o.user_id,
    at: o.created_at,
    status: `${o.status} via ${o.channel}`,
  }));
  return ok({ lead, lines, offers });
}
