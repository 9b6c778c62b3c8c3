/**
 * The record of every LLM feature request (`llm_usage`): tokens, latency, outcome and an
 * estimated cost, the daily token budget, and the usage summary of `GET /api/ai/usage`.
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { LlmPrice } from "../config/config.js";
import type { CoreDeps } from "../context.js";
import type { LlmTokens } from "../ports.js";

export type UsageOutcome =
  | "ok"
  | "cache_hit"
  | "invalid_output"
  | "timeout"
  | "error"
  | "circuit_open"
  | "budget_exhausted";

const DAY_MS = 86_400_000;

/** The UTC day `now` falls in. */
export function utcDayStart(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
}

/**
 * Estimated cost in millionths of a USD: cached input tokens at the cached price, the rest of the
 * input and the output at theirs. A model not in the table (a local model) costs 0.
 */
export function estimateCostMicros(prices: Record<string, LlmPrice>, model: string, tokens: LlmTokens): number {
  const p = prices[model] ?? prices[model.replace(/-\d{4}-\d{2}-\d{2}$/, "")];
  if (!p) return 0;
  const uncached = Math.max(0, tokens.input - tokens.cached);
  return Math.round(uncached * p.input + tokens.cached * p.cachedInput + tokens.output * p.output);
}

/** One usage row. */
export async function recordUsage(
  deps: CoreDeps,
  row: {
    feature: string;
    model: string;
    promptVersion: number | null;
    ownerId: string | null;
    outcome: UsageOutcome;
    tokens?: LlmTokens;
    latencyMs?: number;
  },
): Promise<void> {
  const tokens = row.tokens ?? { input: 0, output: 0, cached: 0 };
  await deps.prisma.llmUsage.create({
    data: {
      feature: row.feature,
      model: row.model.slice(0, 100),
      prompt_version: row.promptVersion,
      owner_id: row.ownerId,
      outcome: row.outcome,
      tokens_in: tokens.input,
      tokens_out: tokens.output,
      cached_tokens: tokens.cached,
      latency_ms: Math.max(0, Math.round(row.latencyMs ?? 0)),
      est_cost_micros: estimateCostMicros(deps.config.openai.pricesUsdPerMTok, row.model, tokens),
      created_at: deps.clock.now(),
    },
  });
}

/** Tokens (in + out) spent today (UTC) across all features. */
export async function tokensSpentToday(deps: CoreDeps, now: Date): Promise<number> {
  const sum = await deps.prisma.llmUsage.aggregate({
    where: { created_at: { gte: utcDayStart(now) } },
    _sum: { tokens_in: true, tokens_out: true },
  });
  return (sum._sum.tokens_in ?? 0) + (sum._sum.tokens_out ?? 0);
}

/**
 * Is there budget left today? Rule: `AI_DAILY_TOKEN_BUDGET` tokens a UTC day across all
 * features; 0 means no LLM calls at all. Past it, every feature answers from rules.
 */
export async function withinBudget(deps: CoreDeps, now: Date): Promise<boolean> {
  const budget = deps.config.openai.dailyTokenBudget;
  if (budget <= 0) return false;
  return (await tokensSpentToday(deps, now)) < budget;
}

/**
 * Usage per day and feature over the last `days` days (an admin sees all, a contractor key only
 * its own requests), with totals, cache hit rate and failures, and the model and base URL in use
 * (never the key).
 */
export async function usageSummary(deps: CoreDeps, scope: ApiScope, days: number) {
  const now = deps.clock.now();
  const from = new Date(utcDayStart(now).getTime() - (days - 1) * DAY_MS);
  const rows = await deps.prisma.llmUsage.groupBy({
    by: ["feature", "outcome"],
    where: { created_at: { gte: from }, ...ownedBy(scope) },
    _count: { _all: true },
    _sum: { tokens_in: true, tokens_out: true, cached_tokens: true, est_cost_micros: true, latency_ms: true },
  });
  const features = new Map<string, { feature: string; requests: number; by_outcome: Record<string, number> }>();
  let requests = 0;
  let hits = 0;
  let failures = 0;
  const total = { tokens_in: 0, tokens_out: 0, cached_tokens: 0, est_cost_micros: 0 };
  for (const r of rows) {
    const n = r._count._all;
    const f = features.get(r.feature) ?? { feature: r.feature, requests: 0, by_outcome: {} };
    f.requests += n;
    f.by_outcome[r.outcome] = (f.by_outcome[r.outcome] ?? 0) + n;
    features.set(r.feature, f);
    requests += n;
    if (r.outcome === "cache_hit") hits += n;
    if (["invalid_output", "timeout", "error"].includes(r.outcome)) failures += n;
    total.tokens_in += r._sum.tokens_in ?? 0;
    total.tokens_out += r._sum.tokens_out ?? 0;
    total.cached_tokens += r._sum.cached_tokens ?? 0;
    total.est_cost_micros += r._sum.est_cost_micros ?? 0;
  }
  const { model, baseUrl, apiKey, dailyTokenBudget } = deps.config.openai;
  return {
    configured: Boolean(deps.llm),
    model,
    base_url: apiKey || baseUrl ? (baseUrl ?? "https://api.openai.com/v1") : null,
    daily_token_budget: dailyTokenBudget,
    tokens_today: await tokensSpentToday(deps, now),
    from: from.toISOString(),
    requests,
    cache_hit_rate: requests > 0 ? Math.round((hits / requests) * 1000) / 1000 : 0,
    failures,
    ...total,
    est_cost_usd: (total.est_cost_micros / 1_000_000).toFixed(4),
    features: [...features.values()].sort((a, b) => a.feature.localeCompare(b.feature)),
  };
}
