import type { FastifyPluginAsync } from "fastify";
import { Api, type Bot } from "grammy";
import { TELEGRAM_STATUS_KEY, type TelegramStatus } from "../core/messaging/channel-overview.query.js";
import { writeSetting } from "../core/messaging/whatsapp-status.service.js";
import type { Channel } from "../core/ports.js";
import type { ChannelKind } from "../prisma/generated/client.js";
import { type ChatApp, createChatApp } from "./chat/app.js";
import { localizedChannel } from "./chat/outbound.js";
import { startChatTimers } from "./chat/timers.js";
import type { ChatDeps } from "./chat/types.js";
import { customerChannels, customerWebhookRoutes } from "./customer-channels.js";
import { sandboxChannel } from "./sandbox/channel.js";
import { sandboxRoutes } from "./sandbox/routes.js";
import { createTelegramBot, publishCommands, registerWebhook, startPolling } from "./telegram/bot.js";
import { telegramChannel } from "./telegram/channel.js";
import { telegramWebhookRoutes } from "./telegram/webhook.js";
import type { WhatsappAdapter } from "./whatsapp/adapter.js";

/** The chat side of one process: the chat app, the channels the outbox sends on, the Telegram bot. */
export interface ChatRuntime {
  chat: ChatApp;
  /** For the outbox sender: every configured channel, notices rendered in the reader's language. */
  channels: Partial<Record<ChannelKind, Channel>>;
  telegram?: Bot;
  /** WhatsApp (WHATSAPP_ENABLED): the connection the panel pairs, its outbox channel, pause/resume. */
  whatsapp?: WhatsappAdapter;
}

/**
 * WhatsApp's modules. Baileys keeps ~46 MB resident once imported, so they are imported only when
 * WHATSAPP_ENABLED (most installations never pair a number).
 */
async function loadWhatsapp() {
  const [adapter, socket] = await Promise.all([import("./whatsapp/adapter.js"), import("./whatsapp/socket.js")]);
  return { createWhatsappAdapter: adapter.createWhatsappAdapter, baileysSocketFactory: socket.baileysSocketFactory };
}
type WhatsappModules = Awaited<ReturnType<typeof loadWhatsapp>>;

/** Build the chat runtime from configuration, importing WhatsApp's modules only when it is enabled. */
export async function loadChatRuntime(deps: ChatDeps): Promise<ChatRuntime> {
  return createChatRuntime(deps, deps.config.whatsappEnabled ? await loadWhatsapp() : undefined);
}

/**
 * Build the chat runtime from configuration (nothing connects until a role starts it). With
 * WHATSAPP_ENABLED it needs WhatsApp's modules: use loadChatRuntime.
 */
export function createChatRuntime(deps: ChatDeps, whatsappModules?: WhatsappModules): ChatRuntime {
  const chat = createChatApp(deps);
  const channels: Partial<Record<ChannelKind, Channel>> = { sandbox: sandboxChannel };
  Object.assign(channels, customerChannels(deps)); // channels.email, channels.sms when configured
  if (deps.config.whatsappEnabled && !whatsappModules) {
    throw new Error("WHATSAPP_ENABLED: build the chat runtime with loadChatRuntime (it imports WhatsApp's modules)");
  }
  const whatsapp = whatsappModules?.createWhatsappAdapter(deps, {
    chat,
    socketFactory: whatsappModules.baileysSocketFactory(deps.log),
  });
  if (whatsapp) channels.whatsapp = localizedChannel(deps, whatsapp.channel);
  const { token, apiRoot } = deps.config.telegram;
  if (!token) return { chat, channels, whatsapp };
  // The outbox's own Api, without auto-retry: the sender honours 429s without blocking on them.
  channels.telegram = localizedChannel(deps, telegramChannel(new Api(token, { apiRoot })));
  const telegram = createTelegramBot({ token, apiRoot, chat, log: deps.log });
  return { chat, channels, telegram, whatsapp };
}

/** What the bot role runs besides the chat app (main.ts wires these; bot/ never imports jobs/). */
export interface ChatRoleOptions {
  /** Starts the outbox sender for WhatsApp rows; run only while this process holds the number. */
  whatsappOutbox?: () => () => Promise<void>;
  /** How often a bot waiting for the WhatsApp number tries again (default 2 s). */
  whatsappLockRetryMs?: number;
}

/**
 * The bot role: long polling, or (TELEGRAM_WEBHOOK_URL set) registering the webhook the web role
 * serves; plus the chat app's retry and countdown sweeps; plus WhatsApp (WHATSAPP_ENABLED) once
 * this process holds the number's lock (whatsapp/leader-lock.ts). Returns the graceful stop.
 */
export async function startChatRole(
  rt: ChatRuntime,
  deps: ChatDeps,
  opts: ChatRoleOptions = {},
): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const { webhookUrl, webhookSecret } = deps.config.telegram;
  if (rt.telegram && webhookUrl && webhookSecret) {
    await registerWebhook(rt.telegram, webhookUrl, webhookSecret);
    deps.log.info(`telegram: webhook set to ${webhookUrl}`);
  } else if (rt.telegram) {
    const polling = await startPolling(rt.telegram, deps.log);
    stops.push(() => polling.stop());
    deps.log.info("telegram: long polling");
  }
  if (rt.telegram) {
    // For the panel's channels page, which may run in another process.
    if (!rt.telegram.isInited()) await rt.telegram.init();
    await publishCommands(rt.telegram).catch((err: unknown) => deps.log.warn("telegram: command menu not set", err));
    const status: TelegramStatus = {
      username: rt.telegram.botInfo.username,
      mode: webhookUrl && webhookSecret ? "webhook" : "polling",
      since: deps.clock.now().toISOString(),
    };
    await writeSetting(deps.prisma, TELEGRAM_STATUS_KEY, status, deps.clock.now());
  }
  if (rt.whatsapp) stops.push(await startWhatsappRole(rt.whatsapp, deps, opts));
  const timers = startChatTimers(rt.chat, deps.log);
  stops.push(() => timers.stop());
  return async () => {
    for (const stop of stops) await stop();
  };
}

/**
 * WhatsApp's socket and its outbox sender, in the one process holding the number: on PostgreSQL
 * behind the lock (a second bot waits and takes over when the first dies); on the embedded
 * database at once (one server per data folder).
 */
async function startWhatsappRole(
  wa: WhatsappAdapter,
  deps: ChatDeps,
  opts: ChatRoleOptions,
): Promise<() => Promise<void>> {
  const lead = async () => {
    const { startWhatsapp } = await import("./whatsapp/adapter.js"); // loaded already: wa was made by it
    const stopSocket = await startWhatsapp(wa, deps.log);
    const stopOutbox = opts.whatsappOutbox?.();
    return async () => {
      await stopOutbox?.(); // the message in flight finishes first, then the socket closes
      await stopSocket();
    };
  };
  const databaseUrl = deps.config.databaseUrl;
  if (!databaseUrl) return lead();
  const { holdWhatsappLock } = await import("./whatsapp/leader-lock.js");
  const lock = holdWhatsappLock({
    databaseUrl,
    sessionId: wa.sessionId,
    log: deps.log,
    retryMs: opts.whatsappLockRetryMs,
    lead,
  });
  return () => lock.stop();
}

/** The web role's chat routes: the sandbox API, and the Telegram webhook when configured. */
export function chatWebRoutes(rt: ChatRuntime, deps: ChatDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(sandboxRoutes(deps, rt.chat), { prefix: "/api/sandbox" });
    await app.register(customerWebhookRoutes(deps, rt.chat)); // inbound e-mail, Twilio SMS + status
    const { webhookUrl, webhookSecret } = deps.config.telegram;
    if (rt.telegram && webhookUrl && webhookSecret) {
      await app.register(
        telegramWebhookRoutes(rt.telegram, { path: new URL(webhookUrl).pathname, secretToken: webhookSecret }),
      );
    }
  };
}
