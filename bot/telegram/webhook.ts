import { timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { type Bot, webhookCallback } from "grammy";

const SECRET_HEADER = "x-telegram-bot-api-secret-token";

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The Telegram webhook route for the web role. A request without the right
 * `X-Telegram-Bot-Api-Secret-Token` is answered 401 before anything else happens (grammY checks
 * it again); a redelivered update is recognised by the chat app's intake and handled once. The
 * bot introduces itself to Telegram (getMe) on the first real update, so the web role starts
 * even while Telegram is unreachable.
 */
export function telegramWebhookRoutes(bot: Bot, opts: { path: string; secretToken: string }): FastifyPluginAsync {
  return async (app) => {
    const handle = webhookCallback(bot, "fastify", { secretToken: opts.secretToken, timeoutMilliseconds: 25_000 });
    app.post(opts.path, { schema: { hide: true } }, async (req, reply) => {
      if (!sameSecret(req.headers[SECRET_HEADER], opts.secretToken)) {
        return reply.code(401).send({ error: { code: "UNAUTHORIZED", message: "wrong secret token", details: null } });
      }
      await handle(req, reply);
      return reply;
    });
  };
}
