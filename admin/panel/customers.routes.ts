import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { pendingDrafts } from "../../core/ai/drafts.service.js";
import { updateCustomer } from "../../core/crm/customer.service.js";
import { customerCardView, customerPage } from "../../core/crm/customer-admin.query.js";
import { CUSTOMER_STATUSES } from "../../core/crm/customer-input.js";
import { CANONICAL_STATUSES } from "../../core/crm/status-mapping.js";
import { actorOf } from "./audit.js";
import { customerActionRoutes } from "./customer-actions.routes.js";
import {
  type CustomerField,
  cardExtras,
  choiceError,
  fieldPatch,
  fieldValue,
  type InlineError,
  inlineError,
  isCustomerField,
  STATUS_LABELS,
} from "./customer-fields.js";
import { render, renderError, wantsFragment } from "./render.js";
import { panelScope } from "./scope.js";
import { serviceCardRoutes, serviceExtras } from "./service-card.routes.js";
import type { Form } from "./service-forms.js";
import type { PanelDeps } from "./types.js";

const listQuery = z.object({
  q: z.string().max(100).optional(),
  status: z.string().max(50).optional(),
  pipeline_status: z.string().max(50).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

/**
 * Customers: the searchable, filterable, paginated list and the customer card (Kundekort) with
 * inline edits of its fields (click Edit → a small form → saved through core's updateCustomer →
 * the field comes back; a refused value stays in the form with the reason, 422).
 */
export function customerRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  async function showField(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    field: string,
    opts: { editing: boolean; value?: string; error?: InlineError; oob?: boolean },
  ) {
    if (!isCustomerField(field)) return renderError(req, reply, 404, "NOT_FOUND", "There is no such field.");
    const card = await customerCardView(deps, id, panelScope(req));
    if (!card.ok) return renderError(req, reply, 404, "NOT_FOUND", "There is no such customer.");
    return render(
      req,
      reply,
      "partials/customer-field",
      {
        ...cardExtras(req, deps.clock.now()),
        card: card.value,
        field,
        editing: opts.editing,
        value: opts.value ?? fieldValue(card.value, field),
        error: opts.error ?? null,
        oob: opts.oob ?? false,
      },
      { fragment: true, status: opts.error ? 422 : 200 },
    );
  }

  /** The whole card page (optionally with one field open for editing, the no-JS way). */
  async function showCard(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: {
      edit?: CustomerField;
      value?: string;
      errors?: Record<string, InlineError>;
      form?: unknown;
      svcForm?: Record<string, Form>;
    } = {},
    status = 200,
  ) {
    const card = await customerCardView(deps, id, panelScope(req));
    if (!card.ok) return renderError(req, reply, 404, "NOT_FOUND", "There is no such customer.");
    return render(
      req,
      reply,
      "pages/customer",
      {
        ...cardExtras(req, deps.clock.now()),
        ...(await serviceExtras(deps, card.value.owner_id, card.value.id)),
        card: card.value,
        edit: null,
        value: null,
        errors: {},
        form: {},
        svcForm: {},
        aiDrafts: await pendingDrafts(deps, { customerId: id }, 5),
        ...extra,
      },
      { title: `${card.value.name} — Customers — LeadRelay`, status, fragment: false },
    );
  }

  return async (app) => {
    app.get("/customers", { schema: { querystring: listQuery } }, async (req, reply) => {
      const f = {
        q: req.query.q?.trim() || undefined,
        status: req.query.status || undefined,
        pipeline_status: req.query.pipeline_status || undefined,
        page: req.query.page,
      };
      const page = await customerPage(deps, f, panelScope(req));
      if (!page.ok) return renderError(req, reply, 400, page.code, page.message);
      const url = (n: number) => {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries({ ...f, page: n > 1 ? String(n) : undefined })) if (v) qs.set(k, String(v));
        const s = qs.toString();
        return `/admin/customers${s ? `?${s}` : ""}`;
      };
      const data = {
        page: page.value,
        filter: f,
        statuses: CUSTOMER_STATUSES,
        pipelineStatuses: CANONICAL_STATUSES,
        statusLabels: STATUS_LABELS,
        prevUrl: f.page > 1 ? url(f.page - 1) : null,
        nextUrl: f.page < page.value.pages ? url(f.page + 1) : null,
      };
      if (wantsFragment(req)) return render(req, reply, "partials/customer-results", data, { fragment: true });
      return render(req, reply, "pages/customers", data, { title: "Customers — LeadRelay" });
    });

    app.get(
      "/customers/:id",
      {
        schema: {
          params: z.object({ id: z.string().max(64) }),
          querystring: z.object({ edit: z.string().max(50).optional() }),
        },
      },
      async (req, reply) => {
        const edit = req.query.edit && isCustomerField(req.query.edit) ? req.query.edit : undefined;
        return showCard(req, reply, req.params.id, { edit });
      },
    );

    app.get(
      "/customers/:id/fields/:field",
      { schema: { params: z.object({ id: z.string().max(64), field: z.string().max(50) }) } },
      async (req, reply) => showField(req, reply, req.params.id, req.params.field, { editing: false }),
    );

    app.get(
      "/customers/:id/fields/:field/edit",
      { schema: { params: z.object({ id: z.string().max(64), field: z.string().max(50) }) } },
      async (req, reply) => showField(req, reply, req.params.id, req.params.field, { editing: true }),
    );

    // Params and body are read in the handler: the CSRF and role checks must answer first.
    app.post("/customers/:id/fields/:field", async (req, reply) => {
      const { id, field } = req.params as { id: string; field: string };
      if (!isCustomerField(field)) return renderError(req, reply, 404, "NOT_FOUND", "There is no such field.");
      const raw = ((req.body ?? {}) as Record<string, unknown>).value;
      const value = typeof raw === "string" ? raw : "";
      const htmx = req.headers["hx-request"] === "true";
      const refused = choiceError(field, raw);
      const saved = refused
        ? ({ ok: false, code: refused.code, message: refused.message } as const)
        : await updateCustomer(deps, panelScope(req), id, fieldPatch(field, raw), actorOf(req));
      if (!saved.ok) {
        if (saved.code === "NOT_FOUND") return renderError(req, reply, 404, "NOT_FOUND", "There is no such customer.");
        const error = inlineError(saved);
        if (htmx) return showField(req, reply, id, field, { editing: true, value, error });
        return showCard(req, reply, id, { edit: field, value, errors: { [field]: error } }, 422);
      }
      if (htmx) return showField(req, reply, id, field, { editing: false, oob: field === "name" });
      return reply.redirect(`/admin/customers/${encodeURIComponent(id)}#field-${field}`, 303);
    });

    await app.register(customerActionRoutes(deps, showCard));
    await app.register(serviceCardRoutes(deps, showCard));
  };
}
