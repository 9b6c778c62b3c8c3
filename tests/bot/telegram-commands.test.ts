import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatRuntime, startChatRole } from "../../bot/runtime.js";
import { commandMenu } from "../../bot/telegram/bot.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { FakeTelegram } from "../support/fake-telegram.js";

let w: TestWorld;
let tg: FakeTelegram;

beforeAll(async () => {
  tg = await FakeTelegram.start();
  w = await createWorld({ TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot });
});
afterAll(async () => {
  await tg?.close();
  await w?.close();
});

describe("the Telegram command menu", () => {
  it("is read from the help text, one entry per command, within Telegram's limits", () => {
    const en = commandMenu("en");
    expect(en.map((c) => c.command)).toEqual(
      expect.arrayContaining(["leads", "today", "profile", "zips", "card", "msg", "won", "lost", "stats", "help"]),
    );
    expect(new Set(en.map((c) => c.command)).size).toBe(en.length);
    expect(en.find((c) => c.command === "leads")?.description).toBe("open offers, your bids and open windows");
    expect(commandMenu("da").map((c) => c.command)).toEqual(en.map((c) => c.command));
    expect(commandMenu("da")[0]?.description).not.toBe(en[0]?.description);
  });

  it("is published in English and Danish when the bot role starts, and the status reaches the panel", async () => {
    const rt = createChatRuntime(w.deps);
    const stop = await startChatRole(rt, w.deps);
    try {
      const calls = tg.calls.filter((c) => c.method === "setMyCommands");
      expect(calls.map((c) => [c.status, (c.params as { language_code?: string }).language_code ?? "default"])).toEqual(
        [
          [200, "default"],
          [200, "da"],
        ],
      );
      const status = await w.prisma.setting.findUniqueOrThrow({ where: { key: "telegram.status" } });
      expect(status.value).toMatchObject({ mode: "polling" });
    } finally {
      await stop();
    }
  });
});
