/**
 * Estimated value per opportunity type (seed 000: "~$18,000" pipeline potential). It is a
 * forecast shown with a tilde, never revenue: revenue only comes from `revenue_usd` that a
 * person entered when marking a sequence converted.
 */
const EST_VALUE_USD: Readonly<Record<string, string>> = {
  replacement: "18000.00",
  code_violation: "6500.00",
  maintenance: "450.00",
};

/** The estimated value of an opportunity type as a decimal string, or null for other types. */
export function estValueFor(opportunityType: string | null | undefined): string | null {
  if (!opportunityType) return null;
  return Object.hasOwn(EST_VALUE_USD, opportunityType) ? (EST_VALUE_USD[opportunityType] ?? null) : null;
}
