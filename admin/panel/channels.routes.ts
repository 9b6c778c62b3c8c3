import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { channelTraffic, telegramStatus } from "../../core/messaging/channel-overview.query.js";
import {
  pauseWhatsapp,
  resumeWhatsapp,
  setWhatsappDailyCap,
  whatsappOverview,
} from "../../core/messaging/whatsapp-guard.service.js";
import { requestWhatsappPairingCode } from "../../core/messaging/whatsapp-status.service.js";
import { actorOf } from "./audit.js";
import { render, renderError, renderPartial } from "./render.js";
import type { PanelDeps } from "./types.js";

const ADMIN_ONLY = { roles: ["admin"] as const };

/**
 * Channel set-up: Telegram's status, WhatsApp pairing (QR image refreshed by htmx polling, or a
 * pairing code), its health guard (pause/resume, daily first-contact cap), e-mail and SMS
 * configuration, and each channel's traffic. Secrets are never shown, only whether they are set.
 */
export function channelRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  async function whatsappData() {
    const [wa, traffic] = await Promise.all([whatsappOverview(deps), channelTraffic(deps.prisma, deps.clock.now())]);
    return { wa, traffic, waEnabled: deps.config.whatsappEnabled };
  }

  return async (app) => {
    app.get("/channels", async (req, reply) => {
      const [telegram, wa] = await Promise.all([telegramStatus(deps.prisma), whatsappData()]);
      const cfg = deps.config;
      return render(
        req,
        reply,
        "pages/channels",
        {
          telegram,
          telegramConfigured: Boolean(cfg.telegram.token),
          telegramMode: cfg.telegram.webhookUrl ? `webhook (${cfg.telegram.webhookUrl})` : "long polling",
          emailConfigured: Boolean(cfg.smtp.url),
          emailFrom: cfg.smtp.from,
          smsConfigured: Boolean(cfg.twilio.accountSid && cfg.twilio.authToken && cfg.twilio.fromNumber),
          smsFrom: cfg.twilio.fromNumber ?? null,
          ...wa,
        },
        { title: "Channels — LeadRelay" },
      );
    });

    /** The WhatsApp card alone: htmx polls it while a QR code or pairing code waits to be used. */
    app.get("/channels/whatsapp", async (req, reply) =>
      renderPartial(req, reply, "partials/whatsapp-card", await whatsappData()),
    );

    app.post(
      "/channels/whatsapp/pairing-code",
      { config: ADMIN_ONLY, schema: { body: z.object({ phone: z.string().max(30), _csrf: z.string().optional() }) } },
      async (req, reply) => {
        const res = await requestWhatsappPairingCode(deps, req.body.phone, actorOf(req));
        if (!res.ok) return renderError(req, reply, 422, "VALIDATION_FAILED", `Enter ${res.error}.`);
        return renderPartial(req, reply, "partials/whatsapp-card", { ...(await whatsappData()), requested: res.phone });
      },
    );

    app.post(
      "/channels/whatsapp/pause",
      {
        config: ADMIN_ONLY,
        schema: {
          body: z.object({
            reason: z.string().trim().min(1).max(200).default("paused by an admin"),
            _csrf: z.string().optional(),
          }),
        },
      },
      async (req, reply) => {
        await pauseWhatsapp(deps, { kind: "manual", reason: req.body.reason, actor: actorOf(req) });
        return renderPartial(req, reply, "partials/whatsapp-card", await whatsappData());
      },
    );

    app.post("/channels/whatsapp/resume", { config: ADMIN_ONLY }, async (req, reply) => {
      await resumeWhatsapp(deps, { actor: actorOf(req) });
      return renderPartial(req, reply, "partials/whatsapp-card", await whatsappData());
    });

    app.post(
      "/channels/whatsapp/cap",
      {
        config: ADMIN_ONLY,
        schema: { body: z.object({ cap: z.coerce.number().int().min(0).max(1000), _csrf: z.string().optional() }) },
      },
      async (req, reply) => {
        await setWhatsappDailyCap(deps, req.body.cap, actorOf(req));
        return renderPartial(req, reply, "partials/whatsapp-card", await whatsappData());
      },
    );
  };
}
