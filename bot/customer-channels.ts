import type { FastifyPluginAsync } from "fastify";
import type { Channel } from "../core/ports.js";
import type { ChannelKind } from "../prisma/generated/client.js";
import type { ChatApp } from "./chat/app.js";
import { localizedChannel } from "./chat/outbound.js";
import type { ChatDeps } from "./chat/types.js";
import { emailChannel, smtpTransport } from "./email/channel.js";
import { emailInboundRoutes } from "./email/routes.js";
import { smsChannel, twilioClient } from "./sms/channel.js";
import { TWILIO_STATUS_PATH, twilioWebhookRoutes } from "./sms/routes.js";

/** E-mail (SMTP_URL + UNSUBSCRIBE_SECRET) and SMS (TWILIO_*) channels for the outbox, when configured. */
export function customerChannels(deps: ChatDeps): Partial<Record<ChannelKind, Channel>> {
  const channels: Partial<Record<ChannelKind, Channel>> = {};
  const { smtp, twilio, publicUrl } = deps.config;
  if (smtp.url && smtp.unsubscribeSecret) {
    const email = emailChannel(smtpTransport(smtp.url), {
      from: smtp.from,
      publicUrl,
      unsubscribeSecret: smtp.unsubscribeSecret,
    });
    // `close` ends the pooled SMTP connections (tests, and a clean shutdown).
    channels.email = Object.assign(localizedChannel(deps, email), { close: () => email.close() });
  }
  if (twilio.accountSid && twilio.authToken && twilio.fromNumber) {
    const client = twilioClient({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      apiBase: twilio.apiBase,
    });
    const sms = smsChannel(client, { from: twilio.fromNumber, statusCallbackUrl: `${publicUrl}${TWILIO_STATUS_PATH}` });
    channels.sms = localizedChannel(deps, sms);
  }
  return channels;
}

/** The web role's e-mail and SMS webhooks into the chat app: inbound mail always, Twilio's when configured. */
export function customerWebhookRoutes(deps: ChatDeps, chat: ChatApp): FastifyPluginAsync {
  return async (app) => {
    await app.register(emailInboundRoutes(deps, chat));
    const { authToken } = deps.config.twilio;
    if (authToken) await app.register(twilioWebhookRoutes(deps, chat, { authToken, publicUrl: deps.config.publicUrl }));
  };
}
