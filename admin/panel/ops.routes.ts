import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ACTOR_KINDS } from "../../core/audit.js";
import { ERROR_CODES } from "../../core/errors.js";
import { listOutbox, OUTBOX_CHANNELS, OUTBOX_STATUSES, retryOutbound } from "../../core/messaging/outbox-admin.js";
import { jobHealth, listAudit } from "../../core/ops/ops.query.js";
import { actorOf } from "./audit.js";
import { listQuery, pagerFor } from "./paging.js";
import { render, renderError, renderPartial, wantsFragment } from "./render.js";
import type { PanelDeps } from "./types.js";

const blank = (v: unknown) => (v === "" ? undefined : v);
const pageField = z.preprocess(blank, z.coerce.number().int().min(1).max(100_000).default(1));
const outboxQuery = z.object({
  status: z.preprocess(blank, z.enum(OUTBOX_STATUSES).optional()),
  channel: z.preprocess(blank, z.enum(OUTBOX_CHANNELS).optional()),
  page: pageField,
});
const auditQuery = z.object({
  entity: z.preprocess(blank, z.string().trim().max(50).optional()),
  entity_id: z.preprocess(blank, z.string().trim().max(64).optional()),
  kind: z.preprocess(blank, z.enum(ACTOR_KINDS).optional()),
  actor: z.preprocess(blank, z.string().trim().max(255).optional()),
  page: pageField,
});
/** The audit filter's choice of actor kinds, as people read them. */
const ACTOR_KIND_LABELS: Record<(typeof ACTOR_KINDS)[number], string> = {
  panel_user: "Panel user",
  api_key: "API key",
  contractor: "Contractor (chat)",
  customer: "Customer",
  system: "System",
};
const actorKinds = ACTOR_KINDS.map((value) => ({ value, label: ACTOR_KIND_LABELS[value] }));
const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");

/** Ops shows every owner's messages and changes: the platform's people, not a team's manager. */
const PLATFORM_VIEWERS = { roles: ["admin", "read_only"] as const };

/**
 * Operations: the outbox (by status and channel, attempts and how long a queued retry goes on,
 * each failure's reason, a Retry on failed rows), job health from
 * job_runs (late ones marked), and the audit log (by entity and actor). Lists page with plain
 * links; htmx swaps just the table.
 */
export function opsRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/ops", { config: PLATFORM_VIEWERS }, async (req, reply) => {
      const raw = (req.query ?? {}) as Record<string, unknown>;
      const q = outboxQuery.safeParse(raw);
      if (!q.success) return renderError(req, reply, 400, "VALIDATION_FAILED", issues(q.error));
      const result = await listOutbox(deps, q.data);
      const data = {
        result,
        filter: listQuery(raw),
        pager: pagerFor("/admin/ops", raw, result),
        statuses: OUTBOX_STATUSES,
        channels: OUTBOX_CHANNELS,
        now: deps.clock.now(),
        retryForMs: deps.config.outboxRetryForMs,
      };
      if (wantsFragment(req)) return renderPartial(req, reply, "partials/outbox-table", data);
      return render(req, reply, "pages/ops-outbox", data, { title: "Outbox — Ops — LeadRelay" });
    });

    app.post(
      "/ops/outbox/:id/retry",
      { schema: { params: z.object({ id: z.string().max(64) }) }, config: { roles: ["admin"] } },
      async (req, reply) => {
        const r = await retryOutbound(deps, { id: req.params.id, actor: actorOf(req) });
        if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
        if (req.headers["hx-request"] !== "true") return reply.redirect("/admin/ops?status=queued", 303);
        const row = await deps.prisma.outboundMessage.findUnique({
          where: { id: r.value.id },
          include: {
            user: { select: { id: true, name: true, company_name: true } },
            customer: { select: { id: true, name: true } },
          },
        });
        return renderPartial(req, reply, "partials/outbox-row", {
          m: row,
          retried: true,
          retryForMs: deps.config.outboxRetryForMs,
        });
      },
    );

    app.get("/ops/jobs", { config: PLATFORM_VIEWERS }, async (req, reply) => {
      const jobs = await jobHealth(deps);
      return render(req, reply, "pages/ops-jobs", { jobs, now: deps.clock.now() }, { title: "Jobs — Ops — LeadRelay" });
    });

    app.get("/ops/audit", { config: PLATFORM_VIEWERS }, async (req, reply) => {
      const raw = (req.query ?? {}) as Record<string, unknown>;
      const q = auditQuery.safeParse(raw);
      if (!q.success) return renderError(req, reply, 400, "VALIDATION_FAILED", issues(q.error));
      const result = await listAudit(deps, { ...q.data, entityId: q.data.entity_id });
      const data = { result, actorKinds, filter: listQuery(raw), pager: pagerFor("/admin/ops/audit", raw, result) };
      if (wantsFragment(req)) return renderPartial(req, reply, "partials/audit-table", data);
      return render(req, reply, "pages/ops-audit", data, { title: "Audit log — Ops — LeadRelay" });
    });
  };
}
