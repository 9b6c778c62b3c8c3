import { parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";

/** Normalise a phone number to E.164 (US by default); null when it is not a real number. */
export function normalizePhone(raw: string, defaultCountry: "US" | "DK" = "US"): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  return parsed?.isValid() ? parsed.number : null;
}

/** Normalise a ZIP/postal code: US ZIP+4 → 5 digits; others upper-cased without spaces. */
export function normalizeZip(raw: string): string | null {
  const s = raw.trim().toUpperCase();
  const us = /^(\d{5})(?:-\d{4})?$/.exec(s);
  if (us?.[1]) return us[1];
  const compact = s.replace(/\s+/g, "");
  return /^[A-Z0-9-]{3,10}$/.test(compact) ? compact : null;
}

const money = z.union([z.number(), z.string().regex(/^\d+(\.\d{1,2})?$/)]).transform((v) => Number(v));

/** A lead as it arrives by API or webhook (seed 001's field names). */
export const leadInputSchema = z
  .object({
    category: z.string().min(1).max(60).describe("category slug (e.g. hvac) or id"),
    title: z.string().trim().min(3).max(255),
    description: z.string().max(5000).default(""),
    customer_name: z.string().trim().min(1).max(255),
    customer_email: z.email().max(255).optional(),
    customer_phone: z.string().max(32).optional(),
    customer_zip_code: z.string().max(12),
    budget_min: money.refine((v) => v >= 0 && v < 1e8).optional(),
    budget_max: money.refine((v) => v >= 0 && v < 1e8).optional(),
    urgency_level: z.enum(["low", "medium", "high", "urgent"]).default("medium"),
    service_area_radius_km: z.number().int().min(0).max(1000).optional(),
    lead_source: z.string().trim().min(1).max(50).default("website"),
    base_lead_cost: money.refine((v) => v > 0 && v < 1e6, "must be between 0 and 1,000,000").optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    is_qualified: z.boolean().default(false),
    external_id: z.string().max(100).optional(),
    customer_language: z.enum(["en", "da"]).default("en"),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.customer_email && !v.customer_phone) {
      ctx.addIssue({
        code: "custom",
        path: ["customer_phone"],
        message: "customer_phone or customer_email is required",
      });
    }
    if (v.customer_phone && !normalizePhone(v.customer_phone)) {
      ctx.addIssue({ code: "custom", path: ["customer_phone"], message: "not a valid phone number" });
    }
    if (!normalizeZip(v.customer_zip_code)) {
      ctx.addIssue({ code: "custom", path: ["customer_zip_code"], message: "not a valid ZIP/postal code" });
    }
    if (v.budget_min !== undefined && v.budget_max !== undefined && v.budget_min > v.budget_max) {
      ctx.addIssue({ code: "custom", path: ["budget_max"], message: "budget_max must be ≥ budget_min" });
    }
  });
