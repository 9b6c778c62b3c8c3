import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ERROR_CODES, type Failure } from "../../core/errors.js";

/** The one error shape of the API: `{ "error": { "code", "message", "details" } }`. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string, details?: unknown) {
  return reply.code(status).send({ error: { code, message, details: details ?? null } });
}

/** Map a core Failure to its HTTP status (one table: core/errors.ts). */
export function sendFailure(reply: FastifyReply, f: Failure) {
  return sendError(reply, ERROR_CODES[f.code], f.code, f.message, f.details);
}

/**
 * Log an unexpected error with what is needed to find it again: the request id (`reqId`, from
 * the request's child logger), method, route pattern, URL and the cause with its stack. Used by
 * the API's and the panel's error handlers, so no 500 goes unrecorded.
 */
export function logServerError(req: FastifyRequest, err: unknown): void {
  req.log.error(
    { err, method: req.method, route: req.routeOptions?.url ?? null, url: req.url.split("?")[0] },
    `${req.method} ${req.routeOptions?.url ?? req.url.split("?")[0]} failed: ${(err as Error)?.message ?? String(err)}`,
  );
}

/**
 * Fastify's router errors, answered in the API's shape instead of fastify's own (the
 * `frameworkErrors` option): a path that is not valid percent-encoding (`/api/leads/%ff`) and a
 * path parameter longer than the router allows (ids are far shorter than 100 characters).
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err.code === "FST_ERR_BAD_URL") {
    return sendError(reply, 400, "INVALID_URL", "the path is not valid percent-encoded UTF-8");
  }
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH") {
    return sendError(reply, 414, "PARAM_TOO_LONG", "a path parameter is longer than any valid id");
  }
  logServerError(req, err);
  return sendError(reply, 500, "INTERNAL", "something went wrong on our side; it has been logged");
}

/**
 * Turn every error into the API shape: schema validation → 400 VALIDATION_FAILED with the
 * fields, malformed JSON → 400 INVALID_JSON, oversized body → 413, anything unexpected → 500
 * INTERNAL (logged, details hidden). Bad input never becomes a 500.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        field: (v.instancePath || "").replace(/^\//, "").replaceAll("/", ".") || null,
        message: v.message,
      }));
      const first = details[0];
      return sendError(
        reply,
        400,
        "VALIDATION_FAILED",
        first ? `${first.field ?? err.validationContext}: ${first.message}` : err.message,
        details,
      );
    }
    if (
      err.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      err.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
      err instanceof SyntaxError
    ) {
      return sendError(reply, 400, "INVALID_JSON", "the request body is not valid JSON");
    }
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE")
      return sendError(reply, 413, "PAYLOAD_TOO_LARGE", "the request body is too large");
    if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendError(reply, 415, "UNSUPPORTED_MEDIA_TYPE", "send JSON with Content-Type: application/json");
    }
    if (err.statusCode === 429) return sendError(reply, 429, "RATE_LIMITED", "too many requests, slow down");
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const details = (err as FastifyError & { details?: unknown }).details;
      return sendError(reply, err.statusCode, err.code ?? "BAD_REQUEST", err.message, details);
    }
    logServerError(req, err);
    return sendError(reply, 500, "INTERNAL", "something went wrong on our side; it has been logged");
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, "NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`),
  );
}
