/**
 * Referral rules (seed 004 referrals). Pure.
 */
import { fail, ok, type Result } from "../errors.js";

/**
 * Whether `customerId` may be marked as referred by `referrerId`, given the referrer's chain of
 * referrers (the referrer's referrer first, then theirs, …). Rule: nobody refers themselves, and
 * referrals form a tree — if the customer is already up the referrer's chain, the new link would
 * make a cycle (A referred B referred A), which would break the referral counts and lists.
 */
export function checkReferral(customerId: string, referrerId: string, referrerChain: readonly string[]): Result<null> {
  if (customerId === referrerId) {
    return fail("VALIDATION_FAILED", "referred_by_id: a customer cannot refer themselves", [
      { field: "referred_by_id", message: "a customer cannot refer themselves" },
    ]);
  }
  if (referrerChain.includes(customerId)) {
    return fail("VALIDATION_FAILED", "referred_by_id: this would make a referral cycle", [
      { field: "referred_by_id", message: "this customer is already up the referrer's chain (a cycle)" },
    ]);
  }
  return ok(null);
}
