import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { aiOverview } from "../../core/ai/ai-overview.query.js";
import { setAiFeature } from "../../core/ai/ai-settings.js";
import { ERROR_CODES } from "../../core/errors.js";
import { actorOf } from "./audit.js";
import { render, renderError, wantsFragment } from "./render.js";
import type { PanelDeps } from "./types.js";

/** The AI layer's cost and switches concern the whole platform: admins only. */
const ADMIN_ONLY = { roles: ["admin"] as const };
const DAYS = 14;

/**
 * The AI page (admins): the model and base URL in use (never the key), the circuit breaker, a
 * switch per feature (off = that feature answers from its rules; audited), and usage and
 * estimated cost per day with the cache hit rate and failures.
 */
export function aiPanelRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/ai", { config: ADMIN_ONLY }, async (req, reply) =>
      render(req, reply, "pages/ai", { ai: await aiOverview(deps, DAYS) }, { title: "AI — LeadRelay" }),
    );

    app.post(
      "/ai/features/:feature",
      {
        schema: {
          params: z.object({ feature: z.string().max(60) }),
          body: z.object({ enabled: z.enum(["true", "false"]), _csrf: z.string().optional() }),
        },
        config: ADMIN_ONLY,
      },
      async (req, reply) => {
        const r = await setAiFeature(deps, req.params.feature, req.body.enabled === "true", actorOf(req));
        if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
        if (!wantsFragment(req)) return reply.redirect("/admin/ai", 303);
        return render(req, reply, "pages/ai", { ai: await aiOverview(deps, DAYS) }, { fragment: true });
      },
    );
  };
}
