import { createHash } from "node:crypto";
import type { Lead } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUsers } from "../messaging/outbox.js";
import { fromCents, toCents } from "../money.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { leadInputSchema, normalizePhone, normalizeZip } from "./lead-input.js";
import { leadForViewer } from "./lead-privacy.js";
import { eligibleBiddersWhere } from "./lead-state.js";
import { discountForRating } from "./pricing.js";
import { snapshotForLead } from "./settings.js";
import { loadMarketplaceSettings } from "./settings.service.js";
import { wakeKey } from "./wakeups.js";

/** Multipliers offered as one-tap choices under a lead offer; the chat app also offers a typed one. */
export const OFFER_MULTIPLIERS = [0.8, 1.0, 1.2, 1.5] as const;

/** The same customer asking again for the same category: one lead, not two. */
function dedupeKey(categoryId: string, phone: string | null, email: string | null): string {
  const who = phone ?? email?.toLowerCase() ?? "";
  return createHash("sha256").update(`${categoryId}|${who}`).digest("hex").slice(0, 40);
}

/**
 * Take in a lead (API or webhook): validate and normalise it, fold a repeat submission of the
 * same customer within the dedupe window into the existing lead, open bidding (ACTIVE until
 * `bidding_closes_at`, per lead source) and offer it to every matching contractor — active,
 * not banned, serving its ZIP and category — through the outbox.
 */
export async function createLead(
  deps: CoreDeps,
  input: unknown,
): Promise<Result<{ lead: Lead; deduplicated: boolean; offered: number }>> {
  const v = validate(leadInputSchema, input);
  if (!v.ok) return v;
  const data = v.value;
  const phone = data.customer_phone ? normalizePhone(data.customer_phone) : null;
  const email = data.customer_email?.toLowerCase() ?? null;
  const zip = normalizeZip(data.customer_zip_code) as string;

  return transact<{ lead: Lead; deduplicated: boolean; offered: number }>(deps, async ({ tx, now, wake }) => {
    const category = await tx.category.findFirst({
      where: isUuid(data.category) ? { id: data.category } : { slug: data.category },
    });
    if (!category) return fail("CATEGORY_UNKNOWN", `unknown category "${data.category}"`, { field: "category" });
    const source = await tx.leadSource.findUnique({ where: { slug: data.lead_source } });
    if (!source)
      return fail("VALIDATION_FAILED", `unknown lead_source "${data.lead_source}"`, [{ field: "lead_source" }]);
    if (source.retired_at)
      return fail("VALIDATION_FAILED", `lead_source "${data.lead_source}" is retired`, [{ field: "lead_source" }]);

    if (data.external_id) {
      const same = await tx.lead.findUnique({
        where: { lead_source_external_id: { lead_source: source.slug, external_id: data.external_id } },
      });
      if (same) return ok({ lead: same, deduplicated: true, offered: 0 });
    }
    const key = dedupeKey(category.id, phone, email);
    const since = new Date(now.getTime() - deps.config.marketplace.dedupeWindowMs);
    const repeat = await tx.lead.findFirst({
      where: { dedupe_key: key, created_at: { gte: since } },
      orderBy: { created_at: "desc" },
    });
    if (repeat) return ok({ lead: repeat, deduplicated: true, offered: 0 });

    const windowMs = source.bidding_window_seconds * 1000 || deps.config.marketplace.biddingWindowMs;
    // The settings in force now travel with the lead: a later change never rewrites it.
    const settings = await loadMarketplaceSettings(tx, deps.config);
    const closesAt = new Date(now.getTime() + windowMs);
    const baseCents =
      data.base_lead_cost !== undefined ? toCents(data.base_lead_cost) : toCents(source.default_base_lead_cost);
    const lead = await tx.lead.create({
      data: {
        category_id: category.id,
        title: data.title,
        description: data.description,
        customer_name: data.customer_name,
        customer_email: email,
        customer_phone: phone,
        customer_zip_code: zip,
        budget_min: data.budget_min !== undefined ? fromCents(toCents(data.budget_min)) : null,
        budget_max: data.budget_max !== undefined ? fromCents(toCents(data.budget_max)) : null,
        urgency_level: data.urgency_level,
        service_area_radius_km: data.service_area_radius_km ?? null,
        lead_source: source.slug,
        base_lead_cost: fromCents(baseCents),
        status: "ACTIVE",
        bidding_closes_at: closesAt,
        metadata: (data.metadata ?? undefined) as object | undefined,
        is_qualified: data.is_qualified,
        external_id: data.external_id ?? null,
        dedupe_key: key,
        customer_language: data.customer_language,
        ...snapshotForLead(settings),
        created_at: now,
        updated_at: now,
      },
    });

    const contractors = await tx.user.findMany({
      where: eligibleBiddersWhere(lead),
      select: { id: true, profile_rating: true },
    });
    await notifyUsers(
      tx,
      contractors.map((c) => ({
        userId: c.id,
        leadId: lead.id,
        dedupeKey: `offer:${lead.id}:${c.id}`,
        notice: {
          kind: "lead_offer" as const,
          leadId: lead.id,
          // Offered contractors see the job, not the person (a phone or address typed into the title is masked).
          title: leadForViewer(lead, { kind: "contractor", contractorId: c.id }, undefined, now).title,
          category: category.display_name,
          zip,
          urgency: lead.urgency_level,
          baseCost: fromCents(baseCents),
          discount: discountForRating(Number(c.profile_rating), settings.discountTable),
          closesAt: closesAt.toISOString(),
          bidMultipliers: [...OFFER_MULTIPLIERS],
        },
      })),
      now,
    );
    wake(wakeKey("close", lead.id), closesAt);
    return ok({ lead, deduplicated: false, offered: contractors.length });
  });
}

/**
 * Archive leads older than the archive age (30 days by default), whatever their state.
 * Returns how many were archived.
 */
export async function archiveOldLeads(deps: CoreDeps): Promise<number> {
  const now = deps.clock.now();
  const before = new Date(now.getTime() - deps.config.marketplace.archiveAfterMs);
  const res = await deps.prisma.lead.updateMany({
    where: { created_at: { lt: before }, status: { not: "ARCHIVED" } },
    data: { status: "ARCHIVED", archived_at: now, current_rank: null },
  });
  return res.count;
}
