import { Api } from "grammy";
import type { Message } from "grammy/types";
import { type ChatApp, createChatApp } from "../../bot/chat/app.js";
import { localizedChannel } from "../../bot/chat/outbound.js";
import { createTelegramBot, startPolling } from "../../bot/telegram/bot.js";
import { telegramChannel } from "../../bot/telegram/channel.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { TestWorld } from "../support/deps.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { until } from "./helpers.js";

const silent = { info() {}, warn() {} };

/**
 * The REAL grammY bot long polling a local fake Telegram Bot API over HTTP, the chat app behind
 * it, and the real OutboxSender delivering through telegramChannel — on the world's fake clock
 * (the sender's pacing waits move that clock, not real time). One person's chat, driven like a
 * phone: `says("/help")`, `presses(message, data)`, each returning what the bot sent meanwhile.
 */
export async function startTelegramChat(w: TestWorld, chatId: number, person: { first_name: string }) {
  const tg = await FakeTelegram.start({ now: () => w.clock.now().getTime() });
  const chat: ChatApp = createChatApp(w.deps);
  const bot = createTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, chat, log: silent });
  const polling = await startPolling(bot, silent);
  const channel = localizedChannel(w.deps, telegramChannel(new Api(tg.token, { apiRoot: tg.apiRoot })));
  const sender = new OutboxSender(w.deps, {
    channels: { telegram: channel },
    sleep: async (ms) => w.clock.advance(ms),
  });

  /** Send every due Telegram row; fail loudly if one failed for good. */
  async function deliver(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await sender.tick()) > 0) continue;
      const failed = await w.prisma.outboundMessage.findFirst({ where: { channel: "telegram", status: "failed" } });
      if (failed) throw new Error(`outbox row ${failed.kind} failed: ${failed.last_error}`);
      const left = await w.prisma.outboundMessage.findFirst({
        where: { channel: "telegram", status: { in: ["queued", "sending"] } },
        orderBy: { next_attempt_at: "asc" },
      });
      if (!left) return;
      w.clock.advance(Math.max(1, left.next_attempt_at.getTime() - w.clock.now().getTime()));
    }
    throw new Error("outbox did not drain");
  }

  /** Wait until the chat app has handled the update with this external id. */
  async function processed(externalId: string): Promise<void> {
    await until(async () => {
      const row = await w.prisma.inboundMessage.findUnique({
        where: { channel_external_id: { channel: "telegram", external_id: externalId } },
      });
      return Boolean(row?.processed_at);
    });
  }

  /** What the bot sent to the chat while `step` ran and the outbox drained. */
  async function receive(step: () => Promise<void>): Promise<Message[]> {
    const before = tg.messagesTo(chatId).length;
    await step();
    await deliver();
    return tg.messagesTo(chatId).slice(before);
  }

  const says = (text: string) =>
    receive(async () => {
      const u = tg.sendText(chatId, text, { ...person, language_code: "en" });
      await processed(`msg:${chatId}:${u.message?.message_id}`);
    });

  /** Press an inline button; the callback query must be answered (the spinner stops). */
  const presses = (message: Message | undefined, data: string) =>
    receive(async () => {
      const u = tg.pressButton(chatId, message?.message_id ?? 0, data);
      const id = u.callback_query?.id ?? "";
      await processed(`cb:${id}`);
      if (!tg.answeredCallbacks.some((a) => a.id === id)) throw new Error(`callback ${id} was not answered`);
    });

  let stopped = false;
  return {
    tg,
    chat,
    bot,
    sender,
    deliver,
    processed,
    receive,
    says,
    presses,
    /** Stop long polling (graceful: the update in hand is finished). */
    stopPolling: async () => {
      if (!stopped) await polling.stop();
      stopped = true;
    },
    stop: async () => {
      if (!stopped) await polling.stop();
      stopped = true;
      await tg.close();
    },
  };
}

export type TelegramChat = Awaited<ReturnType<typeof startTelegramChat>>;
