/**
 * The one way a feature asks the language model. Rules of the house (DESIGN.md, "The AI layer"):
 * no model configured, no budget left, an open circuit, no active prompt, a timeout or an answer
 * that fails its schema twice → `null`, and the feature answers from its rules. The prompt is the
 * active version of its template in `prompt_templates`; a feature an admin switched off (ai-settings.ts)
 * answers from its rules too; values are masked, customer-written text
 * fenced; answers are cached by a hash of template version + rendered prompt; every request is
 * recorded in `llm_usage`. The model never changes state: its answer is a suggestion.
 */
import { createHash } from "node:crypto";
import type { ZodType } from "zod";
import type { CoreDeps } from "../context.js";
import { renderText } from "../messaging/templates.js";
import type { LlmAnswer } from "../ports.js";
import { aiFeatureEnabled } from "./ai-settings.js";
import { breakerFor } from "./circuit-breaker.js";
import { fenceUntrusted, maskPii, SAFETY_RULES } from "./privacy.js";
import { recordUsage, withinBudget } from "./usage.js";

/** Which engine produced an answer. */
export type Engine = "llm" | "rules";

/** One feature's request to the model. */
export interface FeatureAsk<T> {
  /** The prompt template key (`prompt_templates.key`), also the feature name in the usage record. */
  feature: string;
  schema: ZodType<T>;
  /** Trusted values (computed from our own records); free text in them is masked too. */
  vars: Record<string, string | number | null | undefined>;
  /** Customer-written text by placeholder: masked and fenced as untrusted data. */
  untrusted?: Record<string, string>;
  /** The customer's own phone, e-mail, address: masked wherever they appear. */
  known?: ReadonlyArray<string | null | undefined>;
  /** Whose request (a contractor's) for the usage record; null = admin or a job. */
  ownerId: string | null;
  /** How long the answer may be served from the cache. */
  ttlMs: number;
}

/** A model answer, with where it came from. */
export interface LlmOutcome<T> {
  value: T;
  cached: boolean;
  promptVersion: number;
}

/** The rendered prompt a feature would send (masked, fenced), for tests and the panel preview. */
export function renderPrompt(
  template: { system_prompt: string; user_template: string },
  ask: Pick<FeatureAsk<unknown>, "vars" | "untrusted" | "known">,
): { system: string; user: string } {
  const known = ask.known ?? [];
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(ask.vars)) values[k] = v == null || v === "" ? "—" : maskPii(String(v), known);
  for (const [k, v] of Object.entries(ask.untrusted ?? {})) values[k] = fenceUntrusted(k, v, known);
  const names = Object.keys(values);
  const system = renderText(template.system_prompt, values, names).text;
  const user = renderText(template.user_template, values, names).text;
  return { system: `${system}\n\n${SAFETY_RULES}`, user };
}

function cacheKey(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/**
 * Ask the model for one feature's answer, or null when the rules must answer (see the file
 * comment for when). At most two model calls: one retry on a 5xx/connection error or an answer
 * that fails the schema, none after a timeout (so a hanging endpoint costs one timeout).
 */
export async function askLlm<T>(deps: CoreDeps, ask: FeatureAsk<T>): Promise<LlmOutcome<T> | null> {
  const llm = deps.llm;
  if (!llm) return null;
  // An admin switched this feature's model use off (the panel's AI page): the rules answer.
  if (!(await aiFeatureEnabled(deps.prisma, ask.feature))) return null;
  const now = deps.clock.now();
  const template = await deps.prisma.promptTemplate.findFirst({
    where: { key: ask.feature, is_active: true },
    orderBy: { version: "desc" },
  });
  if (!template) return null;
  const model = template.model || llm.model;
  const base = { feature: ask.feature, model, promptVersion: template.version, ownerId: ask.ownerId };
  const prompt = renderPrompt(template, ask);
  const key = cacheKey({ id: template.id, version: template.version, model, ...prompt });
  const hit = await deps.prisma.llmCache.findFirst({ where: { key, expires_at: { gt: now } } });
  if (hit) {
    const parsed = ask.schema.safeParse(hit.response);
    if (parsed.success) {
      await recordUsage(deps, { ...base, outcome: "cache_hit" });
      return { value: parsed.data, cached: true, promptVersion: template.version };
    }
  }
  if (!(await withinBudget(deps, now))) {
    await recordUsage(deps, { ...base, outcome: "budget_exhausted" });
    return null;
  }
  const breaker = breakerFor(llm);
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (!breaker.allow(deps.clock.now())) {
      await recordUsage(deps, { ...base, outcome: "circuit_open" });
      return null;
    }
    const started = performance.now();
    let answer: LlmAnswer<T>;
    try {
      answer = await llm.complete({ feature: ask.feature, model, ...prompt, schema: ask.schema });
    } catch (error) {
      answer = { ok: false, reason: "error", retryable: false, detail: String(error), model, tokens: zero };
    }
    const latencyMs = performance.now() - started;
    if (answer.ok) {
      // The adapter parsed against the schema already; parse again so the cache holds only valid data.
      const checked = ask.schema.safeParse(answer.value);
      if (checked.success) {
        breaker.success();
        await recordUsage(deps, { ...base, model: answer.model, outcome: "ok", tokens: answer.tokens, latencyMs });
        const expires = new Date(deps.clock.now().getTime() + ask.ttlMs);
        const response = JSON.parse(JSON.stringify(checked.data));
        await deps.prisma.llmCache.upsert({
          where: { key },
          create: { key, prompt_key: ask.feature, response, created_at: now, expires_at: expires },
          update: { response, created_at: now, expires_at: expires },
        });
        return { value: checked.data, cached: false, promptVersion: template.version };
      }
      answer = { ...answer, ok: false, reason: "invalid_output", retryable: true, detail: checked.error.message };
    }
    breaker.failure(deps.clock.now());
    await recordUsage(deps, { ...base, outcome: answer.reason, tokens: answer.tokens, latencyMs });
    deps.log.warn("llm call failed", { feature: ask.feature, attempt, reason: answer.reason, detail: answer.detail });
    if (!answer.retryable) return null;
  }
  return null;
}

const zero = { input: 0, output: 0, cached: 0 };
