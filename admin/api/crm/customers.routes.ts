import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiKeyActor } from "../../../core/audit.js";
import type { CoreDeps } from "../../../core/context.js";
import {
  advanceCustomer,
  convertCustomer,
  createCustomer,
  deleteCustomer,
  nextStageSchema,
  updateCommunicationPreferences,
  updateCustomer,
} from "../../../core/crm/customer.service.js";
import { getCustomerCard } from "../../../core/crm/customer-card.js";
import {
  communicationPreferencesSchema,
  customerCreateSchema,
  customerUpdateSchema,
} from "../../../core/crm/customer-input.js";
import {
  customerFinancials,
  customerStats,
  listCustomers,
  presentCustomer,
  type StatsExtension,
} from "../../../core/crm/customer-query.js";
import { scopeOf } from "../auth.js";
import { idParam, listResponse, pageQuery, reply, row } from "../route-kit.js";

const tags = ["customers"];

/** Customers (seed 003 paths, seed 002 convert, seed 004 preferences and financials). */
export function customerRoutes(deps: CoreDeps, opts: { statsExtension?: StatsExtension }): FastifyPluginAsyncZod {
  return async (app) => {
    const present = <T extends Parameters<typeof presentCustomer>[0]>(c: T) => presentCustomer(c, deps.clock.now());

    app.get(
      "/customers",
      {
        schema: {
          tags,
          summary: "List customers (status = lead/active/churned or any pipeline term)",
          querystring: z.object({
            status: z.string().max(50).optional(),
            pipeline_status: z.string().max(50).optional(),
            vocabulary: z.string().max(50).optional(),
            q: z.string().max(100).optional(),
            ...pageQuery,
          }),
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listCustomers(deps, scopeOf(req), req.query)),
    );

    app.get("/customers/stats", { schema: { tags, summary: "Customer counts for the dashboard" } }, async (req) =>
      customerStats(deps, scopeOf(req), opts.statsExtension),
    );

    app.get(
      "/customers/:id",
      { schema: { tags, summary: "The customer card (Kundekort)", params: idParam } },
      async (req, res) => reply(res, await getCustomerCard(deps, scopeOf(req), req.params.id)),
    );

    app.post(
      "/customers",
      { schema: { tags, summary: "Create a customer", body: customerCreateSchema } },
      async (req, res) => reply(res, await createCustomer(deps, scopeOf(req), req.body), 201, present),
    );

    app.put(
      "/customers/:id",
      { schema: { tags, summary: "Update a customer", params: idParam, body: customerUpdateSchema } },
      async (req, res) =>
        reply(
          res,
          await updateCustomer(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req))),
          200,
          present,
        ),
    );

    app.delete(
      "/customers/:id",
      { schema: { tags, summary: "Delete a customer", params: idParam } },
      async (req, res) => reply(res, await deleteCustomer(deps, scopeOf(req), req.params.id)),
    );

    app.post(
      "/customers/:id/next-stage",
      {
        schema: {
          tags,
          summary: "Move to the next canonical stage (respecting a vocabulary's columns if given)",
          params: idParam,
          body: nextStageSchema.nullish(),
        },
      },
      async (req, res) =>
        reply(res, await advanceCustomer(deps, scopeOf(req), req.params.id, req.body ?? {}), 200, (v) => ({
          ...present(v.customer),
          from: v.from,
          to: v.to,
        })),
    );

    app.post(
      "/customers/:id/convert",
      { schema: { tags, summary: "Convert a lead into an active customer", params: idParam } },
      async (req, res) => reply(res, await convertCustomer(deps, scopeOf(req), req.params.id), 200, present),
    );

    app.put(
      "/customers/:id/communication-preferences",
      {
        schema: {
          tags,
          summary: "Set channel, contact times, frequency, language and quiet hours",
          params: idParam,
          body: communicationPreferencesSchema,
        },
      },
      async (req, res) =>
        reply(res, await updateCommunicationPreferences(deps, scopeOf(req), req.params.id, req.body), 200, present),
    );

    app.get(
      "/customers/:id/financials",
      { schema: { tags, summary: "Payments minus expenses (direct and on their jobs)", params: idParam } },
      async (req, res) => reply(res, await customerFinancials(deps, scopeOf(req), req.params.id)),
    );
  };
}
