import type { FastifyRequest } from "fastify";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { isAdmin, PLATFORM_SCOPE } from "../../core/accounts/visibility.js";
import { panelUserOf } from "./session.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in person's visibility scope, resolved once per request by the session guard. */
    panelScope?: ApiScope;
  }
}

/**
 * The rows a signed-in panel person may see, as core's visibility scope: a sales manager their
 * team (members read once per request by the session guard), an admin or a read-only user the
 * platform. Every panel page passes this to core, so the pages need no second set of checks.
 */
export function panelScope(req: FastifyRequest): ApiScope {
  panelUserOf(req);
  return req.panelScope ?? PLATFORM_SCOPE;
}

/** Whether the signed-in person is an admin (who may narrow lists to one owner). */
export function isPanelAdmin(req: FastifyRequest): boolean {
  return panelUserOf(req).role === "admin" && isAdmin(panelScope(req));
}
