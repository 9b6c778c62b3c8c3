import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ERROR_CODES } from "../../core/errors.js";
import { decideAppeal } from "../../core/marketplace/appeal.service.js";
import { appealForPanel, listAppeals, type PanelAppeal } from "../../core/marketplace/appeal-admin.query.js";
import { actorOf } from "./audit.js";
import { render, renderError, renderPartial, wantsFragment } from "./render.js";
import { panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

const STATUSES = ["PENDING", "APPROVED", "REJECTED"] as const;
const idParams = { params: z.object({ id: z.string().max(64) }) };

/**
 * The appeals queue: each pending appeal with the evidence gathered when it was made; an admin
 * approves (unban, strikes reset) or rejects (a note is required) inline — htmx swaps the card
 * for its decided state; without JavaScript the form posts and the page comes back. The core
 * decision queues the contractor's chat notice in the same transaction.
 */
export function appealRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    async function page(
      req: FastifyRequest,
      status: (typeof STATUSES)[number],
      error?: { id: string; code: string; message: string },
    ) {
      const appeals = await listAppeals(deps, status, undefined, panelScope(req));
      return { appeals, status, statuses: STATUSES, error: error ?? null };
    }

    app.get("/appeals", async (req, reply) => {
      const raw = (req.query ?? {}) as Record<string, unknown>;
      const status = raw.status === undefined || raw.status === "" ? "PENDING" : raw.status;
      if (!STATUSES.includes(status as (typeof STATUSES)[number])) {
        return renderError(req, reply, 400, "VALIDATION_FAILED", "status must be PENDING, APPROVED or REJECTED");
      }
      const data = await page(req, status as (typeof STATUSES)[number]);
      if (wantsFragment(req)) return renderPartial(req, reply, "partials/appeal-list", data);
      return render(req, reply, "pages/appeals", data, { title: "Appeals — LeadRelay" });
    });

    for (const verb of ["approve", "reject"] as const) {
      app.post(`/appeals/:id/${verb}`, { schema: idParams, config: { roles: ["admin"] } }, async (req, reply) => {
        const body = (req.body && typeof req.body === "object" ? req.body : {}) as Record<string, unknown>;
        const note = typeof body.note === "string" ? body.note.trim() : "";
        const htmx = req.headers["hx-request"] === "true";
        const before = await appealForPanel(deps, req.params.id);
        if (!before) return renderError(req, reply, 404, "NOT_FOUND", "There is no such appeal.");

        const refuse = async (status: number, code: string, message: string) => {
          if (htmx) {
            const a = await appealForPanel(deps, req.params.id);
            return render(
              req,
              reply,
              "partials/appeal-card",
              { a, error: { code, message }, note },
              { fragment: true, status },
            );
          }
          const data = await page(req, before.status, { id: before.id, code, message });
          return render(req, reply, "pages/appeals", data, { title: "Appeals — LeadRelay", status });
        };

        if (verb === "reject" && note.length === 0) {
          return refuse(422, "NOTE_REQUIRED", "Write a note for the contractor: it is sent with the rejection.");
        }
        if (note.length > 1000) {
          return refuse(422, "VALIDATION_FAILED", "The note can have at most 1000 characters.");
        }
        const r = await decideAppeal(deps, {
          appealId: req.params.id,
          actor: actorOf(req),
          approve: verb === "approve",
          note: note || undefined,
        });
        if (!r.ok) {
          const status = ERROR_CODES[r.code] ?? 400;
          return refuse(status, r.code, r.message);
        }
        if (!htmx) return reply.redirect("/admin/appeals", 303);
        const after = (await appealForPanel(deps, req.params.id)) as PanelAppeal;
        return renderPartial(req, reply, "partials/appeal-card", { a: after, error: null, note: "" });
      });
    }
  };
}
