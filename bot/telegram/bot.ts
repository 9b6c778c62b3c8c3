import { autoRetry } from "@grammyjs/auto-retry";
import { Bot } from "grammy";
import type { CoreLog } from "../../core/context.js";
import type { ChatApp } from "../chat/app.js";
import { LANGUAGES, type Lang, translator } from "../chat/i18n.js";
import { toInbound } from "./normalise.js";

/** How long a graceful stop waits for Telegram before giving up on confirming the offset. */
const STOP_GRACE_MS = 5_000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The updates LeadRelay reads; everything else is not asked for. */
const ALLOWED_UPDATES = ["message", "callback_query"] as const;

export interface TelegramBotOptions {
  token: string;
  /** `TELEGRAM_API_ROOT` (grammY `client.apiRoot`): the real Bot API or a local fake. */
  apiRoot: string;
  chat: ChatApp;
  log: CoreLog;
}

/**
 * The Telegram adapter: a grammY bot whose only middleware turns each update into the chat app's
 * normalised message and hands it over. Button presses are answered at once (the spinner stops
 * even if handling takes a moment). Direct API calls (getMe, answerCallbackQuery, setWebhook…)
 * retry 429s and 5xx with auto-retry; outbound messages do NOT go through this bot — the outbox
 * sender paces and retries them itself (bot/telegram/channel.ts).
 */
export function createTelegramBot(opts: TelegramBotOptions): Bot {
  const bot = new Bot(opts.token, { client: { apiRoot: opts.apiRoot } });
  // 429s and 5xx are retried a few times; network errors are not retried forever (auto-retry's
  // default): a dead connection must not stall the chat, and long polling retries on its own.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true }));
  bot.use(async (ctx) => {
    if (ctx.callbackQuery) {
      await ctx
        .answerCallbackQuery()
        .catch((err: unknown) => opts.log.warn("telegram: answerCallbackQuery failed", err));
    }
    const msg = toInbound(ctx.update);
    if (!msg) return;
    // Intake must not lose an update. The chat app catches its own handler failures; what can
    // still throw is storing the message (the database is away). Long polling then holds this
    // update and retries — later updates wait, so nothing is confirmed to Telegram unstored.
    // In webhook mode the error becomes a 500 and Telegram delivers the update again.
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.chat.handle(msg);
        return;
      } catch (err) {
        if (!bot.isRunning()) throw err;
        opts.log.warn(`telegram: could not take in ${msg.externalId} (attempt ${attempt + 1}), retrying`, err);
        await delay(Math.min(30_000, 500 * 2 ** attempt));
      }
    }
  });
  bot.catch((err) => opts.log.warn(`telegram: update ${err.ctx.update.update_id} failed`, err.error));
  return bot;
}

/**
 * Long polling (the default). Updates are handled one at a time in order, so a chat's messages
 * never overtake each other; the chat app also keeps per-chat order on its own. `stop()` ends
 * polling after the update in hand is done.
 */
export async function startPolling(bot: Bot, log: CoreLog): Promise<{ stop(): Promise<void> }> {
  let running: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    running = bot.start({ allowed_updates: [...ALLOWED_UPDATES], onStart: () => resolve() });
    running.catch((err: unknown) => {
      log.warn("telegram: polling stopped with an error", err);
      reject(err);
    });
  });
  return {
    async stop() {
      // Stopping confirms the update offset with one last getUpdates; if Telegram is unreachable
      // that may never answer. Give it a few seconds: an unconfirmed update is simply delivered
      // again at the next start, and intake recognises it.
      const stopping = bot.isRunning()
        ? bot.stop().catch((err: unknown) => log.warn("telegram: could not confirm the update offset", err))
        : Promise.resolve();
      await Promise.race([Promise.all([stopping, running.catch(() => undefined)]), delay(STOP_GRACE_MS)]);
    },
  };
}

/** Webhook mode: tell Telegram where to post updates, with the secret it must send back. */
export async function registerWebhook(bot: Bot, url: string, secretToken: string): Promise<void> {
  await bot.api.setWebhook(url, { secret_token: secretToken, allowed_updates: [...ALLOWED_UPDATES] });
}

/** The command menu for one language, read from the help text's "/command … — what" lines. */
export function commandMenu(lang: Lang): Array<{ command: string; description: string }> {
  const help = translator(lang)("help.contractor");
  const menu: Array<{ command: string; description: string }> = [];
  for (const line of help.split("\n")) {
    const m = /^\/([a-z_]{1,32})\b[^—]*—\s*(.+)$/.exec(line.trim());
    if (m?.[1] && m[2] && !menu.some((c) => c.command === m[1])) {
      menu.push({ command: m[1], description: m[2].slice(0, 256) });
    }
  }
  return menu;
}

/**
 * Publish the bot's command menu (the "/" button in Telegram) in every language of the
 * catalogue, from the same help text people read: one list to keep current, never two.
 */
export async function publishCommands(bot: Bot): Promise<void> {
  await bot.api.setMyCommands(commandMenu("en"));
  for (const lang of LANGUAGES.filter((l) => l !== "en")) {
    await bot.api.setMyCommands(commandMenu(lang), { language_code: lang });
  }
}
