/**
 * Buttons through the REAL grammY bot against the local fake Telegram Bot API, on a fake clock:
 * the main menu as an inline keyboard, and a customer's relayed message answered with its
 * "Reply" button — the answer leaving through the outbox on the customer's own channel.
 */
import { Api, type Bot } from "grammy";
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, createChatApp } from "../../bot/chat/app.js";
import { localizedChannel } from "../../bot/chat/outbound.js";
import { createTelegramBot, startPolling } from "../../bot/telegram/bot.js";
import { telegramChannel } from "../../bot/telegram/channel.js";
import { bindIdentity } from "../../core/accounts/link.service.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeMarketer } from "../support/factories.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { until } from "./helpers.js";

const CHAT = 7301;
const silent = { info() {}, warn() {} };
let w: TestWorld;
let tg: FakeTelegram;
let chat: ChatApp;
let bot: Bot;
let polling: { stop(): Promise<void> };
let sender: OutboxSender;
let mia: User;
let sofie: Customer;

beforeAll(async () => {
  w = await createWorld();
  tg = await FakeTelegram.start({ now: () => w.clock.now().getTime() });
  chat = createChatApp(w.deps);
  bot = createTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, chat, log: silent });
  polling = await startPolling(bot, silent);
  const channel = localizedChannel(w.deps, telegramChannel(new Api(tg.token, { apiRoot: tg.apiRoot })));
  sender = new OutboxSender(w.deps, { channels: { telegram: channel }, sleep: async (ms) => w.clock.advance(ms) });
  mia = await makeMarketer(w.prisma, { name: "Mia Marketer" });
  sofie = await makeCustomer(w.prisma, { owner_id: mia.id, name: "Sofie Dahl" });
  const linked = await bindIdentity(w.deps, { channel: "telegram", address: String(CHAT), userId: mia.id });
  if (!linked.ok) throw new Error(linked.message);
});
afterAll(async () => {
  await polling?.stop();
  await tg?.close();
  await w?.close();
});

/** Send every due Telegram row, moving the fake clock over the sender's pacing. */
async function deliver(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await sender.tick()) > 0) continue;
    const left = await w.prisma.outboundMessage.findFirst({
      where: { channel: "telegram", status: { in: ["queued", "sending"] } },
      orderBy: { next_attempt_at: "asc" },
    });
    if (!left) return;
    w.clock.advance(Math.max(1, left.next_attempt_at.getTime() - w.clock.now().getTime()));
  }
  throw new Error("outbox did not drain");
}

async function processed(externalId: string): Promise<void> {
  await until(async () => {
    const row = await w.prisma.inboundMessage.findUnique({
      where: { channel_external_id: { channel: "telegram", external_id: externalId } },
    });
    return Boolean(row?.processed_at);
  });
}

async function receive(step: () => Promise<void>): Promise<Message[]> {
  const before = tg.messagesTo(CHAT).length;
  await step();
  await deliver();
  return tg.messagesTo(CHAT).slice(before);
}

const says = (text: string) =>
  receive(async () => {
    const u = tg.sendText(CHAT, text, { first_name: "Mia", language_code: "en" });
    await processed(`msg:${CHAT}:${u.message?.message_id}`);
  });

const presses = (message: Message | undefined, data: string) =>
  receive(async () => {
    const u = tg.pressButton(CHAT, message?.message_id ?? 0, data);
    await processed(`cb:${u.callback_query?.id ?? ""}`);
  });

const keyboard = (m: Message | undefined) => m?.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text));

describe("buttons on Telegram", () => {
  it("shows the main menu as an inline keyboard, two to a row, and runs a command from it", async () => {
    const [help] = await says("/help");
    expect(keyboard(help)).toEqual([
      ["☀️ My day", "📊 My week"],
      ["🗂 Customer card", "✉️ Message a customer"],
      ["🎉 Won", "✖️ Lost"],
    ]);
    const [card] = await presses(help, "cmd:card");
    expect(card?.text).toMatch(/^🗂 Whose card\?/);
    expect((await says("sofie"))[0]?.text).toMatch(/^🗂 Sofie Dahl/);
  });

  it("answers a customer who came without a lead with the Reply button", async () => {
    const bound = await bindIdentity(w.deps, { channel: "sandbox", address: "sbx-sofie", customerId: sofie.id });
    expect(bound.ok).toBe(true);
    const [nudge] = await receive(async () => {
      await chat.handle({ channel: "sandbox", externalId: "sofie-1", address: "sbx-sofie", text: "Still available?" });
    });
    expect(nudge?.text).toMatch(/^💬 Sofie Dahl: Still available\?/);
    expect(keyboard(nudge)).toEqual([["↩️ Reply", "🗂 Card"]]);
    expect((await presses(nudge, `reply:${sofie.id}`))[0]?.text).toBe(
      "✍️ Type your message to Sofie Dahl. (/cancel to stop)",
    );
    expect((await says("Yes! Shall I book you for Friday?"))[0]?.text).toBe("✓ Sent to Sofie Dahl.");
    const relay = await w.prisma.outboundMessage.findFirstOrThrow({ where: { customer_id: sofie.id, kind: "relay" } });
    expect(relay).toMatchObject({
      channel: "sandbox",
      to_address: "sbx-sofie",
      body: "Yes! Shall I book you for Friday?",
    });
  });
});
