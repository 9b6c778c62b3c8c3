import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOpportunities } from "../../core/service/opportunity.service.js";
import { ALL_OPPORTUNITY_TYPES, OPPORTUNITY_STATUSES } from "../../core/service/opportunity-input.js";
import { render, renderError, wantsFragment } from "./render.js";
import { panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

const PER_PAGE = 50;

const query = z.object({
  type: z.string().max(50).optional(),
  status: z.string().max(50).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});

/**
 * Opportunities (seed 000): every contractor's, filtered by type and status, each with its
 * customer, estimated value (an estimate, shown as "~$3,200"), revenue when won, where it came
 * from and the nurturing sequence it enrolled — core's listOpportunities, read-only here.
 */
export function opportunityRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/opportunities", { schema: { querystring: query } }, async (req, reply) => {
      const f = { type: req.query.type || undefined, status: req.query.status || undefined, page: req.query.page };
      const list = await listOpportunities(deps, panelScope(req), {
        opportunity_type: f.type,
        status: f.status,
        page: f.page,
        per_page: PER_PAGE,
      });
      if (!list.ok) return renderError(req, reply, 400, list.code, list.message);
      const url = (n: number) => {
        const qs = new URLSearchParams();
        if (f.type) qs.set("type", f.type);
        if (f.status) qs.set("status", f.status);
        if (n > 1) qs.set("page", String(n));
        const s = qs.toString();
        return `/admin/opportunities${s ? `?${s}` : ""}`;
      };
      const pages = Math.max(1, Math.ceil(list.value.total / PER_PAGE));
      const data = {
        list: list.value,
        filter: f,
        types: ALL_OPPORTUNITY_TYPES,
        statuses: OPPORTUNITY_STATUSES,
        prevUrl: f.page > 1 ? url(f.page - 1) : null,
        nextUrl: f.page < pages ? url(f.page + 1) : null,
      };
      if (wantsFragment(req)) return render(req, reply, "partials/opportunities-table", data, { fragment: true });
      return render(req, reply, "pages/opportunities", data, { title: "Opportunities — LeadRelay" });
    });
  };
}
