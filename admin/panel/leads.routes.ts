import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  LEAD_STATUSES,
  leadCategories,
  leadEvidence,
  leadFilterSchema,
  searchLeads,
} from "../../core/marketplace/lead-admin.query.js";
import { listQuery, pagerFor } from "./paging.js";
import { render, renderError, wantsFragment } from "./render.js";
import { panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

/**
 * Leads: a filterable, paginated table (plain links and a GET form without JavaScript; htmx
 * swaps only the table and pushes the URL), and one lead's evidence timeline.
 */
export function leadRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/leads", async (req, reply) => {
      const raw = (req.query ?? {}) as Record<string, unknown>;
      const parsed = leadFilterSchema.safeParse(raw);
      const categories = await leadCategories(deps);
      const error = parsed.success
        ? null
        : parsed.error.issues.map((i) => `${i.path.join(".") || "filter"}: ${i.message}`).join("; ");
      const result = parsed.success ? await searchLeads(deps, parsed.data, undefined, panelScope(req)) : null;
      const pager = result ? pagerFor("/admin/leads", raw, result) : null;
      const data = { filter: listQuery(raw), result, pager, error, categories, statuses: LEAD_STATUSES };
      const status = error ? 400 : 200;
      if (wantsFragment(req)) return render(req, reply, "partials/leads-table", data, { status, fragment: true });
      return render(req, reply, "pages/leads", data, { title: "Leads — LeadRelay", status });
    });

    app.get("/leads/:id", { schema: { params: z.object({ id: z.string().max(64) }) } }, async (req, reply) => {
      const r = await leadEvidence(deps, req.params.id, panelScope(req));
      if (!r.ok) return renderError(req, reply, 404, r.code, "There is no such lead.");
      return render(req, reply, "pages/lead", r.value, { title: `${r.value.lead.title} — LeadRelay` });
    });
  };
}
