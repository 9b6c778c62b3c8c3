/**
 * What the dashboard templates draw, computed from the read model: chart geometry and the
 * labels that need more than a one-liner in eta.
 */

import type { Dashboard } from "../../core/kpi/dashboard.query.js";
import type { MinutesBucket } from "../../core/kpi/marketplace.kpi.js";
import type { LeadStatus } from "../../prisma/generated/client.js";
import { barChart } from "./charts.js";

const usd0 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const compactUsd = (n: number) => (n >= 1000 ? `$${(n / 1000).toFixed(n >= 10_000 ? 0 : 1)}k` : usd0.format(n));

/** Short axis labels for lead statuses. */
export const STATUS_LABELS: Readonly<Record<LeadStatus, string>> = {
  CREATED: "Created",
  ACTIVE: "Active",
  BIDDING_CLOSED: "Closed",
  PENDING_RESPONSE_1: "Pend. 1",
  PENDING_RESPONSE_2: "Pend. 2",
  PENDING_RESPONSE_3: "Pend. 3",
  CONTACTED: "Contacted",
  EXPIRED: "Expired",
  ARCHIVED: "Archived",
  // In the enum's order: the template pairs these bars with the keys of leads_by_status.
  UNREACHABLE: "Unreachable",
};

/** "< 5 min", "15–30 min", "1–2 h", "≥ 4 h". */
export function bucketLabel(b: MinutesBucket): string {
  const unit = (m: number) => (m >= 60 ? `${m / 60} h` : `${m} min`);
  const bare = (m: number) => (m >= 60 ? `${m / 60}` : `${m}`);
  if (b.to === null) return `≥ ${unit(b.from)}`;
  if (b.from === 0) return `< ${unit(b.to)}`;
  const sameUnit = b.from >= 60 === b.to >= 60;
  return sameUnit ? `${bare(b.from)}–${unit(b.to)}` : `${unit(b.from)}–${unit(b.to)}`;
}

/** The dashboard's three charts. */
export function dashboardCharts(d: Dashboard) {
  const revenue = barChart(
    d.market.revenue_per_week.map((w) => ({
      label: w.week_start.slice(5),
      value: w.revenue_usd,
      title: `Week of ${w.week_start}: ${usd0.format(w.revenue_usd)} from ${w.conversions} conversion${w.conversions === 1 ? "" : "s"}`,
    })),
    { format: compactUsd },
  );
  const statuses = barChart(
    (Object.keys(STATUS_LABELS) as LeadStatus[]).map((s) => ({
      label: STATUS_LABELS[s],
      value: d.market.leads_by_status[s],
      title: `${s}: ${d.market.leads_by_status[s]} leads`,
    })),
    { format: (n) => String(Math.round(n)) },
  );
  const response = barChart(
    d.responseHistogram.map((b) => ({
      label: bucketLabel(b),
      value: b.count,
      title: `${bucketLabel(b)}: ${b.count} first response${b.count === 1 ? "" : "s"}`,
    })),
    { format: (n) => String(Math.round(n)) },
  );
  return { revenue, statuses, response };
}

/** Arrow and class for a trend label. */
export function trendMark(label: string): { arrow: string; cls: string; text: string } {
  if (label === "up") return { arrow: "▲", cls: "up", text: "up" };
  if (label === "down") return { arrow: "▼", cls: "down", text: "down" };
  if (label === "new") return { arrow: "★", cls: "new", text: "new" };
  return { arrow: "▬", cls: "flat", text: "flat" };
}
