import { timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { CoreDeps } from "../../core/context.js";
import { payloadHash } from "../../core/crm/canonical-json.js";
import type { StatsExtension } from "../../core/crm/customer-query.js";
import { receiveDm } from "../../core/crm/dm-hook.js";
import { verifyHubSignature } from "../../core/marketplace/capi.js";
import { requireApiKey } from "./auth.js";
import { activityRoutes } from "./crm/activity.routes.js";
import { customerRoutes } from "./crm/customers.routes.js";
import { salesRoutes } from "./crm/sales.routes.js";
import { sendError } from "./errors.js";
import { reply } from "./route-kit.js";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/** Options the integrator may pass: extra counters for GET /customers/stats (the DMO counters). */
export interface CrmRouteOptions {
  statsExtension?: StatsExtension;
}

/**
 * The CRM REST API (seed 003 paths kept exactly, plus pipelines, deals and jobs), register under
 * `/api`. Every route needs an API key; a contractor key sees and touches only its own rows and
 * gets 404 for anyone else's.
 */
export function crmRoutes(deps: CoreDeps, opts: CrmRouteOptions = {}): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));
    await app.register(customerRoutes(deps, opts));
    await app.register(activityRoutes(deps));
    await app.register(salesRoutes(deps));
  };
}

/** Constant-time equality of two secrets (hashed first, so lengths leak nothing). */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(Buffer.from(payloadHash(given), "hex"), Buffer.from(payloadHash(expected), "hex"));
}

/**
 * CRM webhooks, register under `/api/hooks`. POST /dm is authenticated by `X-Hook-Secret`
 * (the HOOKS_SECRET itself) or `X-Signature-256: sha256=<hex>` (HMAC-SHA256 of the raw body
 * with HOOKS_SECRET), both compared in constant time; 503 when HOOKS_SECRET is not set.
 */
export function crmHookRoutes(deps: CoreDeps): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: 262_144 }, (req, body, done) => {
      req.rawBody = body as Buffer;
      try {
        done(null, (body as Buffer).length === 0 ? {} : JSON.parse((body as Buffer).toString("utf8")));
      } catch {
        done(new SyntaxError("invalid JSON"), undefined);
      }
    });

    app.post(
      "/dm",
      { schema: { tags: ["hooks"], summary: "A DM conversation started (DM_STARTED)" } },
      async (req, res) => {
        const secret = deps.config.hooksSecret;
        if (!secret) return sendError(res, 503, "NOT_CONFIGURED", "set HOOKS_SECRET to receive DM webhooks");
        const given = req.headers["x-hook-secret"];
        const signature = req.headers["x-signature-256"];
        const authentic =
          (typeof given === "string" && sameSecret(given, secret)) ||
          (typeof signature === "string" &&
            req.rawBody !== undefined &&
            verifyHubSignature(req.rawBody, signature, secret));
        if (!authentic) {
          return sendError(
            res,
            401,
            "SIGNATURE_INVALID",
            "send X-Hook-Secret or a valid X-Signature-256 over the body",
          );
        }
        const r = await receiveDm(deps, req.body);
        return reply(res, r, r.ok && r.value.replayed ? 200 : 201, (v) => v.event);
      },
    );
  };
}
