import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiKeyActor } from "../../core/audit.js";
import type { CoreDeps } from "../../core/context.js";
import { refreshApplianceHealth } from "../../core/service/forensics.service.js";
import {
  closeOpportunity,
  createOpportunity,
  getOpportunity,
  listOpportunities,
  updateOpportunity,
} from "../../core/service/opportunity.service.js";
import { requireApiKey, scopeOf } from "./auth.js";
import { idParam, listResponse, pageQuery as page, reply, row } from "./route-kit.js";

/** Bodies are validated in core, so every error names its field. */
const body = (shape: string) => z.record(z.string(), z.unknown()).describe(shape);

/**
 * Opportunities (seed 000) and equipment forensics: create one for a customer (contact and
 * property come from the customer record; its sequence is enrolled), list with filters, change,
 * close as won/lost; score an appliance now. A contractor key sees only its own (others' are 404).
 */
export function opportunityRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));
    const tags = ["opportunities"];

    app.post(
      "/opportunities",
      {
        schema: {
          tags,
          summary: "Create an opportunity for a customer (enrols the sequence of its type)",
          body: body(
            "{ customer_id, opportunity_type: replacement|code_violation|maintenance, priority?, job_complexity?, appliance_id?, asset_brand?, asset_age_years?, forensic_inputs?, est_value_usd? }",
          ),
        },
      },
      async (req, res) =>
        reply(res, await createOpportunity(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );

    app.get(
      "/opportunities",
      {
        schema: {
          tags,
          summary: "List opportunities",
          querystring: z.object({
            status: z.string().max(50).optional().describe("pending, nurturing, converted, lost, stopped"),
            opportunity_type: z
              .string()
              .max(50)
              .optional()
              .describe("replacement, code_violation, maintenance, stale_estimate"),
            customer_id: z.string().max(64).optional(),
            ...page,
          }),
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listOpportunities(deps, scopeOf(req), req.query)),
    );

    app.get(
      "/opportunities/:id",
      { schema: { tags, summary: "One opportunity with the sequence nurturing it", params: idParam } },
      async (req, res) => reply(res, await getOpportunity(deps, scopeOf(req), req.params.id)),
    );

    for (const method of ["put", "patch"] as const) {
      app[method](
        "/opportunities/:id",
        {
          schema: {
            tags,
            summary: "Change an open opportunity",
            params: idParam,
            body: body(
              "{ status?: pending|nurturing|stopped, priority?, job_complexity?, asset_brand?, asset_age_years?, forensic_inputs?, est_value_usd? }",
            ),
          },
        },
        async (req, res) =>
          reply(res, await updateOpportunity(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
      );
    }

    app.post(
      "/opportunities/:id/close",
      {
        schema: {
          tags,
          summary: "Close an opportunity as won (with revenue_usd) or lost (with a reason)",
          params: idParam,
          body: body("{ outcome: won|lost, revenue_usd?, reason? }"),
        },
      },
      async (req, res) =>
        reply(res, await closeOpportunity(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );

    app.post(
      "/appliances/:id/forensics",
      {
        schema: {
          tags: ["service"],
          summary: "Score an appliance now: health, 12-month failure probability, equivalent age, verdict",
          params: idParam,
        },
      },
      async (req, res) =>
        reply(res, await refreshApplianceHealth(deps, scopeOf(req), req.params.id), 200, (v) => ({
          ...v.appliance,
          forensics: v.forensics,
          unscored: v.unscored ?? null,
          opportunity: v.opportunity,
        })),
    );
  };
}
