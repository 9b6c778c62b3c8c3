/**
 * Seed 004's customer AI features: timeline summary, follow-up suggestions, greeting, sentiment,
 * profitability. Each reads the owner-scoped facts, asks the model through the gateway and,
 * when the model cannot answer (none configured, budget, circuit, timeout, invalid output),
 * answers from its rules: `engine` says which. Nothing here writes business state: the answers
 * are suggestions for a person to act on.
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import type { CoreDeps } from "../context.js";
import { notFound } from "../crm/owned.js";
import { type Failure, ok, type Result } from "../errors.js";
import { firstNameOf } from "../messaging/templates.js";
import { fromCents, toCents } from "../money.js";
import { nextBestActions } from "../nba/rules.js";
import {
  type CustomerFacts,
  customerFacts,
  customerTexts,
  customerWords,
  isoDay,
  jobLines,
  knownPii,
  timelineLines,
} from "./customer-facts.js";
import { greetingFor, occasionFor, ruleFollowups } from "./customer-rules.js";
import { askLlm, type Engine } from "./llm-gateway.js";
import {
  followupSuggestionsSchema,
  greetingSchema,
  profitabilitySchema,
  sentimentSchema,
  timelineSummarySchema,
} from "./schemas.js";
import { customerSentiment } from "./sentiment-rules.js";

const HOUR_MS = 3_600_000;
/** Cache lifetimes per feature: long where the inputs change slowly. */
export const AI_TTL_MS = {
  timeline_summary: 6 * HOUR_MS,
  followup_suggestions: 6 * HOUR_MS,
  generate_greeting: 24 * HOUR_MS,
  analyze_sentiment: 6 * HOUR_MS,
  profitability_analysis: 24 * HOUR_MS,
  predict_maintenance: 24 * HOUR_MS,
  match_technician: HOUR_MS,
  generate_survey: 7 * 24 * HOUR_MS,
  nba: 6 * HOUR_MS,
} as const;

async function withFacts<R extends Result<{ engine: Engine }>>(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  run: (c: CustomerFacts) => Promise<R>,
): Promise<R | Failure> {
  const c = await customerFacts(deps, scope, id);
  return c ? run(c) : notFound("customer");
}

/**
 * A timeline summary. Rules: a structured digest (the latest timeline lines and counts); the
 * model may write it as prose with highlights, from the same lines only.
 */
export function timelineSummary(deps: CoreDeps, scope: ApiScope, id: string) {
  return withFacts(deps, scope, id, async (c) => {
    const lines = timelineLines(c);
    const digest = {
      interactions: c.interactions.length,
      jobs: c.jobs.length,
      last_contacted_at: c.last_contacted_at?.toISOString() ?? null,
      timeline: lines.map((l) => l.line),
    };
    const llm = await askLlm(deps, {
      feature: "timeline_summary",
      schema: timelineSummarySchema,
      vars: {
        owner_language: c.owner.language,
        customer_name: c.name,
        status: `${c.status} / ${c.pipeline_status}`,
        timeline: lines.map((l) => `- ${l.line}`).join("\n") || "none",
        jobs: jobLines(c),
      },
      untrusted: { messages: customerWords(c) },
      known: knownPii(c),
      ownerId: c.owner_id,
      ttlMs: AI_TTL_MS.timeline_summary,
    });
    if (llm) return ok({ engine: "llm" as Engine, ...llm.value, digest });
    const summary = `${c.name}: ${c.pipeline_status}, ${c.jobs.length} job(s), ${c.interactions.length} interaction(s); last contact ${isoDay(c.last_contacted_at)}.`;
    return ok({ engine: "rules" as Engine, summary, highlights: digest.timeline.slice(0, 5), digest });
  });
}

/**
 * Follow-up suggestions: what to do comes from the NBA rules; a drafted message in the
 * customer's language on their preferred channel. Rules: the message templates; the model may
 * phrase the drafts. Nothing is sent: a person taps Send.
 */
export function followupSuggestions(deps: CoreDeps, scope: ApiScope, id: string) {
  return withFacts(deps, scope, id, async (c) => {
    const now = deps.clock.now();
    const reminders = await deps.prisma.reminder.findMany({ where: { customer_id: c.id, completed: false } });
    const actions = nextBestActions({ customer: c, reminders, events: c.events, now });
    const rules = ruleFollowups(c, actions, now);
    const language = c.language_preference;
    const llm = await askLlm(deps, {
      feature: "followup_suggestions",
      schema: followupSuggestionsSchema,
      vars: {
        customer_name: c.name,
        preferred_contact_method: c.preferred_contact_method ?? "any",
        language,
        status: c.pipeline_status,
        last_contacted_at: isoDay(c.last_contacted_at),
        next_actions: actions.map((a) => `${a.label} (${a.reason})`).join("; ") || "none",
        deals: c.deals.map((d) => `${d.title} at ${d.stage.name}`).join("; ") || "none",
        interactions: c.interactions
          .slice(0, 5)
          .map((i) => `- ${isoDay(i.created_at)} ${i.type}: ${i.content.slice(0, 200)}`)
          .join("\n"),
      },
      untrusted: { messages: customerWords(c) },
      known: knownPii(c),
      ownerId: c.owner_id,
      ttlMs: AI_TTL_MS.followup_suggestions,
    });
    const base = { language, next_actions: actions };
    if (llm) return ok({ engine: "llm" as Engine, ...base, suggestions: llm.value.suggestions });
    return ok({ engine: "rules" as Engine, ...base, suggestions: rules });
  });
}

/** A greeting for the occasion the data says (see customer-rules.ts); rules: the template. */
export function generateGreeting(deps: CoreDeps, scope: ApiScope, id: string) {
  return withFacts(deps, scope, id, async (c) => {
    const now = deps.clock.now();
    const occasion = occasionFor(c, now);
    const language = c.language_preference;
    const company = c.owner.company_name || c.owner.name;
    const llm = await askLlm(deps, {
      feature: "generate_greeting",
      schema: greetingSchema,
      vars: {
        language,
        first_name: firstNameOf(c.name) ?? c.name,
        occasion: occasion.kind,
        occasion_detail: occasion.detail,
        company_name: company,
      },
      known: knownPii(c),
      ownerId: c.owner_id,
      ttlMs: AI_TTL_MS.generate_greeting,
    });
    const base = { occasion, language, channel: c.preferred_contact_method ?? null };
    if (llm) return ok({ engine: "llm" as Engine, ...base, message: llm.value.message });
    return ok({ engine: "rules" as Engine, ...base, message: greetingFor(occasion.kind, language, c.name, company) });
  });
}

/**
 * Sentiment of the customer's own words. Rules: the en/da lexicon with negation over their
 * messages and review comments, blended with their review ratings (sentiment-rules.ts); the
 * model may judge the same words instead. Always answers: no model is no error.
 */
export function analyzeSentiment(deps: CoreDeps, scope: ApiScope, id: string) {
  return withFacts(deps, scope, id, async (c) => {
    const ratings = c.reviews.map((r) => r.rating);
    const llm = await askLlm(deps, {
      feature: "analyze_sentiment",
      schema: sentimentSchema,
      vars: { customer_name: c.name, ratings: ratings.join(", ") || "none" },
      untrusted: { messages: customerWords(c) },
      known: knownPii(c),
      ownerId: c.owner_id,
      ttlMs: AI_TTL_MS.analyze_sentiment,
    });
    if (llm) return ok({ engine: "llm" as Engine, ...llm.value });
    return ok({ engine: "rules" as Engine, ...customerSentiment(customerTexts(c), ratings) });
  });
}

/**
 * Profitability: the numbers are computed here (payments − direct and job expenses, in cents);
 * the model only explains them. Rules: a one-line narrative from the same numbers.
 */
export function profitabilityAnalysis(deps: CoreDeps, scope: ApiScope, id: string) {
  return withFacts(deps, scope, id, async (c) => {
    const [payments, expenses] = await Promise.all([
      deps.prisma.payment.aggregate({ where: { customer_id: c.id }, _sum: { amount: true }, _count: { _all: true } }),
      deps.prisma.expense.aggregate({
        where: { OR: [{ customer_id: c.id }, { job: { customer_id: c.id } }] },
        _sum: { amount: true },
        _count: { _all: true },
      }),
    ]);
    const paidCents = toCents(payments._sum.amount ?? 0);
    const spentCents = toCents(expenses._sum.amount ?? 0);
    const marginPercent = paidCents > 0 ? Math.round(((paidCents - spentCents) / paidCents) * 1000) / 10 : null;
    const numbers = {
      payments_total: fromCents(paidCents),
      payments_count: payments._count._all,
      expenses_total: fromCents(spentCents),
      expenses_count: expenses._count._all,
      profit: fromCents(paidCents - spentCents),
      margin_percent: marginPercent,
    };
    const llm = await askLlm(deps, {
      feature: "profitability_analysis",
      schema: profitabilitySchema,
      vars: {
        customer_name: c.name,
        ...numbers,
        margin_percent: marginPercent ?? "n/a",
        jobs: jobLines(c),
      },
      known: knownPii(c),
      ownerId: c.owner_id,
      ttlMs: AI_TTL_MS.profitability_analysis,
    });
    if (llm) return ok({ engine: "llm" as Engine, financials: numbers, ...llm.value });
    const narrative =
      paidCents === 0
        ? `${c.name} has not paid anything yet; costs so far ${numbers.expenses_total}.`
        : `${c.name} paid ${numbers.payments_total} over ${numbers.payments_count} payment(s) against ${numbers.expenses_total} of costs: profit ${numbers.profit} (margin ${marginPercent}%).`;
    return ok({ engine: "rules" as Engine, financials: numbers, narrative, drivers: [] as string[] });
  });
}
