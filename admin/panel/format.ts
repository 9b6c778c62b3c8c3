import { DateTime } from "luxon";

/** Formatting helpers the templates use (`it.fmt.money(cents)`, `it.fmt.when(date)`…). */
export function formatters(zone: string) {
  const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
  const usdCents = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  return {
    /** Whole dollars from a number of dollars (Decimal-like values are converted). */
    usd: (v: unknown) => usd.format(Number(v ?? 0)),
    /** Dollars and cents. */
    usdExact: (v: unknown) => usdCents.format(Number(v ?? 0)),
    int: (v: unknown) => Number(v ?? 0).toLocaleString("en-US"),
    pct: (v: unknown, digits = 0) => (v === null || v === undefined ? "—" : `${(Number(v) * 100).toFixed(digits)} %`),
    when: (d: Date | string | null | undefined) =>
      d ? DateTime.fromJSDate(new Date(d)).setZone(zone).toFormat("yyyy-LL-dd HH:mm") : "—",
    date: (d: Date | string | null | undefined) =>
      d ? DateTime.fromJSDate(new Date(d)).setZone(zone).toFormat("yyyy-LL-dd") : "—",
    iso: (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : ""),
    ago: (d: Date | string | null | undefined, now: Date) =>
      d ? (DateTime.fromJSDate(new Date(d)).toRelative({ base: DateTime.fromJSDate(now) }) ?? "—") : "—",
    minutes: (ms: unknown) => (ms === null || ms === undefined ? "—" : `${Math.round(Number(ms) / 60_000)} min`),
  };
}
