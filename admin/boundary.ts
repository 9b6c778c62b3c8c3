import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { findUnsafeText } from "../core/text-safety.js";

/**
 * A 400 for input PostgreSQL cannot store. Thrown from a hook, it reaches the error handler of
 * the route's scope: the API answers `{"error":{"code":"VALIDATION_FAILED",…,"details":[{field}]}}`,
 * the panel renders its error page.
 */
export class BoundaryError extends Error {
  readonly statusCode = 400;
  readonly code = "VALIDATION_FAILED";
  constructor(
    message: string,
    readonly details: Array<{ field: string | null; message: string }>,
  ) {
    super(message);
    this.name = "BoundaryError";
  }
}

/** Check the parsed params, query and body of a request (see core/text-safety.ts for the rule). */
export function checkRequestText(req: FastifyRequest): BoundaryError | null {
  const parts: Array<[string, unknown]> = [
    ["params", req.params],
    ["query", req.query],
    ["body", req.body],
  ];
  for (const [where, value] of parts) {
    const unsafe = findUnsafeText(value);
    if (!unsafe) continue;
    const field = unsafe.field ?? where;
    return new BoundaryError(`${field}: ${unsafe.message}`, [{ field, message: unsafe.message }]);
  }
  return null;
}

async function boundaryGuard(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const err = checkRequestText(req);
  if (err) throw err;
}

/**
 * The one place text is made safe for PostgreSQL: every route, whatever its parser (JSON, forms,
 * webhooks' raw-body parsers), gets a last `preValidation` hook that refuses NUL, lone surrogates
 * and JSON nested deeper than MAX_JSON_DEPTH in its params, query and body — before schema
 * validation, before Prisma. It is appended to each route's own hooks, so it runs after the
 * checks that must come first: the API key (onRequest), the panel's CSRF token and a webhook's
 * signature (preValidation). Call before any route is registered.
 */
export function installBoundaryGuard(app: FastifyInstance): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    const own = route.preValidation ? [route.preValidation].flat() : [];
    // A HEAD route is made from its GET route's options, which already carry the guard.
    if (!own.includes(boundaryGuard)) route.preValidation = [...own, boundaryGuard];
  });
}
