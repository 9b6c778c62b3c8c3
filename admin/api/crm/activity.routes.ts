import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiKeyActor } from "../../../core/audit.js";
import type { CoreDeps } from "../../../core/context.js";
import { listCustomerEvents, listEvents, recordEvent } from "../../../core/crm/event.service.js";
import { EVENT_NAMES, eventEnvelopeSchema, parseEventName } from "../../../core/crm/event-envelope.js";
import { groupCommitWriter } from "../../../core/crm/event-write-batch.js";
import {
  createInteraction,
  deleteInteraction,
  interactionCreateSchema,
  interactionUpdateSchema,
  listCustomerInteractions,
  upcomingInteractions,
  updateInteraction,
} from "../../../core/crm/interaction.service.js";
import {
  completeReminder,
  createReminder,
  listDueReminders,
  reminderCreateSchema,
} from "../../../core/crm/reminder.service.js";
import { analyzeNba, nbaForCustomer, nbaOverview } from "../../../core/nba/nba.service.js";
import { pageOf } from "../../../core/paging.js";
import { isoDateTime } from "../../../core/validation.js";
import { scopeOf } from "../auth.js";
import { sendError } from "../errors.js";
import { idParam, listOf, listResponse, pageOnlyQuery, pageQuery, reply, row } from "../route-kit.js";

/** Interactions, reminders, events and NBA (seed 003 paths). */
export function activityRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const interactions = { tags: ["interactions"] };
    app.get(
      "/interactions/customer/:customerId",
      {
        schema: {
          ...interactions,
          summary: "A customer's interactions, newest first",
          params: z.object({ customerId: z.string() }),
          querystring: pageOnlyQuery,
          response: listResponse(row),
        },
      },
      async (req, res) =>
        reply(res, await listCustomerInteractions(deps, scopeOf(req), req.params.customerId, req.query)),
    );
    app.post(
      "/interactions",
      { schema: { ...interactions, summary: "Log an interaction", body: interactionCreateSchema } },
      async (req, res) =>
        reply(res, await createInteraction(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );
    app.put(
      "/interactions/:id",
      { schema: { ...interactions, params: idParam, body: interactionUpdateSchema } },
      async (req, res) => reply(res, await updateInteraction(deps, scopeOf(req), req.params.id, req.body)),
    );
    app.delete("/interactions/:id", { schema: { ...interactions, params: idParam } }, async (req, res) =>
      reply(res, await deleteInteraction(deps, scopeOf(req), req.params.id)),
    );
    app.get(
      "/interactions/upcoming",
      {
        schema: {
          ...interactions,
          summary: "Planned interactions still to come, soonest first",
          querystring: pageOnlyQuery,
          response: listResponse(row),
        },
      },
      async (req) => upcomingInteractions(deps, scopeOf(req), req.query),
    );

    const reminders = { tags: ["reminders"] };
    app.get(
      "/reminders/due",
      {
        schema: {
          ...reminders,
          summary: "Due reminders (scheduled_for ≤ now, open), each flagged overdue",
          querystring: z.object({ customer_id: z.string().optional(), ...pageQuery }),
          response: listResponse(row, {
            overdue: z.number().int().describe("overdue reminders on this page"),
            now: z.string().describe("the moment `due` was judged at"),
          }),
        },
      },
      async (req, res) => reply(res, await listDueReminders(deps, scopeOf(req), req.query)),
    );
    app.post("/reminders", { schema: { ...reminders, body: reminderCreateSchema } }, async (req, res) =>
      reply(res, await createReminder(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );
    app.post(
      "/reminders/:id/complete",
      { schema: { ...reminders, summary: "Complete a reminder (idempotent)", params: idParam } },
      async (req, res) =>
        reply(res, await completeReminder(deps, scopeOf(req), req.params.id, apiKeyActor(scopeOf(req)))),
    );

    const events = { tags: ["events"] };
    // Group commit: events arriving together share one statement; each answer waits for its commit.
    const writer = groupCommitWriter(deps.prisma, {
      after: (ms, fn) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
    });
    const eventQuery = {
      source: z.string().max(20).optional(),
      from: isoDateTime().optional(),
      to: isoDateTime().optional(),
      ...pageQuery,
    };
    app.get(
      "/events",
      {
        schema: {
          ...events,
          summary: "Events, newest first",
          querystring: z.object({
            event_name: z.enum(EVENT_NAMES).optional(),
            customer_id: z.string().optional(),
            ...eventQuery,
          }),
          response: listResponse(row),
        },
      },
      async (req) => listEvents(deps, scopeOf(req), req.query),
    );
    app.get(
      "/events/customer/:id",
      { schema: { ...events, params: idParam, querystring: pageOnlyQuery, response: listResponse(row) } },
      async (req, res) => reply(res, await listCustomerEvents(deps, scopeOf(req), req.params.id, req.query)),
    );
    app.get(
      "/events/type/:t",
      {
        schema: {
          ...events,
          params: z.object({ t: z.string().max(40) }),
          querystring: z.object(eventQuery),
          response: listResponse(row),
        },
      },
      async (req, res) => {
        const name = parseEventName(req.params.t);
        if (!name) {
          return sendError(res, 400, "VALIDATION_FAILED", `t: must be one of ${EVENT_NAMES.join(", ")}`, [
            { field: "t" },
          ]);
        }
        return listEvents(deps, scopeOf(req), { ...req.query, event_name: name });
      },
    );
    app.post(
      "/events",
      {
        schema: {
          ...events,
          summary:
            "Record an event (idempotent by event_id: 201 first, 200 with the original on replay, 409 if changed)",
          body: eventEnvelopeSchema,
        },
      },
      async (req, res) => {
        const r = await recordEvent(deps, scopeOf(req), req.body, { writer });
        return reply(res, r, r.ok && r.value.replayed ? 200 : 201, (v) => v.event);
      },
    );

    const nba = { tags: ["nba"] };
    app.get(
      "/nba",
      {
        schema: {
          ...nba,
          summary: "Next best actions: one customer's (customer_id), or a page of the most urgent customers'",
          querystring: z.object({ customer_id: z.string().optional(), ...pageQuery }),
          response: {
            200: z.union([listOf(row, { engine: z.literal("rules"), generated_at: z.string() }), row]),
          },
        },
      },
      async (req, res) => {
        if (req.query.customer_id) return reply(res, await nbaForCustomer(deps, scopeOf(req), req.query.customer_id));
        const { data, ...overview } = await nbaOverview(deps, scopeOf(req), Number.MAX_SAFE_INTEGER);
        return { ...overview, ...pageOf(data, req.query) };
      },
    );
    app.post(
      "/nba/analyze",
      {
        schema: {
          ...nba,
          summary: "Analyse customers now and store the advice as suggestions",
          body: z
            .object({ customer_id: z.string().optional(), customer_ids: z.array(z.string()).max(200).optional() })
            .strict()
            .refine((b) => b.customer_id || b.customer_ids?.length, "customer_id or customer_ids is required"),
        },
      },
      async (req, res) => {
        const ids = [...(req.body.customer_id ? [req.body.customer_id] : []), ...(req.body.customer_ids ?? [])];
        return reply(res, await analyzeNba(deps, scopeOf(req), ids));
      },
    );
  };
}
