import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { CoreDeps } from "../../core/context.js";
import { knownEmailAddress } from "../../core/messaging/route-candidates.js";
import type { ChatApp } from "../chat/app.js";

const EMAIL_INBOUND_PATH = "/api/hooks/email/inbound";

const sha = (s: string) => createHash("sha256").update(s).digest();

const inboundBody = z.object({
  from: z.email().max(255),
  from_name: z.string().max(255).optional(),
  subject: z.string().max(1000).optional(),
  text: z.string().max(100_000).default(""),
  message_id: z.string().min(3).max(255),
});

/**
 * The words of a reply, without what it quotes: up to the first quote marker ("> …",
 * "On … wrote:", "-----Original Message-----") or signature ("-- "). A reply whose body is empty
 * but whose subject is an opt-out word (a `mailto:…?subject=unsubscribe` click) counts as that word.
 */
export function replyText(text: string, subject?: string): string {
  const lines: string[] = [];
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    if (/^\s*>/.test(line) || /^On .+wrote:\s*$/.test(line) || /^-{2,}\s*Original Message/i.test(line)) break;
    if (line === "-- " || line === "--") break;
    lines.push(line);
  }
  const body = lines.join("\n").trim();
  if (body) return body;
  return (subject ?? "").replace(/^\s*(re|fwd?|sv|aw)\s*:\s*/i, "").trim();
}

/**
 * Inbound e-mail from the provider's inbound-parse webhook (JSON: from, subject, text,
 * message_id), authenticated by `X-Hook-Secret` = HOOKS_SECRET. The reply's own words go to the
 * chat app like any channel's message: STOP/UNSUBSCRIBE opts out, anything else reaches the
 * owning contractor. A redelivered Message-ID is handled once.
 */
export function emailInboundRoutes(deps: CoreDeps, chat: ChatApp): FastifyPluginAsync {
  return async (app) => {
    app.post(EMAIL_INBOUND_PATH, { schema: { hide: true } }, async (req, res) => {
      const secret = deps.config.hooksSecret;
      const fail = (status: number, code: string, message: string) =>
        res.code(status).send({ error: { code, message, details: null } });
      if (!secret) return fail(503, "NOT_CONFIGURED", "set HOOKS_SECRET to receive e-mail");
      const given = req.headers["x-hook-secret"];
      if (typeof given !== "string" || !timingSafeEqual(sha(given), sha(secret)))
        return fail(401, "SIGNATURE_INVALID", "send the HOOKS_SECRET in X-Hook-Secret");
      const parsed = inboundBody.safeParse(req.body);
      if (!parsed.success) return fail(400, "VALIDATION_FAILED", parsed.error.issues[0]?.message ?? "invalid body");
      const b = parsed.data;
      const outcome = await chat.handle({
        channel: "email",
        externalId: b.message_id,
        address: await knownEmailAddress(deps.prisma, b.from),
        displayName: b.from_name,
        text: replyText(b.text, b.subject),
      });
      return res.code(outcome.status === "duplicate" ? 200 : 201).send({ status: outcome.status });
    });
  };
}
