import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
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
      return sendError(reply, err.statusCode, err.code ?? "BAD_REQUEST", err.message);
    }
    req.log.error(err);
    return sendError(reply, 500, "INTERNAL", "something went wrong on our side; it has been logged");
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, "NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`),
  );
}
