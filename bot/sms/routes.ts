import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import twilio from "twilio";
import type { CoreDeps } from "../../core/context.js";
import { normalizePhone } from "../../core/marketplace/lead-input.js";
import { recordDelivery } from "../../core/messaging/delivery.service.js";
import type { ChatApp } from "../chat/app.js";

/** Where Twilio posts, under the web role's base URL (PUBLIC_URL). */
const TWILIO_INBOUND_PATH = "/api/hooks/twilio/sms";
export const TWILIO_STATUS_PATH = "/api/hooks/twilio/status";

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

function error(res: FastifyReply, status: number, code: string, message: string) {
  return res.code(status).send({ error: { code, message, details: null } });
}

/** Twilio's MessageStatus values as delivery reports; interim ones (queued, sending…) are not reported. */
function reportOf(status: string): "sent" | "delivered" | "failed" | null {
  if (status === "delivered" || status === "read") return "delivered";
  if (status === "failed" || status === "undelivered") return "failed";
  if (status === "sent") return "sent";
  return null;
}

/**
 * Twilio's webhooks, each verified with the SDK's `validateRequest` over PUBLIC_URL + path and
 * the posted form fields (`X-Twilio-Signature`, HMAC-SHA1 with the auth token): a missing or wrong
 * signature is 403 and nothing is recorded.
 * - inbound SMS: handed to the chat app like any channel's message (STOP, replies, contractors
 *   texting commands); redeliveries of one MessageSid are handled once. Answers go out through
 *   the outbox, so Twilio gets an empty TwiML response.
 * - delivery status: recorded on the outbox row by MessageSid (delivered, failed/undelivered).
 */
export function twilioWebhookRoutes(
  deps: CoreDeps,
  chat: ChatApp,
  opts: { authToken: string; publicUrl: string },
): FastifyPluginAsync {
  return async (app) => {
    if (app.hasContentTypeParser("application/x-www-form-urlencoded"))
      app.removeContentTypeParser("application/x-www-form-urlencoded");
    app.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: 64 * 1024 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    /** The form fields of a genuine Twilio request, or null (after answering 403/400). */
    async function verified(req: FastifyRequest, res: FastifyReply): Promise<Record<string, string> | null> {
      const params = (req.body ?? {}) as Record<string, string>;
      const signature = req.headers["x-twilio-signature"];
      const url = `${opts.publicUrl}${req.url}`;
      if (typeof signature !== "string" || !twilio.validateRequest(opts.authToken, signature, url, params)) {
        await error(res, 403, "SIGNATURE_INVALID", "X-Twilio-Signature is missing or does not match");
        return null;
      }
      if (typeof params.MessageSid !== "string" || !/^[A-Za-z0-9]{10,64}$/.test(params.MessageSid)) {
        await error(res, 400, "VALIDATION_FAILED", "MessageSid is missing");
        return null;
      }
      return params;
    }

    app.post(TWILIO_INBOUND_PATH, { schema: { hide: true } }, async (req, res) => {
      const p = await verified(req, res);
      if (!p) return res;
      if (typeof p.From !== "string" || !p.From.trim()) return error(res, 400, "VALIDATION_FAILED", "From is missing");
      const media = Number(p.NumMedia ?? 0);
      await chat.handle({
        channel: "sms",
        externalId: p.MessageSid as string,
        address: normalizePhone(p.From) ?? p.From.trim(), // E.164, as customer phones are stored
        text: p.Body ?? "",
        ...(media > 0
          ? {
              attachments: Array.from({ length: Math.min(media, 10) }, (_, i) => ({
                kind: "other" as const,
                ref: p[`MediaUrl${i}`],
              })),
            }
          : {}),
      });
      return res.code(200).type("text/xml").send(EMPTY_TWIML);
    });

    app.post(TWILIO_STATUS_PATH, { schema: { hide: true } }, async (req, res) => {
      const p = await verified(req, res);
      if (!p) return res;
      const status = reportOf(String(p.MessageStatus ?? p.SmsStatus ?? ""));
      if (!status) return res.code(200).send({ recorded: false });
      const r = await recordDelivery(deps, {
        channel: "sms",
        providerMessageId: p.MessageSid as string,
        status,
        error: status === "failed" ? `twilio ${p.ErrorCode ?? "error"}: ${p.MessageStatus}` : undefined,
      });
      // An unknown MessageSid is answered 200 too: Twilio cannot do anything better with it.
      return res.code(200).send({ recorded: r.ok && r.value.changed });
    });
  };
}
