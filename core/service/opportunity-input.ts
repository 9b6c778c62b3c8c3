/**
 * Opportunities (seed 000), the pure part: the types and statuses, what a person sends to create,
 * change or close one, and the snapshot of contact and property taken from the customer record.
 */
import { z } from "zod";
import type { Customer, Prisma } from "../../prisma/generated/client.js";
import { isUuid } from "../ids.js";
import { estValueFor } from "../nurturing/est-value.js";

/** The types a person can create (seed 000); the system also makes `stale_estimate` ones. */
export const OPPORTUNITY_TYPES = ["replacement", "code_violation", "maintenance"] as const;
export type OpportunityType = (typeof OPPORTUNITY_TYPES)[number];
/** Every type an opportunity can have, with where it may come from. */
export const ALL_OPPORTUNITY_TYPES = [...OPPORTUNITY_TYPES, "stale_estimate"] as const;

/** The pipeline status: open (pending, nurturing), closed (converted = won, lost), or stopped. */
export const OPPORTUNITY_STATUSES = ["pending", "nurturing", "converted", "lost", "stopped"] as const;
export const CLOSED_STATUSES: readonly string[] = ["converted", "lost"];
export const PRIORITIES = ["critical", "high", "medium", "low"] as const;
export const COMPLEXITIES = ["STANDARD", "COMPLEX", "PREMIUM"] as const;
/** Where an opportunity came from. */
export type OpportunitySource = "manual" | "forensics" | "tech_upsell" | "stale_estimate";

const DEFAULT_PRIORITY: Record<string, (typeof PRIORITIES)[number]> = {
  replacement: "high",
  code_violation: "high",
  maintenance: "medium",
  stale_estimate: "medium",
};

/** An amount in dollars with at most two decimals, 0 or more, below ten billion. */
const amount = z
  .union([z.number(), z.string().trim()])
  .refine((v) => /^\d{1,10}(\.\d{1,2})?$/.test(typeof v === "number" ? String(v) : v), {
    message: "must be an amount like 1250.00 (0 or more, at most two decimals)",
  })
  .transform((v) => String(v));

const forensicInputs = z
  .record(z.string().max(60), z.union([z.string().max(200), z.number(), z.boolean(), z.null()]))
  .refine((o) => Object.keys(o).length <= 40, "at most 40 forensic inputs");

/** POST /opportunities: a customer, a type and what is known of the asset. */
export const opportunityCreateSchema = z
  .object({
    customer_id: z.string().refine(isUuid, "customer_id must be a customer's id"),
    opportunity_type: z.enum(OPPORTUNITY_TYPES, {
      message: `opportunity_type must be one of ${OPPORTUNITY_TYPES.join(", ")}`,
    }),
    priority: z.enum(PRIORITIES).optional(),
    job_complexity: z.enum(COMPLEXITIES).optional(),
    appliance_id: z.string().refine(isUuid, "appliance_id must be an appliance's id").optional(),
    asset_brand: z.string().trim().max(100).optional(),
    asset_age_years: z.number().min(0).max(150).optional(),
    forensic_inputs: forensicInputs.optional(),
    est_value_usd: amount.optional(),
  })
  .strict();
export type OpportunityCreateInput = z.output<typeof opportunityCreateSchema>;

/** PUT /opportunities/:id: what may change while it is open (closing is POST …/close). */
export const opportunityUpdateSchema = z
  .object({
    status: z.enum(["pending", "nurturing", "stopped"]).optional(),
    priority: z.enum(PRIORITIES).optional(),
    job_complexity: z.enum(COMPLEXITIES).optional(),
    asset_brand: z.string().trim().max(100).optional(),
    asset_age_years: z.number().min(0).max(150).optional(),
    forensic_inputs: forensicInputs.optional(),
    est_value_usd: amount.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "send at least one field to change");

/** POST /opportunities/:id/close: won (with the sale amount a person entered) or lost (with a reason). */
export const opportunityCloseSchema = z
  .object({
    outcome: z.enum(["won", "lost"], { message: "outcome must be won or lost" }),
    revenue_usd: amount.nullable().optional(),
    reason: z.string().trim().max(500).nullable().optional(),
  })
  .strict()
  .refine((v) => v.outcome === "won" || v.revenue_usd == null, {
    path: ["revenue_usd"],
    message: "revenue_usd goes with a won outcome only",
  });

/** What is known of the asset when an opportunity is made. */
export interface AssetFacts {
  brand?: string | null;
  ageYears?: number | null;
  applianceId?: string | null;
}

/**
 * The row of a new opportunity for a customer: contact and property copied from the customer
 * record (so the opportunity still reads right if the customer is edited later), the est. value
 * from the per-type table unless given, and the priority from the type unless given. Unknown
 * brand and age are stored as "" and 0 (the columns are required by seed 000's schema).
 */
export function opportunityRow(
  customer: Pick<
    Customer,
    | "id"
    | "owner_id"
    | "name"
    | "phone"
    | "email"
    | "property_address"
    | "property_city"
    | "property_state"
    | "property_zip"
  >,
  input: {
    type: string;
    source: OpportunitySource;
    asset: AssetFacts;
    priority?: string;
    complexity?: string;
    status?: string;
    forensicInputs?: Prisma.InputJsonValue;
    estValueUsd?: string | null;
    dedupeKey?: string | null;
    forensics?: { healthScore: number; bioAgeYears: number; failProbability: number; verdict: string } | null;
    now: Date;
  },
): Prisma.OpportunityUncheckedCreateInput {
  const f = input.forensics;
  return {
    owner_id: customer.owner_id,
    customer_id: customer.id,
    customer_name: customer.name,
    customer_phone: customer.phone,
    customer_email: customer.email,
    property_address: customer.property_address ?? "",
    property_city: customer.property_city ?? "",
    property_state: customer.property_state ?? "AZ",
    property_zip: customer.property_zip ?? "",
    opportunity_type: input.type,
    priority: input.priority ?? DEFAULT_PRIORITY[input.type] ?? "medium",
    status: input.status ?? "pending",
    job_complexity: input.complexity ?? "STANDARD",
    asset_brand: input.asset.brand ?? "",
    asset_age_years: (Math.round((input.asset.ageYears ?? 0) * 100) / 100).toFixed(2),
    appliance_id: input.asset.applianceId ?? null,
    forensic_inputs: input.forensicInputs ?? {},
    health_score: f?.healthScore ?? null,
    bio_age: f ? f.bioAgeYears.toFixed(2) : null,
    fail_probability: f ? f.failProbability.toFixed(4) : null,
    verdict_action: f?.verdict ?? null,
    source: input.source,
    dedupe_key: input.dedupeKey ?? null,
    est_value_usd: input.estValueUsd ?? estValueFor(input.type),
    created_at: input.now,
    updated_at: input.now,
  };
}
