import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { findPanelUser, type PanelUser } from "../../core/accounts/panel-auth.service.js";
import { renderError } from "./render.js";
import type { PanelDeps } from "./types.js";

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 8 * 60 * 60_000;

const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

declare module "@fastify/secure-session" {
  interface SessionData {
    auth: SessionClaims;
  }
}

interface SessionClaims {
  uid: string;
  /** When the person signed in (ms). */
  iat: number;
  /** Their last request (ms). */
  seen: number;
}

/** Start a fresh session for a person who just signed in (a new cookie: no session fixation). */
export function startSession(req: FastifyRequest, user: PanelUser, nowMs: number): void {
  req.session.regenerate();
  req.session.set("auth", { uid: user.id, iat: nowMs, seen: nowMs } satisfies SessionClaims);
}

/** Forget the session (sign out). */
export function endSession(req: FastifyRequest): void {
  req.session.delete();
}

/** Stylesheets and scripts are public: the sign-in page needs them too. */
function isAsset(url: string): boolean {
  return url.startsWith("/admin/static/") || url.startsWith("/admin/vendor/");
}

function isHtmx(req: FastifyRequest): boolean {
  return req.headers["hx-request"] === "true";
}

/** Send the person to the sign-in page (htmx follows HX-Redirect; a browser the 303). */
function toLogin(req: FastifyRequest, reply: FastifyReply, why: "expired" | "signin") {
  const next = req.method === "GET" && !isHtmx(req) ? `&next=${encodeURIComponent(req.url)}` : "";
  const url = `/admin/login?why=${why}${next}`;
  if (isHtmx(req)) return reply.code(401).header("HX-Redirect", url).send();
  if (MUTATIONS.has(req.method)) return renderError(req, reply, 401, "UNAUTHORIZED", "Sign in again to continue.");
  return reply.redirect(url, 303);
}

/**
 * Every panel request, before its input is validated (a forged or unauthorised request is refused
 * whatever it carries): CSRF token on each change (checked first, so a forged request is refused
 * whoever sends it), then the session — idle 30 minutes, absolute 8 hours, counted on the
 * injected clock — then the person's role, re-read from the database each time so a demotion or
 * a disabled account takes effect at once. Read-only people may look but never change anything.
 */
export function installSessionGuard(app: FastifyInstance, deps: PanelDeps): void {
  app.addHook("preValidation", (req, reply, done) => {
    if (MUTATIONS.has(req.method)) return app.csrfProtection(req, reply, done);
    done();
  });
  app.addHook("preValidation", async (req, reply) => {
    if (req.routeOptions.config.public || isAsset(req.url)) return;
    const claims = req.session.get("auth");
    const now = deps.clock.now().getTime();
    if (!claims) return toLogin(req, reply, "signin");
    if (now - claims.seen > SESSION_IDLE_MS || now - claims.iat > SESSION_ABSOLUTE_MS) {
      req.session.set("auth", undefined);
      return toLogin(req, reply, "expired");
    }
    const user = await findPanelUser(deps, claims.uid);
    if (!user) {
      req.session.set("auth", undefined);
      return toLogin(req, reply, "signin");
    }
    req.panelUser = user;
    req.session.set("auth", { ...claims, seen: now });
    reply.locals = { ...reply.locals, user, csrf: reply.generateCsrf() };
    const roles = req.routeOptions.config.roles;
    const allowed = roles ? roles.includes(user.role) : !MUTATIONS.has(req.method) || user.role !== "read_only";
    if (!allowed) return renderError(req, reply, 403, "FORBIDDEN", "Your role may not do this.");
  });
}

/** The signed-in person (the guard guarantees one on non-public routes). */
export function panelUserOf(req: FastifyRequest): PanelUser {
  if (!req.panelUser) throw new Error("panel route without the session guard");
  return req.panelUser;
}
