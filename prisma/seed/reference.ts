/**
 * Reference data: categories (seed 001 plus water heaters), lead sources with their bidding
 * windows and base costs, and the platform settings. Rows that already exist (a migration or
 * an admin may have made them) are kept as they are.
 */
import { DEFAULT_DISCOUNT_TABLE, type DiscountTier } from "../../core/marketplace/pricing.js";
import type { Prisma } from "../generated/client.js";
import { count, type SeedContext } from "./kit.js";

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

function isDiscountTable(value: unknown): value is DiscountTier[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (t: unknown) =>
        typeof t === "object" &&
        t !== null &&
        typeof (t as DiscountTier).minRating === "number" &&
        typeof (t as DiscountTier).multiplier === "number",
    )
  );
}

/** Insert categories, lead sources and the discount-table setting; return ids and the table in force. */
export async function seedReference(ctx: SeedContext): Promise<ReferenceData> {
  const { tx } = ctx;
  const categories = await tx.category.createMany({
    data: CATEGORIES.map(([slug, display_name, description]) => ({
      slug,
      display_name,
      description,
      created_at: ctx.now,
    })),
    skipDuplicates: true,
  });
  count(ctx, "categories", categories.count);
  const categoryIds = new Map(
    (await tx.category.findMany({ select: { id: true, slug: true } })).map((c) => [c.slug, c.id]),
  );

  const sources = await tx.leadSource.createMany({
    data: Object.entries(LEAD_SOURCES).map(([slug, s]) => ({
      slug,
      display_name: s.name,
      bidding_window_seconds: s.windowSeconds,
      default_base_lead_cost: s.baseCost,
      created_at: ctx.now,
    })),
    skipDuplicates: true,
  });
  count(ctx, "lead_sources", sources.count);

  const settings: Prisma.SettingCreateManyInput[] = [
    { key: "marketplace.discount_table", value: DEFAULT_DISCOUNT_TABLE.map((t) => ({ ...t })), updated_at: ctx.now },
  ];
  const inserted = await tx.setting.createMany({ data: settings, skipDuplicates: true });
  count(ctx, "settings", inserted.count);
  const stored = await tx.setting.findUnique({ where: { key: "marketplace.discount_table" } });
  const discountTable = isDiscountTable(stored?.value) ? stored.value : DEFAULT_DISCOUNT_TABLE;
  return { categoryIds, discountTable };
}
