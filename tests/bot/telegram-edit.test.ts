import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editTarget, telegramChannel } from "../../bot/telegram/channel.js";
import { FakeTelegram } from "../support/fake-telegram.js";

let tg: FakeTelegram;
beforeAll(async () => {
  tg = await FakeTelegram.start();
});
afterAll(async () => tg?.close());

const envelope = (body: string, payload?: unknown) => ({
  id: "00000000-0000-4000-8000-000000000009",
  channel: "telegram" as const,
  to: "5001",
  body,
  payload,
});

describe("telegramChannel edits", () => {
  it("edits the referenced message in place; an unchanged text counts as done", async () => {
    tg.registerChat(5001);
    const ch = telegramChannel(new Api(tg.token, { apiRoot: tg.apiRoot }));
    const sent = await ch.send(envelope("⏳ About 2 h left"));
    expect(sent.ok).toBe(true);
    const ref = sent.ok ? sent.providerMessageId : "";
    expect(await ch.send(envelope("⏳ About 1 h 55 min left", { edit: true, ref }))).toEqual({
      ok: true,
      providerMessageId: ref,
    });
    expect(tg.messagesTo(5001).map((m) => m.text)).toEqual(["⏳ About 1 h 55 min left"]);
    expect((await ch.send(envelope("⏳ About 1 h 55 min left", { edit: true, ref }))).ok).toBe(true);
    expect(await ch.send(envelope("gone", { edit: true, ref: "999" }))).toMatchObject({ ok: false, retryable: false });
  });

  it("reads only a positive message id as an edit target", () => {
    expect(editTarget({ edit: true, ref: "42" })).toBe(42);
    expect(editTarget({ edit: true, ref: "x" })).toBeNull();
    expect(editTarget({ ref: "42" })).toBeNull();
    expect(editTarget(null)).toBeNull();
  });
});
