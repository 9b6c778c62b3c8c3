/**
 * NBA with the model: the rules (core/nba/rules.ts) decide WHAT to do next — deterministic and
 * explained; the model may only rewrite HOW it is said, as a ready-to-send message per action.
 * Its answer is matched back by action id: an action it invents is dropped, one it skips keeps
 * no message, and the order stays the rules'.
 */
import type { CoreDeps } from "../context.js";
import type { NextBestAction } from "../nba/rules.js";
import { AI_TTL_MS } from "./customer-ai.service.js";
import { askLlm, type Engine } from "./llm-gateway.js";
import { nbaPhrasingSchema } from "./schemas.js";

/** The rules' actions, with a drafted message each when the model answered. */
export async function phraseActions(
  deps: CoreDeps,
  customer: { name: string; pipeline_status: string; language_preference: string; owner_id: string },
  actions: NextBestAction[],
): Promise<{ engine: Engine; actions: Array<NextBestAction & { message?: string }> }> {
  if (actions.length === 0 || !deps.llm) return { engine: "rules", actions };
  const llm = await askLlm(deps, {
    feature: "nba",
    schema: nbaPhrasingSchema,
    vars: {
      language: customer.language_preference,
      customer_name: customer.name,
      pipeline_status: customer.pipeline_status,
      actions: actions.map((a) => `- ${a.action}: ${a.label} (${a.reason})`).join("\n"),
    },
    ownerId: customer.owner_id,
    ttlMs: AI_TTL_MS.nba,
  });
  if (!llm) return { engine: "rules", actions };
  const said = new Map(llm.value.actions.map((a) => [a.action, a.message]));
  return {
    engine: "llm",
    actions: actions.map((a) => {
      const message = said.get(a.action);
      return message ? { ...a, message } : a;
    }),
  };
}
