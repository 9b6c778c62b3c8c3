import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { CoreDeps } from "../../core/context.js";
import { pageOf } from "../../core/paging.js";
import {
  campaignInputSchema,
  createCampaign,
  getCampaign,
  listCampaigns,
  sendCampaign,
} from "../../core/segments/campaign.service.js";
import { fieldCatalogue } from "../../core/segments/fields.js";
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  previewUnsaved,
  segmentInputSchema,
  segmentUpdateSchema,
  updateSegment,
} from "../../core/segments/segment.service.js";
import { requireApiKey, scopeOf } from "./auth.js";
import { sendError, sendFailure } from "./errors.js";
import { idParam, listResponse, pageOnlyQuery, reply, row } from "./route-kit.js";

/** Segments and blasts (seed 002): saved filters, previews, campaigns sent through the outbox. */
export function segmentRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));
    const tags = ["segments"];

    app.get(
      "/segments",
      { schema: { tags, summary: "List segments", querystring: pageOnlyQuery, response: listResponse(row) } },
      async (req) => pageOf(await listSegments(deps.prisma, scopeOf(req)), req.query),
    );

    app.get(
      "/segments/fields",
      {
        schema: {
          tags,
          summary: "The fields, operators and values a filter may use",
          querystring: pageOnlyQuery,
          response: listResponse(row),
        },
      },
      async (req) => pageOf(fieldCatalogue(), req.query),
    );

    app.post(
      "/segments",
      {
        schema: {
          tags,
          summary: "Save a segment (filter validated against the field whitelist)",
          body: segmentInputSchema,
        },
      },
      async (req, res) => reply(res, await createSegment(deps, scopeOf(req), req.body), 201),
    );

    app.post(
      "/segments/preview",
      {
        schema: {
          tags,
          summary: "Preview an unsaved filter: count and the first 20 customers",
          body: z.object({ filter: z.unknown(), owner_id: z.string().optional() }).strict(),
        },
      },
      async (req, res) => reply(res, await previewUnsaved(deps, scopeOf(req), req.body)),
    );

    app.get("/segments/:id", { schema: { tags, params: idParam } }, async (req, res) =>
      reply(res, await getSegment(deps.prisma, scopeOf(req), req.params.id)),
    );

    app.put(
      "/segments/:id",
      {
        schema: { tags, summary: "Rename a segment or replace its filter", params: idParam, body: segmentUpdateSchema },
      },
      async (req, res) => reply(res, await updateSegment(deps, scopeOf(req), req.params.id, req.body)),
    );

    app.delete(
      "/segments/:id",
      { schema: { tags, summary: "Delete a segment (not one that has been blasted)", params: idParam } },
      async (req, res) => {
        const r = await deleteSegment(deps, scopeOf(req), req.params.id);
        return r.ok ? res.code(204).send() : sendFailure(res, r);
      },
    );

    app.get(
      "/segments/:id/preview",
      { schema: { tags, summary: "Preview a saved segment: count and the first 20 customers", params: idParam } },
      async (req, res) => reply(res, await previewSegment(deps, scopeOf(req), req.params.id)),
    );

    app.get(
      "/campaigns",
      { schema: { tags, summary: "List campaigns", querystring: pageOnlyQuery, response: listResponse(row) } },
      async (req) => pageOf(await listCampaigns(deps.prisma, scopeOf(req)), req.query),
    );

    app.post(
      "/campaigns",
      {
        schema: {
          tags,
          summary: "Create a draft blast to a segment (a message template or a body)",
          body: campaignInputSchema,
        },
      },
      async (req, res) => reply(res, await createCampaign(deps, scopeOf(req), req.body), 201),
    );

    app.get("/campaigns/:id", { schema: { tags, params: idParam } }, async (req, res) =>
      reply(res, await getCampaign(deps.prisma, scopeOf(req), req.params.id)),
    );

    app.post(
      "/campaigns/:id/send",
      {
        schema: {
          tags,
          summary: "Send a campaign (needs confirm: true); sending twice queues nothing twice",
          params: idParam,
          body: z.object({ confirm: z.boolean().optional() }).strict().optional(),
        },
      },
      async (req, res) => {
        const scope = scopeOf(req);
        if (req.body?.confirm !== true) {
          const campaign = await getCampaign(deps.prisma, scope, req.params.id);
          if (!campaign.ok) return sendFailure(res, campaign);
          const preview = await previewSegment(deps, scope, campaign.value.segment_id);
          const reach = preview.ok ? ` to up to ${preview.value.count} customers` : "";
          return sendError(
            res,
            400,
            "VALIDATION_FAILED",
            `confirm: send { "confirm": true } to send this campaign${reach}`,
            [{ field: "confirm", message: "must be true" }],
          );
        }
        return reply(res, await sendCampaign(deps, scope, req.params.id));
      },
    );
  };
}
