import type { Conversion } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { fromCents, toCents } from "../money.js";
import { transact } from "../service.js";

/**
 * Record that a contacted lead was booked or paid (with the revenue a person entered).
 * Only the contractor who contacted the lead can; each kind is recorded once per lead.
 * Booking makes the customer `active`.
 */
export async function recordConversion(
  deps: CoreDeps,
  input: { leadId: string; contractorId: string; type: "booked" | "paid"; revenueUsd?: number | null },
): Promise<Result<Conversion>> {
  if (!isUuid(input.leadId)) return fail("NOT_FOUND", "lead not found");
  const revenue = input.revenueUsd;
  if (revenue !== undefined && revenue !== null && (!Number.isFinite(revenue) || revenue < 0 || revenue >= 1e10)) {
    return fail("VALIDATION_FAILED", "revenue_usd must be a positive amount below 10,000,000,000", [
      { field: "revenue_usd" },
    ]);
  }
  return transact(deps, async ({ tx, now }) => {
    const lead = await tx.lead.findUnique({ where: { id: input.leadId } });
    if (!lead) return fail("NOT_FOUND", "lead not found");
    if (lead.contacted_by_id !== input.contractorId) {
      return fail("LEAD_NOT_OPEN", "only the contractor who contacted this lead can record its conversions");
    }
    const existing = await tx.conversion.findUnique({
      where: { lead_id_conversion_type: { lead_id: lead.id, conversion_type: input.type } },
    });
    if (existing) return fail("CONFLICT", `a "${input.type}" conversion is already recorded for this lead`);
    const conversion = await tx.conversion.create({
      data: {
        lead_id: lead.id,
        contractor_id: input.contractorId,
        conversion_type: input.type,
        converted_at: now,
        created_at: now,
        revenue_usd: revenue === undefined || revenue === null ? null : fromCents(toCents(revenue)),
      },
    });
    if (lead.customer_id) {
      await tx.customer.update({
        where: { id: lead.customer_id },
        data: { status: "active", last_activity_at: now, updated_at: now },
      });
    }
    return ok(conversion);
  });
}
