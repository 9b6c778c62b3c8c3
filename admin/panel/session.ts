import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { PanelUser } from "../../core/accounts/panel-auth.service.js";
import { endPanelSession, resumePanelSession } from "../../core/accounts/panel-session.service.js";
import { panelScopeFor } from "../../core/accounts/team-scope.js";
import type { AuditActor } from "../../core/audit.js";
import { renderError } from "./render.js";
import type { PanelDeps } from "./types.js";

export { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from "../../core/accounts/panel-session.service.js";

const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

declare module "@fastify/secure-session" {
  interface SessionData {
    auth: SessionClaims;
  }
}

/** What the sealed cookie carries: only the id of the server-side session row. */
interface SessionClaims {
  sid: string;
}

/** Start a fresh cookie for a person who just signed in (no session fixation), naming their session row. */
export function startSession(req: FastifyRequest, sessionId: string): void {
  req.session.regenerate();
  req.session.set("auth", { sid: sessionId } satisfies SessionClaims);
}

/** Sign out: revoke the session row on the server (a copied cookie opens nothing) and drop the cookie. */
export async function endSession(req: FastifyRequest, deps: PanelDeps, actor: AuditActor): Promise<void> {
  const sid = req.session.get("auth")?.sid;
  if (typeof sid === "string") await endPanelSession(deps, sid, actor);
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
 * whoever sends it), then the server-side session named by the cookie — not revoked (sign-out,
 * password change), idle under 30 minutes, younger than 8 hours, counted on the injected clock —
 * and the person's role, re-read with it in one query so a demotion or a disabled account takes
 * effect at once. Read-only people may look but never change anything.
 */
export function installSessionGuard(app: FastifyInstance, deps: PanelDeps): void {
  app.addHook("preValidation", (req, reply, done) => {
    if (MUTATIONS.has(req.method)) return app.csrfProtection(req, reply, done);
    done();
  });
  app.addHook("preValidation", async (req, reply) => {
    if (req.routeOptions.config.public || isAsset(req.url)) return;
    const sid = req.session.get("auth")?.sid;
    if (typeof sid !== "string") return toLogin(req, reply, "signin");
    const check = await resumePanelSession(deps, sid);
    if (!check.ok) {
      req.session.set("auth", undefined);
      return toLogin(req, reply, check.why);
    }
    const user: PanelUser = check.user;
    req.panelUser = user;
    req.panelScope = await panelScopeFor(deps.prisma, user); // a sales manager's team, read once per request
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
