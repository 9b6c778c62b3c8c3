import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { CoreDeps } from "../../core/context.js";
import { outboundIdOf, recordDelivery } from "../../core/messaging/delivery.service.js";
import { readUnsubscribeToken, unsubscribeEmail } from "../../core/messaging/unsubscribe.js";
import { sendError } from "./errors.js";

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem">
<h1>${title}</h1>${body}</body></html>`;

const CONFIRM = page(
  "Unsubscribe",
  `<p>Stop receiving our e-mails at this address?</p>
<form method="post"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Unsubscribe</button></form>`,
);
const DONE = page("You are unsubscribed", "<p>You will get no more e-mails from us.</p>");
const INVALID = page("Link not valid", "<p>This unsubscribe link is not valid. Reply STOP to any of our e-mails.</p>");

function html(res: FastifyReply, status: number, body: string) {
  return res.code(status).header("cache-control", "no-store").type("text/html; charset=utf-8").send(body);
}

const sha = (s: string) => createHash("sha256").update(s).digest();
/** Constant-time comparison of a given secret with the expected one (hashed: lengths leak nothing). */
function sameSecret(given: unknown, expected: string): boolean {
  return typeof given === "string" && timingSafeEqual(sha(given), sha(expected));
}

const tokenParam = z.object({ token: z.string().max(600) });

const eventsBody = z.object({
  events: z
    .array(
      z.object({
        type: z.enum(["delivered", "bounce", "complaint"]),
        message_id: z.string().min(3).max(300).describe("the Message-ID we set (<outbox-id@domain>)"),
        reason: z.string().max(2000).optional(),
      }),
    )
    .min(1)
    .max(500),
});

/**
 * Public e-mail endpoints and the provider's event hook.
 * - `GET /u/:token`: a confirmation page with one button (link scanners that fetch it change nothing).
 * - `POST /u/:token`: RFC 8058 one-click — no cookie, no CSRF token, the signed link is the proof —
 *   opts the customer out of e-mail at once; any body (`List-Unsubscribe=One-Click`) is accepted.
 * - `POST /api/hooks/email/events` (`X-Hook-Secret` = HOOKS_SECRET): bounces and complaints from
 *   the provider, matched to the outbox row by our Message-ID; a complaint opts the address out.
 */
export function emailRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    if (!app.hasContentTypeParser("application/x-www-form-urlencoded")) {
      app.addContentTypeParser(
        "application/x-www-form-urlencoded",
        { parseAs: "string", bodyLimit: 4096 },
        (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
    }
    if (!app.hasContentTypeParser("multipart/form-data")) {
      // Some mail clients post the one-click body as multipart: the body carries nothing we need.
      app.addContentTypeParser("multipart/form-data", { bodyLimit: 4096 }, (_req, _payload, done) => done(null, {}));
    }
    const secretOf = () => deps.config.smtp.unsubscribeSecret;

    app.get("/u/:token", { schema: { hide: true, params: tokenParam } }, async (req, res) => {
      const secret = secretOf();
      if (!secret || !readUnsubscribeToken(secret, req.params.token)) return html(res, 404, INVALID);
      return html(res, 200, CONFIRM);
    });

    app.post("/u/:token", { schema: { hide: true, params: tokenParam } }, async (req, res) => {
      const secret = secretOf();
      const who = secret ? readUnsubscribeToken(secret, req.params.token) : null;
      if (!who) return html(res, 404, INVALID);
      const r = await unsubscribeEmail(deps, who);
      if (!r.ok) return html(res, 404, INVALID);
      return html(res, 200, DONE);
    });

    app.post(
      "/api/hooks/email/events",
      { schema: { tags: ["hooks"], summary: "E-mail provider events: bounces and complaints", body: eventsBody } },
      async (req, res) => {
        const secret = deps.config.hooksSecret;
        if (!secret) return sendError(res, 503, "NOT_CONFIGURED", "set HOOKS_SECRET to receive e-mail events");
        if (!sameSecret(req.headers["x-hook-secret"], secret))
          return sendError(res, 401, "SIGNATURE_INVALID", "send the HOOKS_SECRET in X-Hook-Secret");
        const results = [];
        for (const e of req.body.events) {
          const outboundId = outboundIdOf(e.message_id);
          const status = e.type === "bounce" ? "failed" : e.type === "complaint" ? "complained" : "delivered";
          const r = outboundId
            ? await recordDelivery(deps, {
                channel: "email",
                outboundId,
                status,
                error: e.reason ?? (e.type === "bounce" ? "bounced" : undefined),
              })
            : null;
          results.push({
            message_id: e.message_id,
            recorded: Boolean(r?.ok),
            changed: r?.ok ? r.value.changed : false,
          });
        }
        return res.code(200).send({ results });
      },
    );
  };
}
