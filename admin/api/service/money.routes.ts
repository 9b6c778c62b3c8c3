import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiKeyActor } from "../../../core/audit.js";
import type { CoreDeps } from "../../../core/context.js";
import {
  createExpense,
  deleteExpense,
  getExpense,
  listExpenses,
  updateExpense,
} from "../../../core/service/expense.service.js";
import { jobFinancials } from "../../../core/service/financials.service.js";
import {
  expenseCreateSchema,
  expenseListQuery,
  expenseUpdateSchema,
  paymentCreateSchema,
  paymentListQuery,
  paymentUpdateSchema,
} from "../../../core/service/money-input.js";
import {
  createPayment,
  deletePayment,
  getPayment,
  listPayments,
  updatePayment,
} from "../../../core/service/payment.service.js";
import { scopeOf } from "../auth.js";
import { idParam, listResponse, reply, row } from "../route-kit.js";

/** Payments, expenses and job financials (seed 004). Amounts are strings with two decimals. */
export function moneyRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const payments = { tags: ["payments"] };
    app.get(
      "/payments",
      {
        schema: {
          ...payments,
          summary: "List payments (?customer_id=, ?job_id=)",
          querystring: paymentListQuery,
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listPayments(deps, scopeOf(req), req.query)),
    );
    app.get("/payments/:id", { schema: { ...payments, params: idParam } }, async (req, res) =>
      reply(res, await getPayment(deps, scopeOf(req), req.params.id)),
    );
    app.post(
      "/payments",
      { schema: { ...payments, summary: "Record a payment (method, job optional)", body: paymentCreateSchema } },
      async (req, res) => reply(res, await createPayment(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );
    app.put(
      "/payments/:id",
      { schema: { ...payments, params: idParam, body: paymentUpdateSchema } },
      async (req, res) =>
        reply(res, await updatePayment(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );
    app.delete("/payments/:id", { schema: { ...payments, params: idParam } }, async (req, res) =>
      reply(res, await deletePayment(deps, scopeOf(req), req.params.id, apiKeyActor(scopeOf(req)))),
    );

    const expenses = { tags: ["expenses"] };
    app.get(
      "/expenses",
      {
        schema: {
          ...expenses,
          summary: "List expenses (?customer_id=, ?job_id=)",
          querystring: expenseListQuery,
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listExpenses(deps, scopeOf(req), req.query)),
    );
    app.get("/expenses/:id", { schema: { ...expenses, params: idParam } }, async (req, res) =>
      reply(res, await getExpense(deps, scopeOf(req), req.params.id)),
    );
    app.post(
      "/expenses",
      { schema: { ...expenses, summary: "Record an expense on a customer and/or a job", body: expenseCreateSchema } },
      async (req, res) => reply(res, await createExpense(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );
    app.put(
      "/expenses/:id",
      { schema: { ...expenses, params: idParam, body: expenseUpdateSchema } },
      async (req, res) =>
        reply(res, await updateExpense(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );
    app.delete("/expenses/:id", { schema: { ...expenses, params: idParam } }, async (req, res) =>
      reply(res, await deleteExpense(deps, scopeOf(req), req.params.id, apiKeyActor(scopeOf(req)))),
    );

    app.get(
      "/jobs/:id/financials",
      { schema: { tags: ["jobs"], summary: "A job's payments minus its expenses", params: idParam } },
      async (req, res) => reply(res, await jobFinancials(deps, scopeOf(req), req.params.id)),
    );
  };
}
