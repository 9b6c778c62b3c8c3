import type { FastifyPluginAsync } from "fastify";
import type { CoreDeps } from "../../core/context.js";
import { type CapiLeadValue, capiLeadToInput, verifyHubSignature } from "../../core/marketplace/capi.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { sendError } from "./errors.js";

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

    app.post("/capi/lead", async (req, reply) => {
      const secret = deps.config.capi.appSecret;
      if (!secret) return sendError(reply, 503, "NOT_CONFIGURED", "set CAPI_APP_SECRET to receive lead webhooks");
      if (
        !req.rawBody ||
        !verifyHubSignature(req.rawBody, req.headers["x-hub-signature-256"] as string | undefined, secret)
      ) {
        return sendError(reply, 401, "SIGNATURE_INVALID", "X-Hub-Signature-256 does not match the body");
      }
      const body = req.body as { entry?: Array<{ changes?: Array<{ field?: string; value?: CapiLeadValue }> }> };
      const values = (body.entry ?? []).flatMap((e) => e.changes ?? []).filter((c) => c.field === "leadgen" && c.value);
      if (values.length === 0) return sendError(reply, 422, "VALIDATION_FAILED", "no leadgen changes in this payload");
      const results = [];
      for (const change of values) {
        const r = await createLead(deps, capiLeadToInput(change.value as CapiLeadValue, {}));
        results.push(
          r.ok
            ? {
                leadgen_id: change.value?.leadgen_id ?? null,
                lead_id: r.value.lead.id,
                deduplicated: r.value.deduplicated,
              }
            : {
                leadgen_id: change.value?.leadgen_id ?? null,
                error: { code: r.code, message: r.message, details: r.details ?? null },
              },
        );
      }
      const allFailed = results.every((r) => "error" in r);
      return reply.code(allFailed ? 422 : 200).send({ results });
    });
  };
}
