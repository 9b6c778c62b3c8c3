/**
 * The admin dashboard's read model: every platform KPI the panel's first page shows, gathered
 * from the KPI modules in one call (their queries run in parallel), plus the two things only
 * the dashboard needs — the first-response histogram and the NBA panel with customer owners.
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import { visibleUsers } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { nbaOverview } from "../nba/nba.service.js";
import type { NextBestAction } from "../nba/rules.js";
import { recentTicker, type TickerItem } from "./activity.kpi.js";
import { type DmoKpis, dmoKpis, dmoTotals } from "./dmo.kpi.js";
import { type MarketplaceKpis, type MinutesBucket, marketplaceKpis } from "./marketplace.kpi.js";
import {
  type PulseMetrics,
  pulseMetrics,
  type ValueVsRevenue,
  valueVsRevenue,
  type WeeklyStats,
  weeklyStats,
} from "./nurturing.kpi.js";
import { tickerHead } from "./ticker.query.js";

/** The whole platform: what admins and sales managers see. */
export const PLATFORM: ApiScope = { kind: "admin" };

/**
 * Upper bounds (minutes, exclusive) of the first-response histogram's buckets; the last is open.
 * marketplaceKpis counts them in the same statement as the first-response median and p90.
 */
export const RESPONSE_BUCKETS_MIN: readonly number[] = [5, 15, 30, 60, 120, 240];

/** A marketer whose DMO counters the dashboard can show. */
export interface Marketer {
  id: string;
  name: string;
}

/** Marketers (users with the marketer role), by name. */
export async function marketers(db: Db, scope: ApiScope = PLATFORM): Promise<Marketer[]> {
  return db.user.findMany({
    where: { role: "marketer", ...visibleUsers(scope) },
    select: { id: true, name: true },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
}

/** The DMO panel: the marketers to pick from, who is picked, and their counters. */
export interface DmoPanel {
  marketers: Marketer[];
  selected: Marketer | null;
  kpis: DmoKpis | null;
  /** True when the counters are the sum over every marketer (`marketerId` "all"). */
  platform?: boolean;
  /** How many marketers the sum covers. */
  marketerCount?: number;
}

/** The `marketerId` that asks for the platform sum. */
export const ALL_MARKETERS = "all";

/**
 * DMO counters of `marketerId` when that is a marketer, the sum over every marketer for
 * ALL_MARKETERS (an admin's platform view; each marketer's "today" in their own zone), else of
 * the first marketer by name.
 */
export async function dmoPanel(db: Db, now: Date, marketerId?: string, scope: ApiScope = PLATFORM): Promise<DmoPanel> {
  const list = await marketers(db, scope);
  if (marketerId === ALL_MARKETERS) {
    const totals = await dmoTotals(
      db,
      list.map((m) => m.id),
      now,
    );
    const selected = { id: ALL_MARKETERS, name: "All marketers" };
    return { marketers: list, selected, kpis: totals, platform: true, marketerCount: totals.marketer_count };
  }
  const selected = list.find((m) => m.id === marketerId) ?? list[0] ?? null;
  if (!selected) return { marketers: list, selected: null, kpis: null };
  const r = await dmoKpis(db, selected.id, now);
  return { marketers: list, selected, kpis: r.ok ? r.value : null };
}

/** One row of the NBA panel. */
export interface NbaRow {
  customer: { id: string; name: string; pipeline_status: string };
  owner: { id: string; name: string } | null;
  top: NextBestAction | undefined;
}

/** The most urgent customers on the platform with their top action and who owns them. */
export async function nbaPanel(deps: CoreDeps, limit: number, scope: ApiScope = PLATFORM): Promise<NbaRow[]> {
  const overview = await nbaOverview(deps, scope, limit);
  const ids = overview.data.map((d) => d.customer.id);
  const owners = await deps.prisma.customer.findMany({
    where: { id: { in: ids } },
    select: { id: true, owner: { select: { id: true, name: true } } },
  });
  const ownerOf = new Map(owners.map((o) => [o.id, o.owner]));
  return overview.data.map((d) => ({ customer: d.customer, owner: ownerOf.get(d.customer.id) ?? null, top: d.top }));
}

/** Everything on the dashboard. */
export interface Dashboard {
  now: Date;
  timezone: string;
  pulse: PulseMetrics;
  weekly: WeeklyStats;
  value: ValueVsRevenue;
  market: MarketplaceKpis;
  /** First-response minutes in RESPONSE_BUCKETS_MIN (the same answers as market.first_response_minutes). */
  responseHistogram: MinutesBucket[];
  dmo: DmoPanel;
  nba: NbaRow[];
  ticker: TickerItem[];
  /** The ticker's cursor for the live stream (see ticker.query.ts). */
  tickerHead: number;
}

/** How many rows the NBA panel and the ticker start with. */
const DASHBOARD_NBA_ROWS = 8;
const DASHBOARD_TICKER_ROWS = 15;

/**
 * The platform dashboard at the clock's now, with weeks and days in `tz`. Est. value vs revenue
 * covers all sequences (since: null); the DMO counters are one marketer's (`marketerId`, else the
 * first by name).
 */
export async function platformDashboard(
  deps: CoreDeps,
  opts: { tz: string; marketerId?: string; scope?: ApiScope },
): Promise<Dashboard> {
  const db = deps.prisma;
  const now = deps.clock.now();
  const scope = opts.scope ?? PLATFORM; // a sales manager's dashboard is their team's
  const [pulse, weekly, value, market, dmo, nba, ticker, head] = await Promise.all([
    pulseMetrics(db, scope, now),
    weeklyStats(db, scope, now, opts.tz),
    valueVsRevenue(db, scope, null),
    marketplaceKpis(db, scope, now, opts.tz, 12, RESPONSE_BUCKETS_MIN),
    dmoPanel(db, now, opts.marketerId, scope),
    nbaPanel(deps, DASHBOARD_NBA_ROWS, scope),
    recentTicker(db, scope, now, { limit: DASHBOARD_TICKER_ROWS }),
    tickerHead(db, scope),
  ]);
  return {
    now,
    timezone: opts.tz,
    pulse,
    weekly,
    value,
    market,
    responseHistogram: market.first_response_histogram ?? [],
    dmo,
    nba,
    ticker,
    tickerHead: head,
  };
}
