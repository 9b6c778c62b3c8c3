import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { loginWithPassword, PANEL_ROLES } from "../../core/accounts/panel-auth.service.js";
import { writeAudit } from "../../core/audit.js";
import { ERROR_CODES } from "../../core/errors.js";
import { actorOf } from "./audit.js";
import { render } from "./render.js";
import { endSession, startSession } from "./session.js";
import type { PanelDeps } from "./types.js";

/** Only same-site panel paths are followed after sign-in (no open redirect). */
function safeNext(next: string | undefined): string {
  return next && /^\/admin(\/[\w\-/?=&%.]*)?$/.test(next) && !next.startsWith("/admin/login") ? next : "/admin";
}

const NOTICES: Record<string, string> = {
  expired: "Your session ended. Sign in again.",
  signin: "Sign in to continue.",
  out: "You are signed out.",
};

/** Sign in and out. */
export function authRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/login",
      {
        config: { public: true },
        schema: { querystring: z.object({ next: z.string().max(500).optional(), why: z.string().max(20).optional() }) },
      },
      async (req, reply) => {
        const notice = req.query.why ? NOTICES[req.query.why] : undefined;
        return render(
          req,
          reply,
          "login",
          { csrf: reply.generateCsrf(), next: safeNext(req.query.next), email: "", notice, error: null },
          { title: "Sign in — LeadRelay", fragment: false },
        );
      },
    );

    app.post(
      "/login",
      {
        config: { public: true },
        schema: {
          body: z.object({
            email: z.string().max(255).default(""),
            password: z.string().max(1024).default(""),
            next: z.string().max(500).optional(),
            _csrf: z.string().optional(),
          }),
        },
      },
      async (req, reply) => {
        const res = await loginWithPassword(deps, deps.hasher, {
          email: req.body.email,
          password: req.body.password,
          ip: req.ip,
          userAgent: req.headers["user-agent"] ?? "",
        });
        if (!res.ok) {
          const wait = (res.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
          if (wait) reply.header("Retry-After", String(wait));
          return render(
            req,
            reply,
            "login",
            {
              csrf: reply.generateCsrf(),
              next: safeNext(req.body.next),
              email: req.body.email,
              notice: null,
              error: { code: res.code, message: res.message },
            },
            { status: ERROR_CODES[res.code], title: "Sign in — LeadRelay", fragment: false },
          );
        }
        startSession(req, res.value.sessionId);
        await writeAudit(deps.prisma, {
          actor: { kind: "panel_user", userId: res.value.id, ip: req.ip },
          action: "panel.login",
          entityType: "user",
          entityId: res.value.id,
          at: deps.clock.now(),
        });
        return reply.redirect(safeNext(req.body.next), 303);
      },
    );

    app.post("/logout", { config: { roles: PANEL_ROLES } }, async (req, reply) => {
      await endSession(req, deps, actorOf(req));
      return reply.redirect("/admin/login?why=out", 303);
    });
  };
}
