import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AuditActor } from "../../core/audit.js";
import { markWon } from "../../core/crm/outcome.service.js";
import type { Failure } from "../../core/errors.js";
import { recentActivity } from "../../core/kpi/activity.kpi.js";
import { pause, resume, stop } from "../../core/nurturing/sequence.service.js";
import {
  BOARD_STATUSES,
  boardFilterSchema,
  boardRow,
  sequenceBoard,
} from "../../core/nurturing/sequence-board.query.js";
import { actorOf } from "./audit.js";
import { listQuery, pagerFor } from "./paging.js";
import { render, renderError, wantsFragment } from "./render.js";
import { isPanelAdmin, panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

type Scope = ReturnType<typeof panelScope>;

/** The board's buttons, each the core use case the customer card uses too. */
const ACTIONS = {
  pause: (deps: PanelDeps, id: string, scope: Scope, actor: AuditActor) => pause(deps, id, scope, actor),
  resume: (deps: PanelDeps, id: string, scope: Scope, actor: AuditActor) => resume(deps, id, scope, actor),
  stop: (deps: PanelDeps, id: string, scope: Scope, actor: AuditActor) =>
    stop(deps, id, scope, "stopped in the panel", actor),
} as const;

const ACTIVITY_ROWS = 15;

/** "$3,200.50", "3200", "3 200" → "3200.50"; anything else is returned as typed (core refuses it). */
function amountOf(raw: unknown): string {
  const s = typeof raw === "string" ? raw.trim() : "";
  const plain = s.replace(/^\$/, "").replace(/[,\s]/g, "");
  return plain;
}

/**
 * The nurturing board (seed 000): every sequence with its customer, template, step, status,
 * last event, 🔥 high interest, est. value (`~$3,200`) and revenue; filters and pages that work
 * without JavaScript (htmx swaps only the board and pushes the URL); pause / resume / stop and
 * "mark converted" with the sale amount (core congratulates the owner in their chat), each
 * through its core use case with the signed-in person as the audited actor; the recent-activity
 * feed beside it.
 */
export function sequenceBoardRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  /** One row back to htmx (with the reason inline), or the browser back to the board. */
  async function answerRow(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    failure: Failure | null,
    extra: Record<string, unknown> = {},
  ) {
    if (failure?.code === "NOT_FOUND") return renderError(req, reply, 404, "NOT_FOUND", failure.message);
    const status = failure ? 422 : 200;
    if (req.headers["hx-request"] !== "true") {
      if (!failure) return reply.redirect("/admin/sequences", 303);
      return renderError(req, reply, status, failure.code, failure.message);
    }
    const row = await boardRow(deps, panelScope(req), id);
    if (!row) return renderError(req, reply, 404, "NOT_FOUND", "There is no such sequence.");
    const error = failure ? failure.message : null;
    return render(req, reply, "partials/sequence-row", { s: row, error, ...extra }, { fragment: true, status });
  }

  // Params and bodies are read in the handlers: the CSRF and role checks must answer first.
  return async (app) => {
    app.get("/sequences", async (req, reply) => {
      const raw = (req.query ?? {}) as Record<string, unknown>;
      const parsed = boardFilterSchema.safeParse(raw);
      const scope = panelScope(req);
      const error = parsed.success
        ? null
        : parsed.error.issues.map((i) => `${i.path.join(".") || "filter"}: ${i.message}`).join("; ");
      const result = parsed.success ? await sequenceBoard(deps, scope, parsed.data) : null;
      const pager = result ? pagerFor("/admin/sequences", raw, result) : null;
      const data = {
        filter: listQuery(raw),
        result,
        pager,
        error,
        statuses: BOARD_STATUSES,
        ownerFilter: isPanelAdmin(req),
      };
      const status = error ? 400 : 200;
      if (wantsFragment(req)) {
        return render(req, reply, "partials/sequences-board", data, { status, fragment: true });
      }
      const activity = await recentActivity(deps.prisma, scope, deps.clock.now(), ACTIVITY_ROWS);
      return render(req, reply, "pages/sequences", { ...data, activity }, { title: "Sequences — LeadRelay", status });
    });

    app.post("/sequences/:id/:action", async (req, reply) => {
      const { id, action } = req.params as { id: string; action: string };
      const scope = panelScope(req);
      const seq = await boardRow(deps, scope, id);
      if (!seq) return renderError(req, reply, 404, "NOT_FOUND", "There is no such sequence.");
      if (action === "convert") {
        const b = (req.body ?? {}) as Record<string, unknown>;
        const amount = amountOf(b.revenue_usd);
        const failure: Failure | null = amount
          ? null
          : { ok: false, code: "VALIDATION_FAILED", message: "Enter the final sale amount, e.g. 3200." };
        const won =
          failure ?? (await markWon(deps, seq.owner_id, { kind: "sequence", id: seq.id }, amount, actorOf(req)));
        // The sequence exists (read above): "not found" from markWon means it can no longer be won.
        const r: typeof won =
          !won.ok && won.code === "NOT_FOUND"
            ? {
                ok: false,
                code: "SEQUENCE_ENDED",
                message: "This sequence is already closed and cannot be marked won.",
              }
            : won;
        return answerRow(req, reply, seq.id, r.ok ? null : r, r.ok ? { celebrated: true } : { amount });
      }
      if (!Object.hasOwn(ACTIONS, action)) {
        return renderError(req, reply, 404, "NOT_FOUND", "Sequences can be paused, resumed, stopped or converted.");
      }
      const r = await ACTIONS[action as keyof typeof ACTIONS](deps, seq.id, scope, actorOf(req));
      return answerRow(req, reply, seq.id, r.ok ? null : r);
    });
  };
}
