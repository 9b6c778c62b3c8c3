/**
 * Reading a sale amount as people type it (/won 9000): "9000", "9,000", "9.000", "$9000.50",
 * "9 500", "1.234,56", "9k", "9.5k", "2m". Anything else — negative, zero, exponents, words, more
 * than two decimals, over $10,000,000 — is refused with one helpful reply.
 */

/** The largest amount accepted: 10 million dollars, in cents. */
export const MAX_AMOUNT_CENTS = 1_000_000_000;

const GROUPED = /^(\d{1,3})((?:([.,])\d{3})(?:\3\d{3})*)(?:([.,])(\d{1,2}))?$/;
const PLAIN = /^(\d{1,9})(?:[.,](\d{1,3}))?$/;

/** The typed text as an amount in cents, or null when it is not one we accept. */
export function parseAmount(raw: string): number | null {
  const s = raw
    .trim()
    .replace(/[\s\u00a0\u202f']/g, "")
    .replace(/^(?:usd|us\$|\$)/i, "")
    .replace(/(?:usd|\$)$/i, "")
    .toLowerCase();
  const m = /^(.+?)(k|m)?$/.exec(s);
  if (!m?.[1]) return null;
  const scale = m[2] === "k" ? 1_000 : m[2] === "m" ? 1_000_000 : 1;
  const value = number(m[1], scale === 1 ? 2 : 3);
  if (value === null) return null;
  const cents = Math.round(value * scale * 100);
  return cents > 0 && cents <= MAX_AMOUNT_CENTS ? cents : null;
}

/** "9,000" / "1.234,56" / "9.50": thousands groups then decimals, or plain decimals (at most `decimals`). */
function number(s: string, decimals: number): number | null {
  const g = GROUPED.exec(s);
  // "9,000" and "9.000" are thousands; "1,234.56" and "1.234,56" too — the separators must differ.
  if (g && (g[4] === undefined || g[4] !== g[3])) {
    const whole = `${g[1]}${(g[2] ?? "").replace(/[.,]/g, "")}`;
    return Number(`${whole}.${g[5] ?? "0"}`);
  }
  const p = PLAIN.exec(s);
  if (!p || (p[2] !== undefined && p[2].length > decimals)) return null;
  return Number(`${p[1]}.${p[2] ?? "0"}`);
}
