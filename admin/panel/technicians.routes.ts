import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listContractors } from "../../core/accounts/contractor-admin.query.js";
import { ownerNames } from "../../core/crm/kanban.query.js";
import type { Failure, Result } from "../../core/errors.js";
import { createTechnician, listTechnicians, updateTechnician } from "../../core/service/technician.service.js";
import { actorOf } from "./audit.js";
import { inlineError } from "./customer-fields.js";
import { render, renderError } from "./render.js";
import { panelScope } from "./scope.js";
import { formOf } from "./service-forms.js";
import type { PanelDeps } from "./types.js";

const PER_PAGE = 50;
const ADD_FIELDS = ["owner_id", "name", "phone", "email", "skills"] as const;

/** "Gas, tankless,  gas" → ["Gas", "tankless", "gas"] (core keeps each skill once). */
const skillsOf = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Technicians (seed 004): every contractor's technicians with their skills, rating and whether
 * they are active; add one for a contractor, change a technician's skills or active flag —
 * through core's use cases, audited as the signed-in person. htmx swaps the table; without
 * JavaScript a post is answered by the page (303, or 422 with the reason).
 */
export function technicianRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    pageNo: number,
    extra: { error?: Failure | null; errorFor?: string | null; form?: Record<string, string> } = {},
    status = 200,
  ) {
    const [list, owners] = await Promise.all([
      listTechnicians(deps, panelScope(req), { page: pageNo, per_page: PER_PAGE }),
      listContractors(deps, { page: 1 }, 200, panelScope(req)),
    ]);
    const names = await ownerNames(
      deps,
      list.value.data.map((t) => t.owner_id),
    );
    const data = {
      technicians: list.value.data.map((t) => ({ ...t, owner_name: names.get(t.owner_id) ?? "—" })),
      total: list.value.total,
      owners: owners.rows.map((o) => ({ id: o.id, name: o.company_name ?? o.name })),
      error: extra.error ? inlineError(extra.error) : null,
      errorFor: extra.errorFor ?? null,
      form: extra.form ?? {},
      canEdit: req.panelUser?.role !== "read_only",
    };
    return render(req, reply, "pages/technicians", data, { title: "Technicians — LeadRelay", status });
  }

  async function answer(req: FastifyRequest, reply: FastifyReply, r: Result<unknown>, errorFor: string, form = {}) {
    if (!r.ok && r.code === "NOT_FOUND" && errorFor !== "new") {
      return renderError(req, reply, 404, "NOT_FOUND", "There is no such technician.");
    }
    if (r.ok && req.headers["hx-request"] !== "true") return reply.redirect("/admin/technicians", 303);
    return page(req, reply, 1, r.ok ? {} : { error: r, errorFor, form }, r.ok ? 200 : 422);
  }

  return async (app) => {
    app.get(
      "/technicians",
      { schema: { querystring: z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) }) } },
      async (req, reply) => page(req, reply, req.query.page),
    );

    // Params and bodies are read in the handlers: the CSRF and role checks must answer first.
    app.post("/technicians", async (req, reply) => {
      const form = formOf(req.body, ADD_FIELDS);
      const r = await createTechnician(
        deps,
        panelScope(req),
        {
          owner_id: form.owner_id?.trim() ?? "",
          name: form.name?.trim() ?? "",
          ...(form.phone?.trim() ? { phone: form.phone.trim() } : {}),
          ...(form.email?.trim() ? { email: form.email.trim() } : {}),
          skills: skillsOf(form.skills),
        },
        actorOf(req),
      );
      return answer(req, reply, r, "new", form);
    });

    app.post("/technicians/:id", async (req, reply) => {
      const { id } = req.params as { id: string };
      const form = formOf(req.body, ["skills", "is_active"]);
      const r = await updateTechnician(
        deps,
        panelScope(req),
        id,
        { skills: skillsOf(form.skills), is_active: form.is_active === "true" || form.is_active === "on" },
        actorOf(req),
      );
      return answer(req, reply, r, id);
    });
  };
}
