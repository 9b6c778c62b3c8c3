import path from "node:path";
import { fileURLToPath } from "node:url";
import csrf from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import secureSession from "@fastify/secure-session";
import fastifyStatic from "@fastify/static";
import view from "@fastify/view";
import { Eta } from "eta";
import type { FastifyError, FastifyPluginAsync } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { panelSessionKey } from "../../core/accounts/panel-auth.service.js";
import { logServerError } from "../api/errors.js";
import { authRoutes } from "./auth.routes.js";
import { formatters } from "./format.js";
import { renderError } from "./render.js";
import { areaRoutes } from "./routes.js";
import { installSessionGuard, SESSION_ABSOLUTE_MS } from "./session.js";
import type { PanelDeps } from "./types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const VIEWS = path.join(here, "..", "views");
const STATIC = path.join(here, "..", "static");
const NODE_MODULES = path.join(here, "..", "..", "node_modules");

/**
 * The admin panel under /admin: server-rendered eta pages and htmx fragments. Order matters:
 * security headers → rate limit → form bodies → sealed session cookie → CSRF → views; then the
 * session guard (a server-side session row: idle 30 min, absolute 8 h, revoked at sign-out;
 * roles); each change is audited by its core use case (routes pass `actorOf(req)`, ./audit.ts).
 * Only this plugin's routes get these: the JSON API keeps its bearer keys and its own errors.
 */
export function panelPlugin(deps: PanelDeps): FastifyPluginAsync {
  return async (app) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    const secure = deps.config.publicUrl.startsWith("https:");

    await app.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", "data:"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          upgradeInsecureRequests: secure ? [] : null,
        },
      },
      strictTransportSecurity: secure,
    });
    await app.register(rateLimit, { max: 600, timeWindow: "1 minute" });
    await app.register(formbody, { bodyLimit: 256 * 1024 });
    await app.register(secureSession, {
      key: await panelSessionKey(deps),
      // `__Host-` needs Secure, which browsers only keep over TLS.
      cookieName: secure ? "__Host-leadrelay" : "leadrelay",
      expiry: SESSION_ABSOLUTE_MS / 1000,
      cookie: { path: "/", httpOnly: true, sameSite: "lax", secure },
    });
    await app.register(csrf, { sessionPlugin: "@fastify/secure-session" });
    await app.register(view, {
      engine: { eta: new Eta({ views: VIEWS, cache: deps.config.env === "production" }) },
      root: VIEWS,
      // `sandboxOn`: the layout shows the Sandbox nav item (to admins) only where the sandbox exists.
      defaultContext: { fmt: formatters(deps.config.defaultTimezone), sandboxOn: deps.config.sandboxEnabled },
    });
    await app.register(fastifyStatic, { root: STATIC, prefix: "/static/", decorateReply: false });
    await app.register(fastifyStatic, {
      root: [path.join(NODE_MODULES, "htmx.org", "dist"), path.join(NODE_MODULES, "sortablejs")],
      prefix: "/vendor/",
      decorateReply: false,
      allowedPath: (p) => /^\/(htmx\.min\.js|ext\/hx-sse\.min\.js|Sortable\.min\.js)$/.test(p),
    });

    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.code === "FST_CSRF_INVALID_TOKEN" || err.code === "FST_CSRF_MISSING_SECRET") {
        return renderError(req, reply, 403, "CSRF_INVALID", "This form has expired. Reload the page and try again.");
      }
      if (err.statusCode === 429) {
        return renderError(req, reply, 429, "RATE_LIMITED", "Too many requests. Wait a moment and try again.");
      }
      if (err.validation) return renderError(req, reply, 400, "VALIDATION_FAILED", err.message);
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return renderError(req, reply, err.statusCode, err.code ?? "BAD_REQUEST", err.message);
      }
      logServerError(req, err);
      return renderError(req, reply, 500, "INTERNAL", "Something went wrong on our side; it has been logged.");
    });
    app.setNotFoundHandler((req, reply) => renderError(req, reply, 404, "NOT_FOUND", "There is no such page."));

    installSessionGuard(app, deps);
    await app.register(authRoutes(deps));
    await app.register(areaRoutes(deps));
  };
}
