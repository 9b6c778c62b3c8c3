import type { FastifyRequest } from "fastify";
import type { AuditActor } from "../../core/audit.js";
import { panelUserOf } from "./session.js";

/**
 * Who is acting in the panel, as core's audit writer records it: the signed-in user and the
 * client address. Every panel route that changes something passes this to its core use case,
 * which writes the audit row inside the change's own transaction (no row → no change).
 */
export function actorOf(req: FastifyRequest): AuditActor {
  return { kind: "panel_user", userId: panelUserOf(req).id, ip: req.ip };
}
