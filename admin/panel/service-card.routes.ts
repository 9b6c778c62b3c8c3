import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { PLATFORM_SCOPE } from "../../core/accounts/visibility.js";
import { updateCustomer } from "../../core/crm/customer.service.js";
import { customerCardView } from "../../core/crm/customer-admin.query.js";
import { findOwnCustomers } from "../../core/crm/customer-search.js";
import type { Failure, Result } from "../../core/errors.js";
import { isUuid } from "../../core/ids.js";
import { createAppliance } from "../../core/service/appliance.service.js";
import { setPreferredTechnician, setReferredBy } from "../../core/service/customer-links.service.js";
import { createExpense } from "../../core/service/expense.service.js";
import { createFollowUp } from "../../core/service/follow-up.service.js";
import { createJob, updateJob } from "../../core/service/job.service.js";
import { createOpportunity, listOpportunities } from "../../core/service/opportunity.service.js";
import { createPayment } from "../../core/service/payment.service.js";
import { createReview, rateTechnician } from "../../core/service/review.service.js";
import { listTechnicians } from "../../core/service/technician.service.js";
import { actorOf } from "./audit.js";
import { cardExtras, type InlineError, inlineError } from "./customer-fields.js";
import { render, renderError } from "./render.js";
import { panelScope } from "./scope.js";
import {
  applianceInput,
  communicationInput,
  expenseInput,
  FORM_FIELDS,
  type Form,
  followUpInput,
  formOf,
  invalid,
  jobInput,
  opportunityInput,
  paymentInput,
  ratingInput,
  reviewInput,
  SERVICE_CHOICES,
  type ServiceSection,
} from "./service-forms.js";
import type { PanelDeps } from "./types.js";

/** The card page with errors and the refused forms filled in (customers.routes.ts). */
export type ShowServiceCard = (
  req: FastifyRequest,
  reply: FastifyReply,
  id: string,
  extra: { errors?: Record<string, InlineError>; svcForm?: Record<string, Form> },
  status?: number,
) => Promise<unknown>;

/**
 * What the service sections need besides the card: the owner's technicians, the customer's
 * opportunities (newest 50) and the choices.
 */
export async function serviceExtras(deps: PanelDeps, ownerId: string, customerId?: string) {
  // The card was read through the viewer's scope already; these are its owner's technicians.
  const techs = await listTechnicians(deps, PLATFORM_SCOPE, { owner_id: ownerId, page: 1, per_page: 200 });
  const opps = customerId
    ? await listOpportunities(deps, PLATFORM_SCOPE, { customer_id: customerId, page: 1, per_page: 50 })
    : null;
  return {
    technicians: techs.ok ? techs.value.data : [],
    opportunities: opps?.ok ? opps.value.data : [],
    choices: SERVICE_CHOICES,
  };
}

/** A NOT_FOUND about the customer itself (the page's subject) rather than a field of the form. */
function customerMissing(f: Failure): boolean {
  if (f.code !== "NOT_FOUND") return false;
  const first = Array.isArray(f.details) ? (f.details[0] as { field?: unknown } | undefined) : undefined;
  return !first || first.field === "id" || first.field === "customer_id";
}

/**
 * The customer card's service records (seed 004): add a job and move it on (complete it), a
 * payment with its method, an expense, an appliance, a review, a technician rating, the
 * preferred technician, who referred the customer, a follow-up, the communication preferences,
 * an opportunity (its type's sequence enrolled by core) —
 * each through its core use case with the signed-in person as the audited actor. An htmx post
 * gets its section back plus the financials block out of band (so a payment changes the profit
 * at once); a plain form post is sent back to the card (303). A refusal is 422 with the reason
 * next to the form and nothing saved; an unknown customer is 404.
 */
export function serviceCardRoutes(deps: PanelDeps, showCard: ShowServiceCard): FastifyPluginAsyncZod {
  const zone = deps.config.defaultTimezone;

  async function answer(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    section: ServiceSection,
    r: Result<unknown>,
    formKey: string,
    form: Form,
  ) {
    if (!r.ok && customerMissing(r)) return renderError(req, reply, 404, "NOT_FOUND", "There is no such customer.");
    const status = r.ok ? 200 : 422;
    const errors = r.ok ? {} : { [formKey]: inlineError(r) };
    const svcForm = r.ok ? {} : { [formKey]: form };
    if (req.headers["hx-request"] !== "true") {
      if (r.ok) return reply.redirect(`/admin/customers/${encodeURIComponent(id)}#${section}`, 303);
      return showCard(req, reply, id, { errors, svcForm }, status);
    }
    const card = await customerCardView(deps, id, panelScope(req));
    if (!card.ok) return renderError(req, reply, 404, "NOT_FOUND", "There is no such customer.");
    return render(
      req,
      reply,
      "partials/customer-service-swap",
      {
        ...cardExtras(req, deps.clock.now()),
        ...(await serviceExtras(deps, card.value.owner_id, card.value.id)),
        card: card.value,
        section,
        errors,
        svcForm,
      },
      { fragment: true, status },
    );
  }

  /** The customer's owner, for lookups that need it (null: no such customer). */
  async function ownerOf(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const c = await deps.prisma.customer.findUnique({ where: { id }, select: { owner_id: true } });
    return c?.owner_id ?? null;
  }

  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

  // Params and bodies are read in the handlers: the CSRF and role checks must answer first.
  return async (app) => {
    app.post("/customers/:id/jobs", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.jobs as string[]);
      const input = jobInput(id, form, zone);
      const r = input.ok ? await createJob(deps, panelScope(req), input.value, actorOf(req)) : input;
      return answer(req, reply, id, "jobs", r, "jobs", form);
    });

    app.post("/customers/:id/jobs/:jobId/status", async (req, reply) => {
      const { id, jobId } = req.params as { id: string; jobId: string };
      const job =
        isUuid(id) && isUuid(jobId)
          ? await deps.prisma.job.findFirst({ where: { id: jobId, customer_id: id }, select: { id: true } })
          : null;
      if (!job) return renderError(req, reply, 404, "NOT_FOUND", "There is no such job on this customer.");
      const form = formOf(req.body, ["status"]);
      const r = await updateJob(deps, panelScope(req), jobId, { status: form.status }, actorOf(req));
      return answer(req, reply, id, "jobs", r, "jobs", {});
    });

    app.post("/customers/:id/payments", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.payments as string[]);
      const r = await createPayment(deps, panelScope(req), paymentInput(id, form), actorOf(req));
      return answer(req, reply, id, "payments", r, "payments", form);
    });

    app.post("/customers/:id/expenses", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.expenses as string[]);
      const r = await createExpense(deps, panelScope(req), expenseInput(id, form), actorOf(req));
      return answer(req, reply, id, "expenses", r, "expenses", form);
    });

    app.post("/customers/:id/appliances", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.appliances as string[]);
      const r = await createAppliance(deps, panelScope(req), applianceInput(id, form), actorOf(req));
      return answer(req, reply, id, "appliances", r, "appliances", form);
    });

    app.post("/customers/:id/reviews", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.reviews as string[]);
      const owned = await jobOnCustomer(id, form.job_id);
      const r = owned ?? (await createReview(deps, panelScope(req), reviewInput(form), actorOf(req)));
      return answer(req, reply, id, "reviews", r, "reviews", form);
    });

    app.post("/customers/:id/technician-ratings", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.ratings as string[]);
      const r = await rateTechnician(deps, panelScope(req), id, ratingInput(form), actorOf(req));
      return answer(req, reply, id, "technicians", r, "ratings", form);
    });

    app.post("/customers/:id/preferred-technician", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.preferred as string[]);
      const techId = form.technician_id?.trim() || null;
      const r = await setPreferredTechnician(deps, panelScope(req), id, { technician_id: techId }, actorOf(req));
      return answer(req, reply, id, "technicians", r, "preferred", form);
    });

    app.post("/customers/:id/referred-by", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.referrals as string[]);
      const name = (form.referred_by ?? "").trim().slice(0, 100);
      let referrer: Result<string | null> = { ok: true, value: null };
      if (name) {
        const owner = await ownerOf(id);
        if (!owner) return renderError(req, reply, 404, "NOT_FOUND", "There is no such customer.");
        const hits = await findOwnCustomers(deps, owner, name);
        const exact = hits.filter((h) => h.name.trim().toLowerCase() === name.toLowerCase());
        const one = exact.length === 1 ? exact[0] : hits.length === 1 ? hits[0] : undefined;
        referrer = one
          ? { ok: true, value: one.id }
          : invalid(
              hits.length === 0
                ? `no customer of this owner is called “${name}”`
                : `“${name}” matches ${hits.length} customers: write the whole name`,
              "referred_by",
            );
      }
      const r = referrer.ok
        ? await setReferredBy(deps, panelScope(req), id, { referred_by_id: referrer.value }, actorOf(req))
        : referrer;
      return answer(req, reply, id, "referrals", r, "referrals", form);
    });

    app.post("/customers/:id/follow-ups", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS["follow-ups"] as string[]);
      const input = followUpInput(form, zone);
      const owned = input.ok ? await jobOnCustomer(id, form.job_id) : null;
      const r = !input.ok ? input : (owned ?? (await createFollowUp(deps, panelScope(req), input.value, actorOf(req))));
      return answer(req, reply, id, "follow-ups", r, "follow-ups", form);
    });

    app.post("/customers/:id/opportunities", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.opportunities as string[]);
      const input = opportunityInput(id, form);
      const r = input.ok ? await createOpportunity(deps, panelScope(req), input.value, actorOf(req)) : input;
      return answer(req, reply, id, "opportunities", r, "opportunities", form);
    });

    app.post("/customers/:id/communication", async (req, reply) => {
      const id = idOf(req);
      const form = formOf(req.body, FORM_FIELDS.communication as string[]);
      const input = communicationInput(form);
      const r = input.ok ? await updateCustomer(deps, panelScope(req), id, input.value, actorOf(req)) : input;
      return answer(req, reply, id, "communication", r, "communication", form);
    });
  };

  /**
   * A review or follow-up names a job; it must be this customer's (core checks the owner, the
   * card checks the customer): null when it is, else the refusal (or 404 for no customer).
   */
  async function jobOnCustomer(customerId: string, jobId: string | undefined): Promise<Failure | null> {
    if (!isUuid(customerId) || !(await ownerOf(customerId))) {
      return { ok: false, code: "NOT_FOUND", message: "customer not found", details: [{ field: "id" }] };
    }
    if (!jobId || !isUuid(jobId)) return invalid("pick one of the customer's jobs", "job_id");
    const job = await deps.prisma.job.findFirst({
      where: { id: jobId, customer_id: customerId },
      select: { id: true },
    });
    return job ? null : invalid("pick one of the customer's jobs", "job_id");
  }
}
