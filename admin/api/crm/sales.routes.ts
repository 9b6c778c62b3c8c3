import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiKeyActor } from "../../../core/audit.js";
import type { CoreDeps } from "../../../core/context.js";
import {
  createDeal,
  dealCreateSchema,
  dealMoveSchema,
  dealUpdateSchema,
  moveDeal,
  pipelineBoard,
  updateDeal,
} from "../../../core/crm/deal.service.js";
import {
  addStage,
  createPipeline,
  deleteStage,
  listPipelines,
  pipelineInputSchema,
  stageInputSchema,
  stageUpdateSchema,
  updateStage,
} from "../../../core/crm/pipeline.service.js";
import { closeJob, jobCloseSchema } from "../../../core/crm/tech-upsell.service.js";
import { pageOf } from "../../../core/paging.js";
import { scopeOf } from "../auth.js";
import { idParam, listResponse, pageOnlyQuery, reply, row } from "../route-kit.js";

/** Pipelines, stages, deals on the Kanban, and closing jobs (seed 002). */
export function salesRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const pipelines = { tags: ["pipelines"] };
    const stageParams = z.object({ id: z.string(), stageId: z.string() });
    app.get(
      "/pipelines",
      {
        schema: {
          ...pipelines,
          summary: "Pipelines with their stages",
          querystring: pageOnlyQuery,
          response: listResponse(row),
        },
      },
      async (req) => pageOf((await listPipelines(deps, scopeOf(req))).data, req.query),
    );
    app.post("/pipelines", { schema: { ...pipelines, body: pipelineInputSchema } }, async (req, res) =>
      reply(res, await createPipeline(deps, scopeOf(req), req.body), 201),
    );
    app.get(
      "/pipelines/:id/board",
      { schema: { ...pipelines, summary: "The Kanban: stages with deals and sums", params: idParam } },
      async (req, res) => reply(res, await pipelineBoard(deps, scopeOf(req), req.params.id)),
    );
    app.post(
      "/pipelines/:id/stages",
      { schema: { ...pipelines, params: idParam, body: stageInputSchema } },
      async (req, res) => reply(res, await addStage(deps, scopeOf(req), req.params.id, req.body), 201),
    );
    app.put(
      "/pipelines/:id/stages/:stageId",
      { schema: { ...pipelines, params: stageParams, body: stageUpdateSchema } },
      async (req, res) =>
        reply(res, await updateStage(deps, scopeOf(req), req.params.id, req.params.stageId, req.body)),
    );
    app.delete("/pipelines/:id/stages/:stageId", { schema: { ...pipelines, params: stageParams } }, async (req, res) =>
      reply(res, await deleteStage(deps, scopeOf(req), req.params.id, req.params.stageId)),
    );

    const deals = { tags: ["deals"] };
    app.post("/deals", { schema: { ...deals, body: dealCreateSchema } }, async (req, res) =>
      reply(res, await createDeal(deps, scopeOf(req), req.body), 201),
    );
    app.put("/deals/:id", { schema: { ...deals, params: idParam, body: dealUpdateSchema } }, async (req, res) =>
      reply(res, await updateDeal(deps, scopeOf(req), req.params.id, req.body)),
    );
    app.post(
      "/deals/:id/move",
      { schema: { ...deals, summary: "Move a deal to another stage", params: idParam, body: dealMoveSchema } },
      async (req, res) =>
        reply(res, await moveDeal(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );

    app.post(
      "/jobs/:id/close",
      {
        schema: {
          tags: ["jobs"],
          summary: 'Close a job; "Equipment End of Life" starts the tech-upsell loop',
          params: idParam,
          body: jobCloseSchema,
        },
      },
      async (req, res) => reply(res, await closeJob(deps, scopeOf(req), req.params.id, req.body)),
    );
  };
}
