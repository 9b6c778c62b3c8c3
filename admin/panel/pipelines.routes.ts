import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { moveDeal } from "../../core/crm/deal.service.js";
import { kanbanBoard, pipelineChoices, pipelineOfDeal } from "../../core/crm/kanban.query.js";
import { ERROR_CODES, type Failure } from "../../core/errors.js";
import { actorOf } from "./audit.js";
import { render, renderError } from "./render.js";
import { panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

/** The Kanban card's colour class for core's days-in-stage urgency (3+ days aging, 7+ stale). */
const AGE_CLASS = { fresh: "", aging: "age-warn", stale: "age-bad" } as const;

const isHtmx = (req: FastifyRequest) => req.headers["hx-request"] === "true";

/**
 * Pipelines: a Kanban per pipeline (stages with their deal count and value sums, deals coloured
 * by days in stage), a pipeline switcher, and moving a deal — by drag and drop (SortableJS
 * submits the card's form) or by the card's stage select without JavaScript. The move goes
 * through core's moveDeal (stage of the same pipeline, status follows the stage, the customer
 * moves forward); afterwards the board comes back with fresh sums.
 */
export function pipelineRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  async function showBoard(
    req: FastifyRequest,
    reply: FastifyReply,
    pipelineId: string,
    opts: { status?: number; error?: Failure; fragment?: boolean } = {},
  ) {
    const board = await kanbanBoard(deps, pipelineId, panelScope(req));
    if (!board.ok) return renderError(req, reply, 404, board.code, "There is no such pipeline.");
    const data = { board: board.value, ageClass: AGE_CLASS, error: opts.error ?? null };
    if (opts.fragment) {
      return render(req, reply, "partials/kanban-board", data, { fragment: true, status: opts.status });
    }
    const pipelines = await pipelineChoices(deps);
    return render(
      req,
      reply,
      "pages/pipelines",
      { ...data, pipelines },
      { title: `${board.value.pipeline.name} — Pipelines — LeadRelay`, status: opts.status },
    );
  }

  return async (app) => {
    app.get(
      "/pipelines",
      { schema: { querystring: z.object({ pipeline: z.string().max(64).optional() }) } },
      async (req, reply) => {
        const id = req.query.pipeline ?? (await pipelineChoices(deps))[0]?.id;
        if (!id) {
          return render(
            req,
            reply,
            "pages/pipelines",
            { board: null, pipelines: [], error: null },
            { title: "Pipelines — LeadRelay" },
          );
        }
        return showBoard(req, reply, id);
      },
    );

    // Params and body are read in the handler: the CSRF and role checks (preHandler) must answer
    // before any validation does.
    app.post("/pipelines/deals/:id/move", async (req, reply) => {
      const dealId = (req.params as { id: string }).id;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const stageId = typeof body.stage_id === "string" ? body.stage_id : "";
      const moved = await moveDeal(deps, panelScope(req), dealId, { stage_id: stageId }, actorOf(req));
      if (moved.ok) {
        if (isHtmx(req)) return showBoard(req, reply, moved.value.pipeline_id, { fragment: true });
        return reply.redirect(`/admin/pipelines?pipeline=${encodeURIComponent(moved.value.pipeline_id)}`, 303);
      }
      const status = ERROR_CODES[moved.code] ?? 400;
      const pipeline = await pipelineOfDeal(deps, dealId, panelScope(req));
      if (!pipeline.ok) return renderError(req, reply, 404, "NOT_FOUND", "There is no such deal.");
      // The board again (the dragged card back where it was) with the reason on top.
      return showBoard(req, reply, pipeline.value, { status, error: moved, fragment: isHtmx(req) });
    });
  };
}
