/**
 * The panel's AI page, read side: the model and base URL in use (never the key), the circuit
 * breaker's state, each feature's switch, and usage per UTC day — requests, tokens, estimated
 * cost, cache hit rate and failures (from `llm_usage`).
 */
import { PLATFORM_SCOPE } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { AI_FEATURE_LABELS, AI_FEATURES, aiFeatureSwitches } from "./ai-settings.js";
import { breakerFor, type CircuitState } from "./circuit-breaker.js";
import { usageSummary, utcDayStart } from "./usage.js";

const DAY_MS = 86_400_000;

/** One UTC day of usage. */
export interface UsageDay {
  day: string;
  requests: number;
  cacheHits: number;
  failures: number;
  fallbacks: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: string;
}

/** Usage per UTC day over the last `days` days, newest first (days without requests included). */
export async function usageByDay(deps: CoreDeps, days: number): Promise<UsageDay[]> {
  const now = deps.clock.now();
  const from = new Date(utcDayStart(now).getTime() - (days - 1) * DAY_MS);
  const rows = await deps.prisma.$queryRaw<
    Array<{
      day: string;
      requests: bigint;
      hits: bigint;
      failures: bigint;
      fallbacks: bigint;
      tin: bigint | null;
      tout: bigint | null;
      cost: bigint | null;
    }>
  >`
    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
      count(*) AS requests,
      count(*) FILTER (WHERE outcome = 'cache_hit') AS hits,
      count(*) FILTER (WHERE outcome IN ('invalid_output', 'timeout', 'error')) AS failures,
      count(*) FILTER (WHERE outcome IN ('circuit_open', 'budget_exhausted')) AS fallbacks,
      sum(tokens_in) AS tin, sum(tokens_out) AS tout, sum(est_cost_micros) AS cost
    FROM llm_usage WHERE created_at >= ${from}
    GROUP BY 1`;
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: UsageDay[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(utcDayStart(now).getTime() - i * DAY_MS).toISOString().slice(0, 10);
    const r = byDay.get(day);
    out.push({
      day,
      requests: Number(r?.requests ?? 0),
      cacheHits: Number(r?.hits ?? 0),
      failures: Number(r?.failures ?? 0),
      fallbacks: Number(r?.fallbacks ?? 0),
      tokensIn: Number(r?.tin ?? 0),
      tokensOut: Number(r?.tout ?? 0),
      costUsd: (Number(r?.cost ?? 0) / 1_000_000).toFixed(4),
    });
  }
  return out;
}

/** Everything the AI page shows. */
export async function aiOverview(deps: CoreDeps, days = 7) {
  const now = deps.clock.now();
  const [summary, perDay, switches] = await Promise.all([
    usageSummary(deps, PLATFORM_SCOPE, days),
    usageByDay(deps, days),
    aiFeatureSwitches(deps.prisma),
  ]);
  const breaker: CircuitState | "no_model" = deps.llm ? breakerFor(deps.llm).state(now) : "no_model";
  return {
    configured: summary.configured,
    model: summary.configured ? summary.model : null,
    baseUrl: summary.base_url,
    dailyTokenBudget: summary.daily_token_budget,
    tokensToday: summary.tokens_today,
    breaker,
    totals: {
      requests: summary.requests,
      cacheHitRate: summary.cache_hit_rate,
      failures: summary.failures,
      costUsd: summary.est_cost_usd,
    },
    perDay,
    features: AI_FEATURES.map((f) => ({
      key: f,
      label: AI_FEATURE_LABELS[f],
      enabled: switches[f],
      requests: summary.features.find((x) => x.feature === f)?.requests ?? 0,
    })),
  };
}

export type AiOverview = Awaited<ReturnType<typeof aiOverview>>;
