/**
 * Service records as the API, panel and chat show them: every column (so columns added later —
 * an appliance's forensics, say — show up without a change here), money as two-decimal strings.
 */
import type { Expense, Job, Payment, Technician } from "../../prisma/generated/client.js";
import { fromCents, toCents } from "../money.js";

type DecimalLike = { toString(): string };

/** A Decimal column as "1234.50" (null stays null). */
export function money(d: DecimalLike | null): string | null {
  return d === null ? null : fromCents(toCents(d));
}

/** A payment with its amount as "100.07". */
export function presentPayment<P extends Payment>(p: P) {
  return { ...p, amount: money(p.amount) as string };
}

/** An expense with its amount as "10.01". */
export function presentExpense<E extends Expense>(e: E) {
  return { ...e, amount: money(e.amount) as string };
}

/** A job with its quoted amount as `amount_quoted` (and its column `total_usd`) as "450.00". */
export function presentJob<J extends Job>(j: J) {
  const quoted = money(j.total_usd);
  return { ...j, total_usd: quoted, amount_quoted: quoted };
}

/** A technician with their average rating as "4.50". */
export function presentTechnician<T extends Technician>(t: T) {
  return { ...t, rating: money(t.rating) as string };
}
