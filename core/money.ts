/**
 * Money in integer cents. Amounts arrive as Prisma Decimals, strings or numbers and leave as
 * strings with two decimals, so no float ever rounds a price.
 */

/** Parse "25", "25.5", "25.50", 25.5 or a Decimal-like into integer cents (half-up beyond cents). */
export function toCents(value: { toString(): string } | number | string): number {
  const s = typeof value === "number" ? value.toFixed(6) : value.toString();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) throw new TypeError(`not an amount: ${s}`);
  const [, sign, whole = "0", frac = ""] = m;
  const padded = `${frac}000`;
  let cents = Number(whole) * 100 + Number(padded.slice(0, 2));
  if (Number(padded[2]) >= 5) cents += 1;
  return sign === "-" ? -cents : cents;
}

/** Format cents as a decimal string with two places: 2550 → "25.50". */
export function fromCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Format cents for people: 900000 → "$9,000.00". */
export function formatUsd(cents: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100);
}

/** The largest amount any service record may carry: 10,000,000.00 (anything above is a typo). */
export const MAX_AMOUNT_CENTS = 1_000_000_000;

/** Why an amount was refused, in words a person can act on. */
export type AmountProblem = "not_an_amount" | "too_many_decimals" | "negative" | "too_large";

const AMOUNT_PROBLEM_TEXT: Record<AmountProblem, string> = {
  not_an_amount: 'must be an amount like 450 or "450.00"',
  too_many_decimals: "must have at most two decimals (cents)",
  negative: "must not be negative",
  too_large: "must be at most 10,000,000.00",
};

/** The message for an amount problem ("must have at most two decimals (cents)"). */
export function amountProblemText(p: AmountProblem): string {
  return AMOUNT_PROBLEM_TEXT[p];
}

/**
 * Parse money a person typed into integer cents, exactly. Rule (seed 004, DESIGN.md): money is
 * decimal in cents, never float, so an amount is refused rather than rounded when it has more
 * than two decimals; negative and absurd (> 10,000,000.00) amounts are refused too. A JSON number
 * is read through its shortest decimal form (0.1 → "0.1"), so 0.10 + 0.20 is 30 cents, not
 * 0.30000000000000004.
 */
export function parseAmountCents(value: unknown): { ok: true; cents: number } | { ok: false; problem: AmountProblem } {
  let s: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { ok: false, problem: "not_an_amount" };
    s = String(value);
  } else if (typeof value === "string") s = value.trim();
  else return { ok: false, problem: "not_an_amount" };
  const m = /^(-?)(\d{1,16})(?:\.(\d+))?$/.exec(s);
  if (!m) return { ok: false, problem: "not_an_amount" };
  const [, sign, whole = "0", frac = ""] = m;
  if (frac.replace(/0+$/, "").length > 2) return { ok: false, problem: "too_many_decimals" };
  const cents = Number(whole) * 100 + Number(`${frac}00`.slice(0, 2));
  if (sign === "-" && cents !== 0) return { ok: false, problem: "negative" };
  if (cents > MAX_AMOUNT_CENTS) return { ok: false, problem: "too_large" };
  return { ok: true, cents };
}

/** Add amounts (Decimals, strings or numbers) in integer cents: the exact sum, never a float sum. */
export function sumCents(values: ReadonlyArray<{ toString(): string } | number | string | null | undefined>): number {
  let total = 0;
  for (const v of values) if (v !== null && v !== undefined) total += toCents(v);
  return total;
}
