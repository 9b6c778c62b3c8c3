import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiKeyActor } from "../../core/audit.js";
import type { CoreDeps } from "../../core/context.js";
import {
  createMessageTemplate,
  listMessageTemplates,
  updateMessageTemplate,
} from "../../core/nurturing/message-template.service.js";
import { enroll, markOutcome, outcomeInputSchema, pause, resume, stop } from "../../core/nurturing/sequence.service.js";
import { getSequence, listSequences } from "../../core/nurturing/sequence-query.js";
import {
  createSequenceTemplate,
  listSequenceTemplates,
  previewSequenceTemplate,
  previewSteps,
  updateSequenceTemplate,
} from "../../core/nurturing/template.service.js";
import { pageOf } from "../../core/paging.js";
import { requireApiKey, scopeOf } from "./auth.js";
import { idParam, listResponse, pageQuery, reply, row } from "./route-kit.js";

const flag = z.enum(["true", "false"]).transform((v) => v === "true");
const sample = z
  .record(z.string(), z.union([z.string(), z.number(), z.null()]))
  .optional()
  .describe("placeholder values, e.g. { first_name: 'Anna' }");
/** Template bodies are validated in core, so errors name the step ("step 2: delay …"). */
const templateBody = z
  .record(z.string(), z.unknown())
  .describe(
    "{ name, trigger_type, description?, is_active?, owner_id? (admin), steps: [{ delay, channel, text, subject?, link_url? }] }",
  );
const messageTemplateBody = z
  .record(z.string(), z.unknown())
  .describe("{ key, name, language, channel?, subject?, body, is_active?, wa_approved?, owner_id? (admin) }");

/**
 * Nurturing REST API (seed 000): sequence templates (with preview), sequences (enrol, pause,
 * resume, stop, outcome) and message templates. A contractor key sees only its own sequences
 * (others' are 404) and the platform's templates plus its own.
 */
export function nurturingRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));
    const tags = ["nurturing"];

    app.get(
      "/sequence-templates",
      {
        schema: {
          tags,
          summary: "List sequence templates",
          querystring: z.object({
            trigger_type: z.string().max(50).optional(),
            is_active: flag.optional(),
            ...pageQuery,
          }),
          response: listResponse(row),
        },
      },
      async (req) => pageOf(await listSequenceTemplates(deps, scopeOf(req), req.query), req.query),
    );

    app.post(
      "/sequence-templates",
      { schema: { tags, summary: "Create a sequence template", body: templateBody } },
      async (req, res) =>
        reply(res, await createSequenceTemplate(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );

    app.put(
      "/sequence-templates/:id",
      { schema: { tags, summary: "Edit a sequence template", params: idParam, body: templateBody } },
      async (req, res) =>
        reply(
          res,
          await updateSequenceTemplate(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req))),
        ),
    );

    app.post(
      "/sequence-templates/preview",
      {
        schema: {
          tags,
          summary: "Render unsaved steps with sample data (or list their errors)",
          body: z.object({ steps: z.array(z.unknown()).max(50), sample }).strict(),
        },
      },
      async (req) => previewSteps(deps, req.body.steps, req.body.sample ?? {}),
    );

    app.post(
      "/sequence-templates/:id/preview",
      {
        schema: {
          tags,
          summary: "Render a template's steps with sample data (or list their errors)",
          params: idParam,
          body: z.object({ sample }).strict().nullish(),
        },
      },
      async (req, res) =>
        reply(res, await previewSequenceTemplate(deps, scopeOf(req), req.params.id, req.body?.sample ?? {})),
    );

    app.get(
      "/sequences",
      {
        schema: {
          tags,
          summary: "List sequences",
          querystring: z.object({
            status: z.enum(["active", "paused", "completed", "cancelled"]).optional(),
            customer_id: z.string().max(64).optional(),
            high_interest: flag.optional(),
            ...pageQuery,
          }),
          response: listResponse(row),
        },
      },
      async (req) => listSequences(deps, scopeOf(req), req.query),
    );

    app.get(
      "/sequences/:id",
      { schema: { tags, summary: "A sequence with its steps", params: idParam } },
      async (req, res) => reply(res, await getSequence(deps, scopeOf(req), req.params.id)),
    );

    app.post(
      "/sequences",
      {
        schema: {
          tags,
          summary: "Enrol a customer in a sequence (by template_id or trigger_type)",
          body: z
            .object({
              customer_id: z.string().max(64),
              template_id: z.string().max(64).optional(),
              trigger_type: z.string().max(50).optional(),
              opportunity_id: z.string().max(64).optional(),
            })
            .strict(),
        },
      },
      async (req, res) => {
        const b = req.body;
        const r = await enroll(
          deps,
          {
            customerId: b.customer_id,
            templateId: b.template_id,
            triggerType: b.trigger_type,
            opportunityId: b.opportunity_id,
          },
          scopeOf(req),
        );
        return reply(res, r, 201);
      },
    );

    for (const [action, run] of [
      ["pause", pause],
      ["resume", resume],
    ] as const) {
      app.post(
        `/sequences/:id/${action}`,
        { schema: { tags, summary: `${action === "pause" ? "Pause" : "Resume"} a sequence`, params: idParam } },
        async (req, res) => reply(res, await run(deps, req.params.id, scopeOf(req), apiKeyActor(scopeOf(req)))),
      );
    }

    app.post(
      "/sequences/:id/stop",
      {
        schema: {
          tags,
          summary: "Stop a sequence (outcome stopped)",
          params: idParam,
          body: z
            .object({ reason: z.string().max(500).optional() })
            .strict()
            .nullish(),
        },
      },
      async (req, res) =>
        reply(res, await stop(deps, req.params.id, scopeOf(req), req.body?.reason, apiKeyActor(scopeOf(req)))),
    );

    app.post(
      "/sequences/:id/outcome",
      {
        schema: {
          tags,
          summary: "Mark a sequence converted (with revenue_usd) or lost (with a reason)",
          params: idParam,
          body: outcomeInputSchema,
        },
      },
      async (req, res) => reply(res, await markOutcome(deps, req.params.id, scopeOf(req), req.body)),
    );

    app.get(
      "/message-templates",
      {
        schema: {
          tags,
          summary: "List message templates",
          querystring: z.object({
            key: z.string().max(100).optional(),
            language: z.string().max(10).optional(),
            ...pageQuery,
          }),
          response: listResponse(row),
        },
      },
      async (req) => pageOf(await listMessageTemplates(deps, scopeOf(req), req.query), req.query),
    );

    app.post(
      "/message-templates",
      { schema: { tags, summary: "Create a message template", body: messageTemplateBody } },
      async (req, res) =>
        reply(res, await createMessageTemplate(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );

    app.put(
      "/message-templates/:id",
      { schema: { tags, summary: "Edit a message template", params: idParam, body: messageTemplateBody } },
      async (req, res) =>
        reply(res, await updateMessageTemplate(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );
  };
}
