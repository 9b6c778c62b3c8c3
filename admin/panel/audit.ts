import type { FastifyInstance } from "fastify";
import type { PanelDeps } from "./types.js";

/**
 * An audit row for every change made in the panel: who, what (the route), which row (the `:id`
 * in the path), from where, and the fields sent (passwords and tokens left out). Core use cases
 * write their own, richer rows (before/after) inside their transactions; this one makes sure no
 * change goes unrecorded.
 */
export function auditMutations(app: FastifyInstance, deps: PanelDeps): void {
  // onSend, not onResponse: the row is written before the answer leaves, so whoever reads the
  // audit log right after a change (a person, a test) finds it.
  app.addHook("onSend", async (req, reply, payload) => {
    if (req.method === "GET" || req.method === "HEAD" || !req.panelUser || reply.statusCode >= 400) return payload;
    if (req.routeOptions.config.audit === false) return payload;
    const params = (req.params ?? {}) as Record<string, string>;
    const body = req.body && typeof req.body === "object" ? { ...(req.body as Record<string, unknown>) } : null;
    if (body) for (const k of ["_csrf", "password", "token"]) delete body[k];
    await deps.prisma.auditLog
      .create({
        data: {
          actor_user_id: req.panelUser.id,
          actor_kind: "user",
          action: `panel ${req.method} ${req.routeOptions.url ?? req.url}`.slice(0, 100),
          entity_type: (req.routeOptions.url ?? "").split("/")[2]?.slice(0, 50) || "panel",
          entity_id: params.id?.slice(0, 64) ?? null,
          after: body ? JSON.parse(JSON.stringify(body)) : undefined,
          ip: req.ip,
          created_at: deps.clock.now(),
        },
      })
      .catch((err: unknown) => req.log.error(err, "audit row not written"));
    return payload;
  });
}
