import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { approveAccessRequest, rejectAccessRequest } from "../../core/accounts/access.service.js";
import { createLinkCode } from "../../core/accounts/contractor.service.js";
import {
  contractorDetail,
  listContractors,
  pendingAccessRequests,
} from "../../core/accounts/contractor-admin.query.js";
import { ERROR_CODES } from "../../core/errors.js";
import { unbanContractor } from "../../core/marketplace/ban.service.js";
import { actorOf } from "./audit.js";
import { listQuery, pagerFor } from "./paging.js";
import { render, renderError, renderPartial, wantsFragment } from "./render.js";
import { panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

const idParams = { params: z.object({ id: z.string().max(64) }) };
const isHtmx = (h: unknown) => h === "true";
/** A form field as a trimmed string ('' when missing or not a string). */
const field = (body: unknown, name: string) => {
  const v = body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === "string" ? v.trim() : "";
};

/**
 * Contractors: the list (with metrics) and the access requests waiting for a decision, one
 * contractor's page (profile, service area, metrics, strikes, ban state, chat links), an admin
 * unban, and one-time link codes shown once.
 */
export function contractorRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/contractors", async (req, reply) => {
      const raw = (req.query ?? {}) as Record<string, unknown>;
      const q = typeof raw.q === "string" ? raw.q.trim().slice(0, 100) : "";
      const page = Number(typeof raw.page === "string" && raw.page !== "" ? raw.page : 1);
      if (!Number.isInteger(page) || page < 1 || page > 100_000) {
        return renderError(req, reply, 400, "VALIDATION_FAILED", "page must be a whole number from 1");
      }
      const banned = raw.banned === "1";
      const [result, requests] = await Promise.all([
        listContractors(deps, { q: q || undefined, banned, page }, undefined, panelScope(req)),
        pendingAccessRequests(deps, panelScope(req)),
      ]);
      const data = { result, requests, filter: listQuery(raw), pager: pagerFor("/admin/contractors", raw, result) };
      if (wantsFragment(req)) return renderPartial(req, reply, "partials/contractors-table", data);
      return render(req, reply, "pages/contractors", data, { title: "Contractors — LeadRelay" });
    });

    app.get("/contractors/:id", { schema: idParams }, async (req, reply) => {
      const r = await contractorDetail(deps, req.params.id, panelScope(req));
      if (!r.ok) return renderError(req, reply, 404, r.code, "There is no such contractor.");
      const { user: subject, categories } = r.value;
      return render(
        req,
        reply,
        "pages/contractor",
        { subject, categories, linkCode: null },
        {
          title: `${subject.company_name ?? subject.name} — LeadRelay`,
        },
      );
    });

    app.post("/contractors/:id/unban", { schema: idParams, config: { roles: ["admin"] } }, async (req, reply) => {
      const r = await unbanContractor(deps, {
        contractorId: req.params.id,
        actor: actorOf(req),
        note: field(req.body, "note") || null,
      });
      if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      if (!isHtmx(req.headers["hx-request"])) return reply.redirect(`/admin/contractors/${req.params.id}`, 303);
      const d = await contractorDetail(deps, req.params.id, panelScope(req));
      if (!d.ok) return renderError(req, reply, 404, d.code, d.message);
      return renderPartial(req, reply, "partials/contractor-ban", {
        subject: d.value.user,
        flash: "Unbanned; strikes reset to 0.",
      });
    });

    app.post("/contractors/:id/link-code", { schema: idParams }, async (req, reply) => {
      const d = await contractorDetail(deps, req.params.id, panelScope(req));
      if (!d.ok) return renderError(req, reply, 404, d.code, "There is no such contractor.");
      const r = await createLinkCode(deps, req.params.id, actorOf(req));
      if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      // Shown once, in this response only; never in a URL or a log.
      if (isHtmx(req.headers["hx-request"]))
        return renderPartial(req, reply, "partials/link-code", { linkCode: r.value });
      const page = { subject: d.value.user, categories: d.value.categories, linkCode: r.value };
      return render(req, reply, "pages/contractor", page, { title: "Link code — LeadRelay" });
    });

    for (const [verb, decide] of [
      ["approve", approveAccessRequest],
      ["reject", rejectAccessRequest],
    ] as const) {
      app.post(`/contractors/access/:id/${verb}`, { schema: idParams }, async (req, reply) => {
        const r = await decide(deps, {
          userId: req.params.id,
          actor: actorOf(req),
          note: field(req.body, "note") || null,
        });
        if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
        if (!isHtmx(req.headers["hx-request"])) return reply.redirect("/admin/contractors", 303);
        return renderPartial(req, reply, "partials/access-request", {
          r: { id: r.value.user.id, name: r.value.user.name, role: r.value.user.role, identities: [] },
          decided: r.value.user.account_status,
          notified: r.value.notified,
        });
      });
    }
  };
}
