import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { CoreDeps } from "../../core/context.js";
import { ERROR_CODES } from "../../core/errors.js";
import { capiLeadToInput, parseCapiPayload, verifyHubSignature } from "../../core/marketplace/capi.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { sendError, sendFailure } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/**
 * Inbound webhooks. Bodies are kept raw so signatures are checked over the exact bytes sent.
 * CAPI lead: GET is Meta's subscription handshake (`hub.verify_token` → `hub.challenge`);
 * POST carries leads, signed with `X-Hub-Signature-256`.
 */
export function hookRoutes(deps: CoreDeps): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: 1_048_576 }, (req, body, done) => {
      req.rawBody = body as Buffer;
      try {
        done(null, (body as Buffer).length === 0 ? {} : JSON.parse((body as Buffer).toString("utf8")));
      } catch {
        const err = new SyntaxError("invalid JSON");
        done(err, undefined);
      }
    });

    app.get("/capi/lead", async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const token = deps.config.capi.verifyToken;
      if (q["hub.mode"] !== "subscribe" || !token || q["hub.verify_token"] !== token) {
        return sendError(reply, 403, "FORBIDDEN", "verify token mismatch");
      }
      return reply.type("text/plain").send(q["hub.challenge"] ?? "");
    });

    // The signature is checked first (a preValidation hook of the route, which runs before the
    // boundary guard), then the body's shape: an unsigned caller learns nothing about its body.
    const verifySignature = async (req: FastifyRequest, reply: FastifyReply) => {
      const secret = deps.config.capi.appSecret;
      if (!secret) return sendError(reply, 503, "NOT_CONFIGURED", "set CAPI_APP_SECRET to receive lead webhooks");
      if (
        !req.rawBody ||
        !verifyHubSignature(req.rawBody, req.headers["x-hub-signature-256"] as string | undefined, secret)
      ) {
        return sendError(reply, 401, "SIGNATURE_INVALID", "X-Hub-Signature-256 does not match the body");
      }
    };

    app.post("/capi/lead", { preValidation: verifySignature }, async (req, reply) => {
      const parsed = parseCapiPayload(req.body);
      if (!parsed.ok) return sendFailure(reply, parsed);
      const values = parsed.value;
      if (values.length === 0) return sendError(reply, 422, "VALIDATION_FAILED", "no leadgen changes in this payload");
      const results = [];
      for (const change of values) {
        const r = await createLead(deps, capiLeadToInput(change, {}));
        results.push(
          r.ok
            ? {
                leadgen_id: change.leadgen_id ?? null,
                lead_id: r.value.lead.id,
                deduplicated: r.value.deduplicated,
              }
            : {
                leadgen_id: change.leadgen_id ?? null,
                error: { code: r.code, message: r.message, details: r.details ?? null },
              },
        );
      }
      // When no lead could be made the answer is an error in the API's shape (status and code of
      // the first failure), with every lead's outcome in `details.results`.
      const firstError = results.every((r) => "error" in r) ? results[0]?.error : undefined;
      if (firstError) {
        const code = firstError.code as keyof typeof ERROR_CODES;
        return sendError(reply, ERROR_CODES[code] ?? 422, code, `no lead could be created: ${firstError.message}`, {
          results,
        });
      }
      return reply.code(200).send({ results });
    });
  };
}
