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
