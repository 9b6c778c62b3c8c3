import { toCents } from "../money.js";

/** One row of the rating → discount table: at or above `minRating`, pay `multiplier`. */
export interface DiscountTier {
  minRating: number;
  multiplier: number;
}

/** DESIGN.md default: ≥4.8 → 0.85, ≥4.5 → 0.90, ≥4.0 → 0.95, else 1.00. */
export const DEFAULT_DISCOUNT_TABLE: readonly DiscountTier[] = [
  { minRating: 4.8, multiplier: 0.85 },
  { minRating: 4.5, multiplier: 0.9 },
  { minRating: 4.0, multiplier: 0.95 },
];

export const MIN_BID_MULTIPLIER = 0.5;
export const MAX_BID_MULTIPLIER = 2.0;

/**
 * The lead discount multiplier for a contractor's rating.
 * Better-rated contractors pay less per lead; the table is configurable (settings).
 */
export function discountForRating(rating: number, table: readonly DiscountTier[] = DEFAULT_DISCOUNT_TABLE): number {
  const tier = [...table].sort((a, b) => b.minRating - a.minRating).find((t) => rating >= t.minRating);
  return tier ? tier.multiplier : 1;
}

/** True when a multiplier is a number in 0.5–2.0 with at most two decimals (the column is DECIMAL(3,2)). */
export function isValidMultiplier(m: number): boolean {
  return (
    Number.isFinite(m) &&
    m >= MIN_BID_MULTIPLIER &&
    m <= MAX_BID_MULTIPLIER &&
    Math.abs(m * 100 - Math.round(m * 100)) < 1e-9
  );
}

/**
 * `final_bid_amount = base_lead_cost × bid_multiplier × lead_discount_multiplier`, in cents,
 * rounded half-up to the cent. Integer arithmetic: multipliers have two decimals.
 */
export function finalBidCents(
  baseCost: { toString(): string } | number | string,
  multiplier: number,
  discount: number,
): number {
  const base = toCents(baseCost);
  const m = Math.round(multiplier * 100);
  const d = Math.round(discount * 100);
  const scaled = base * m * d; // cents × 10^4
  return Math.floor((scaled + 5000) / 10000);
}
