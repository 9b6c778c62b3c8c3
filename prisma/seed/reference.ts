/**
 * Reference data: categories (seed 001 plus water heaters) and lead sources with their bidding
 * windows and base costs. Not demo data: `applyReferenceData` runs with every `migrate` and every
 * start (main.ts), whatever DEMO_DATA says, so a fresh production database takes in a lead at
 * once. Idempotent: rows that already exist (an admin may have edited or retired them) are kept
 * as they are, and only missing slugs are added.
 */
import { DEFAULT_DISCOUNT_TABLE, type DiscountTier } from "../../core/marketplace/pricing.js";
import { discountTableOf, SETTING_KEYS } from "../../core/marketplace/settings.js";
import type { Prisma, PrismaClient } from "../generated/client.js";
import type { SeedContext } from "./kit.js";

const CATEGORIES: ReadonlyArray<[slug: string, name: string, description: string]> = [
  ["plumbing", "Plumbing", "Plumbing services including repairs, installations, and maintenance"],
  ["electrical", "Electrical", "Electrical work including wiring, installations, and repairs"],
  ["hvac", "HVAC", "Heating, ventilation, and air conditioning services"],
  ["roofing", "Roofing", "Roof repairs, installations, and maintenance"],
  ["painting", "Painting", "Interior and exterior painting services"],
  ["carpentry", "Carpentry", "Woodworking and carpentry services"],
  ["landscaping", "Landscaping", "Landscape design and maintenance services"],
  ["flooring", "Flooring", "Floor installation, repairs, and refinishing"],
  ["general-contracting", "General Contracting", "General construction and contracting services"],
  ["other", "Other", "Other services"],
  ["water-heaters", "Water Heaters", "Tank and tankless water heater repair, flushing and replacement"],
];

/** Lead sources: slug → bidding window and base lead cost (DESIGN.md: set per lead source). */
export const LEAD_SOURCES = {
  google_local_services: { name: "Google Local Services", windowSeconds: 900, baseCost: "35.00" },
  facebook_leads: { name: "Facebook Lead Ads", windowSeconds: 900, baseCost: "25.00" },
  website: { name: "Website form", windowSeconds: 600, baseCost: "20.00" },
  referral: { name: "Referral", windowSeconds: 1800, baseCost: "15.00" },
} as const;

export type LeadSourceSlug = keyof typeof LEAD_SOURCES;

/** What later parts need from the reference data. */
export interface ReferenceData {
  categoryIds: Map<string, string>;
  discountTable: readonly DiscountTier[];
}

/** The id of a category by slug (throws on an unknown slug, so a typo fails the seed). */
export function categoryId(ref: ReferenceData, slug: string): string {
  const id = ref.categoryIds.get(slug);
  if (!id) throw new Error(`demo category ${slug} missing`);
  return id;
}

/** Insert the categories and lead sources that are missing; returns how many rows were added. */
export async function insertReferenceData(
  tx: Prisma.TransactionClient,
  now: Date,
): Promise<{ categories: number; leadSources: number }> {
  const categories = await tx.category.createMany({
    data: CATEGORIES.map(([slug, display_name, description]) => ({ slug, display_name, description, created_at: now })),
    skipDuplicates: true,
  });
  const sources = await tx.leadSource.createMany({
    data: Object.entries(LEAD_SOURCES).map(([slug, s]) => ({
      slug,
      display_name: s.name,
      bidding_window_seconds: s.windowSeconds,
      default_base_lead_cost: s.baseCost,
      created_at: now,
      updated_at: now,
    })),
    skipDuplicates: true,
  });
  return { categories: categories.count, leadSources: sources.count };
}

/**
 * Apply the reference data in one transaction (the `migrate` step and every start call this).
 * Lead sources are retired, never deleted, so an admin's retired source stays retired.
 */
export async function applyReferenceData(
  prisma: PrismaClient,
  now: Date,
): Promise<{ categories: number; leadSources: number }> {
  return prisma.$transaction(async (tx) => insertReferenceData(tx, now), { timeout: 30_000, maxWait: 30_000 });
}

/** The demo's view of the reference data (it adds any that is missing, then reads ids and the discount table). */
export async function seedReference(ctx: SeedContext): Promise<ReferenceData> {
  const { tx } = ctx;
  await insertReferenceData(tx, ctx.now);
  const categoryRows = await tx.category.findMany({ select: { id: true, slug: true } });
  ctx.counts.set("categories", categoryRows.length);
  ctx.counts.set("lead_sources", await tx.leadSource.count());
  // Settings come from migrations, admins and the demo's own marker: report what the table holds.
  ctx.counts.set("settings", await tx.setting.count());
  const categoryIds = new Map(categoryRows.map((c) => [c.slug, c.id]));
  const stored = await tx.setting.findUnique({ where: { key: SETTING_KEYS.discountTable } });
  const discountTable = discountTableOf(stored?.value) ?? DEFAULT_DISCOUNT_TABLE;
  return { categoryIds, discountTable };
}
