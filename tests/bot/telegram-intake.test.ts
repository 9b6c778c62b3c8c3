import { describe, expect, it } from "vitest";
import type { ChatApp } from "../../bot/chat/app.js";
import type { ChatInbound } from "../../bot/chat/types.js";
import { createTelegramBot, startPolling } from "../../bot/telegram/bot.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import { until } from "./helpers.js";

describe("Telegram intake under a database outage", () => {
  it("holds an update it could not store and retries until it is taken in, in order", async () => {
    const tg = await FakeTelegram.start();
    const seen: string[] = [];
    let failures = 2;
    const chat = {
      async handle(msg: ChatInbound) {
        if (failures > 0) {
          failures -= 1;
          throw new Error("database unavailable");
        }
        seen.push(msg.text ?? "");
        return { status: "handled" as const, inboundId: msg.externalId, replyIds: [] };
      },
    } as unknown as ChatApp;
    const silent = { info() {}, warn() {} };
    const bot = createTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, chat, log: silent });
    const polling = await startPolling(bot, silent);
    try {
      tg.sendText(6001, "first");
      tg.sendText(6001, "second");
      await until(() => seen.length === 2, 15_000);
      expect(seen).toEqual(["first", "second"]);
    } finally {
      await polling.stop();
      await tg.close();
    }
  });
});
