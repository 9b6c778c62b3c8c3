import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import {
  analyzeSentiment,
  followupSuggestions,
  generateGreeting,
  profitabilityAnalysis,
  timelineSummary,
} from "../../core/ai/customer-ai.service.js";
import { generateSurvey, matchTechnician, predictMaintenance } from "../../core/ai/service-ai.service.js";
import { usageSummary } from "../../core/ai/usage.js";
import type { CoreDeps } from "../../core/context.js";
import type { Result } from "../../core/errors.js";
import { requireApiKey, scopeOf } from "./auth.js";
import { idParam, reply } from "./route-kit.js";

const tags = ["ai"];
const engineNote = 'answers carry `engine: "llm" | "rules"`; nothing is sent or changed';

/**
 * Seed 004's AI features (docs/ai.md): thin routes over core/ai. An API key sees only its own
 * customers; without a model (or with a feature switched off in the panel) every route answers from rules.
 */
export function aiRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));
    const customerFeatures = [
      ["timeline-summary", "Timeline summary of a customer", timelineSummary],
      ["followup-suggestions", "Follow-up drafts in the customer's language and channel", followupSuggestions],
      ["generate-greeting", "A greeting for the occasion the data says", generateGreeting],
      ["analyze-sentiment", "Sentiment of the customer's own words and ratings", analyzeSentiment],
      ["profitability-analysis", "Profitability of a customer, explained", profitabilityAnalysis],
    ] as const;
    type Feature = (deps: CoreDeps, scope: ApiScope, id: string) => Promise<Result<unknown>>;
    for (const [path, summary, feature] of customerFeatures) {
      const run = feature as Feature;
      app.post(
        `/customers/:id/${path}`,
        { schema: { tags, summary: `${summary}; ${engineNote}`, params: idParam } },
        async (req, res) => reply(res, await run(deps, scopeOf(req), req.params.id)),
      );
    }

    app.post(
      "/appliances/:id/predict-maintenance",
      { schema: { tags, summary: `Maintenance narrative over the forensics numbers; ${engineNote}`, params: idParam } },
      async (req, res) => reply(res, await predictMaintenance(deps, scopeOf(req), req.params.id)),
    );

    app.post(
      "/jobs/match-technician",
      {
        schema: {
          tags,
          summary: `Ranked technicians with reasons (body: job_id or customer_id, title?, skills?); ${engineNote}`,
          body: z.unknown(),
        },
      },
      async (req, res) => reply(res, await matchTechnician(deps, scopeOf(req), req.body ?? {})),
    );

    app.post(
      "/jobs/:id/generate-survey",
      { schema: { tags, summary: `Post-service survey question for a job; ${engineNote}`, params: idParam } },
      async (req, res) => reply(res, await generateSurvey(deps, scopeOf(req), req.params.id)),
    );

    app.get(
      "/ai/usage",
      {
        schema: {
          tags,
          summary: "LLM usage per feature (an admin key sees all, a contractor key its own): tokens, cost, cache hits",
          querystring: z.object({ days: z.coerce.number().int().min(1).max(90).default(7) }),
        },
      },
      async (req) => usageSummary(deps, scopeOf(req), req.query.days),
    );
  };
}
