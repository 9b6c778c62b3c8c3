import type { FastifyReply, FastifyRequest } from "fastify";
import { type ApiScope, resolveApiKey } from "../../core/accounts/api-key.service.js";
import { isAdmin, ownerFor } from "../../core/accounts/visibility.js";
import type { CoreDeps } from "../../core/context.js";
import { sendError } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    scope?: ApiScope;
  }
}

/** onRequest hook (before the body is even read): `Authorization: Bearer <key>` → request.scope, or 401 UNAUTHORIZED. */
export function requireApiKey(deps: CoreDeps) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) return sendError(reply, 401, "UNAUTHORIZED", "send your API key as Authorization: Bearer <key>");
    const scope = await resolveApiKey(deps.prisma, m[1], deps.clock.now());
    if (!scope) return sendError(reply, 401, "UNAUTHORIZED", "unknown or revoked API key");
    req.scope = scope;
  };
}

/** The scope of an authenticated request (the onRequest hook guarantees it). */
export function scopeOf(req: FastifyRequest): ApiScope {
  if (!req.scope) throw new Error("route is missing requireApiKey");
  return req.scope;
}

/** The user a request may act as: a contractor key only as itself; an admin key as anyone. */
export function actingAs(req: FastifyRequest, requested: string | undefined): string | null {
  return ownerFor(scopeOf(req), requested);
}

/** 403 unless the key is an admin key. */
export function requireAdmin(req: FastifyRequest, reply: FastifyReply): boolean {
  if (isAdmin(scopeOf(req))) return true;
  void sendError(reply, 403, "FORBIDDEN", "this needs an admin API key");
  return false;
}
