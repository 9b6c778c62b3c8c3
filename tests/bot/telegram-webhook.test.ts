import type { FastifyInstance } from "fastify";
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../admin/app.js";
import { createChatApp } from "../../bot/chat/app.js";
import { createTelegramBot } from "../../bot/telegram/bot.js";
import { telegramWebhookRoutes } from "../../bot/telegram/webhook.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { FakeTelegram } from "../support/fake-telegram.js";

const SECRET = "s3cret-Token_for-tests";
const PATH = "/api/hooks/telegram";
let w: TestWorld;
let tg: FakeTelegram;
let app: FastifyInstance;

beforeAll(async () => {
  w = await createWorld();
  tg = await FakeTelegram.start();
  const silent = { info() {}, warn() {} };
  const bot = createTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, chat: createChatApp(w.deps), log: silent });
  app = await buildApp({
    ...w.deps,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => undefined,
  });
  await app.register(telegramWebhookRoutes(bot, { path: PATH, secretToken: SECRET }));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await tg?.close();
  await w?.close();
});

const update = (updateId: number, text: string, chatId = 8001): Update =>
  ({
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_767_600_000,
      chat: { id: chatId, type: "private", first_name: "Web" },
      from: { id: chatId, is_bot: false, first_name: "Web", language_code: "da" },
      text,
      ...(text.startsWith("/")
        ? { entities: [{ type: "bot_command", offset: 0, length: text.split(" ")[0]?.length }] }
        : {}),
    },
  }) as Update;

const post = (body: Update, secret?: string) =>
  app.inject({
    method: "POST",
    url: PATH,
    payload: body,
    headers: secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret },
  });

describe("the Telegram webhook", () => {
  it("answers 401 to a missing or wrong secret and processes nothing", async () => {
    expect((await post(update(1, "/help"))).statusCode).toBe(401);
    expect((await post(update(2, "/help"), "wrong")).statusCode).toBe(401);
    expect(await w.prisma.inboundMessage.count()).toBe(0);
    expect(await w.prisma.outboundMessage.count()).toBe(0);
    expect(tg.calls).toEqual([]); // not even getMe
  });

  it("handles an update once even when Telegram delivers it twice", async () => {
    expect((await post(update(10, "/help"), SECRET)).statusCode).toBe(200);
    expect((await post(update(10, "/help"), SECRET)).statusCode).toBe(200);
    expect(await w.prisma.inboundMessage.count()).toBe(1);
    const replies = await w.prisma.outboundMessage.findMany({ where: { channel: "telegram", to_address: "8001" } });
    expect(replies).toHaveLength(1);
    // A stranger, with a Danish Telegram client: answered in Danish.
    expect(replies[0]?.body).toMatch(/bede din administrator om en kode/);
  });

  it("keeps one chat's updates in order when they arrive at once", async () => {
    const results = await Promise.all([11, 12, 13].map((id) => post(update(id, `/start CODE${id}`, 8002), SECRET)));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    const bodies = (
      await w.prisma.outboundMessage.findMany({ where: { to_address: "8002" }, orderBy: { created_at: "asc" } })
    ).map((o) => o.body);
    expect(bodies).toEqual([11, 12, 13].map((id) => expect.stringContaining(`CODE${id}`)));
  });
});
