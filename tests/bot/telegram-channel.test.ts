import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Api, Bot, GrammyError } from "grammy";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inlineKeyboard, splitText, telegramChannel } from "../../bot/telegram/channel.js";
import { DEFAULT_LIMITS, SendRateLimiter } from "../../core/messaging/rate-limit.js";
import type { OutboundEnvelope } from "../../core/ports.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { FakeTelegram } from "../support/fake-telegram.js";

const envelope = (to: string, body: string, payload?: unknown): OutboundEnvelope => ({
  id: "00000000-0000-4000-8000-000000000001",
  channel: "telegram",
  to,
  body,
  payload,
});

const offerButtons = [
  { label: "×0.8", data: "bid:L:0.8" },
  { label: "×1.0", data: "bid:L:1" },
  { label: "×1.2", data: "bid:L:1.2" },
  { label: "×1.5", data: "bid:L:1.5" },
  { label: "Custom", data: "bid:L:custom" },
];

let tg: FakeTelegram;
let api: Api;

beforeAll(async () => {
  tg = await FakeTelegram.start();
  api = new Api(tg.token, { apiRoot: tg.apiRoot });
});
afterAll(async () => tg?.close());
afterEach(() => tg.resetLimits());

describe("telegramChannel", () => {
  it("sends the body to the chat with the buttons as an inline keyboard, two per row", async () => {
    tg.registerChat(1001);
    const r = await telegramChannel(api).send(envelope("1001", "New lead: AC repair", { buttons: offerButtons }));
    expect(r).toEqual({ ok: true, providerMessageId: "1" });
    const [msg] = tg.messagesTo(1001);
    expect(msg?.text).toBe("New lead: AC repair");
    expect(msg?.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text))).toEqual([
      ["×0.8", "×1.0"],
      ["×1.2", "×1.5"],
      ["Custom"],
    ]);
    expect(msg?.reply_markup?.inline_keyboard[2]?.[0]).toEqual({ text: "Custom", callback_data: "bid:L:custom" });
  });

  it("sends no keyboard without usable buttons", async () => {
    tg.registerChat(1002);
    expect((await telegramChannel(api).send(envelope("1002", "plain", { kind: "relay" }))).ok).toBe(true);
    expect(tg.messagesTo(1002)[0]?.reply_markup).toBeUndefined();
    expect(inlineKeyboard({ buttons: [{ label: "x", data: "y".repeat(65) }, { label: 3 }] })).toBeUndefined();
    expect(inlineKeyboard(null)).toBeUndefined();
  });

  it("splits a text over 4096 characters and puts the buttons under the last part", async () => {
    tg.registerChat(1003);
    const body = `${"word ".repeat(700).trim()}\n${"tail ".repeat(200).trim()}`;
    const r = await telegramChannel(api).send(envelope("1003", body, { buttons: offerButtons.slice(0, 1) }));
    expect(r).toEqual({ ok: true, providerMessageId: "2" });
    const [first, second] = tg.messagesTo(1003);
    expect(first?.text?.length).toBeLessThanOrEqual(4096);
    expect(first?.reply_markup).toBeUndefined();
    expect(second?.reply_markup?.inline_keyboard).toHaveLength(1);
    expect(`${first?.text}\n${second?.text}`).toBe(body);
    expect(splitText("😀".repeat(3000)).every((p) => !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
  });

  it("maps 429 to retryable with retry_after in ms", async () => {
    tg.registerChat(1004);
    const ch = telegramChannel(api);
    expect((await ch.send(envelope("1004", "one"))).ok).toBe(true);
    expect((await ch.send(envelope("1004", "two"))).ok).toBe(true); // the burst of one
    const third = await ch.send(envelope("1004", "three"));
    expect(third).toEqual({
      ok: false,
      retryable: true,
      retryAfterMs: 1000,
      error: "telegram 429: Too Many Requests: retry after 1",
    });
    expect(tg.rejected429.at(-1)).toMatchObject({ chatId: "1004", limit: "chat", retryAfter: 1 });
  });

  it("maps chat not found and a blocked bot to not retryable", async () => {
    const ch = telegramChannel(api);
    expect(await ch.send(envelope("999999", "hi"))).toEqual({
      ok: false,
      retryable: false,
      error: "telegram 400: Bad Request: chat not found",
    });
    tg.registerChat(1005);
    tg.blockChat(1005);
    expect(await ch.send(envelope("1005", "hi"))).toMatchObject({ ok: false, retryable: false, error: /blocked/ });
  });

  it("retries a wrong token (401) and network errors", async () => {
    tg.registerChat(1006);
    const wrong = telegramChannel(new Api("1:wrong", { apiRoot: tg.apiRoot }));
    expect(await wrong.send(envelope("1006", "hi"))).toMatchObject({ ok: false, retryable: true, error: /401/ });
    const dead = await FakeTelegram.start();
    const root = dead.apiRoot;
    await dead.close();
    const down = telegramChannel(new Api(dead.token, { apiRoot: root }));
    expect(await down.send(envelope("1006", "hi"))).toMatchObject({ ok: false, retryable: true, error: /unreachable/ });
  });

  it("retries 5xx answers, JSON or not", async () => {
    let json = true;
    const server = createServer((_req, res) => {
      if (json) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: false, error_code: 502, description: "Bad Gateway" }));
      } else {
        res.writeHead(502, { "content-type": "text/html" });
        res.end("<html>bad gateway</html>");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ch = telegramChannel(new Api("1:x", { apiRoot: root }));
      expect(await ch.send(envelope("1", "hi"))).toMatchObject({ ok: false, retryable: true, error: /502/ });
      json = false;
      expect(await ch.send(envelope("1", "hi"))).toMatchObject({ ok: false, retryable: true });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the fake Telegram", () => {
  it("enforces 30 messages per second overall", async () => {
    const ids = Array.from({ length: 31 }, (_, i) => 2000 + i);
    for (const id of ids) tg.registerChat(id);
    const results = await Promise.allSettled(ids.map((id) => api.sendMessage(id, "flood")));
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(1);
    const e = (refused[0] as PromiseRejectedResult).reason as GrammyError;
    expect(e).toBeInstanceOf(GrammyError);
    expect(e.error_code).toBe(429);
    expect(e.parameters.retry_after).toBe(1);
    expect(tg.rejected429.at(-1)?.limit).toBe("global");
  });

  it("refuses texts over 4096 characters and empty ones", async () => {
    tg.registerChat(3001);
    await expect(api.sendMessage(3001, "x".repeat(4097))).rejects.toThrow(/message is too long/);
    await expect(api.sendMessage(3001, " ")).rejects.toThrow(/message text is empty/);
    expect((await api.sendMessage(3001, "x".repeat(4096))).text).toHaveLength(4096);
  });

  it("accepts form and multipart bodies", async () => {
    tg.registerChat(3002);
    const url = `${tg.apiRoot}/bot${tg.token}/sendMessage`;
    const form = await fetch(url, { method: "POST", body: new URLSearchParams({ chat_id: "3002", text: "form" }) });
    expect(((await form.json()) as { result: { text: string } }).result.text).toBe("form");
    const data = new FormData();
    data.set("chat_id", "3002");
    data.set("text", "multi\r\npart");
    data.set("reply_markup", JSON.stringify({ inline_keyboard: [[{ text: "A", callback_data: "a" }]] }));
    const multi = (await (await fetch(url, { method: "POST", body: data })).json()) as {
      result: { text: string; reply_markup: unknown };
    };
    expect(multi.result.text).toBe("multi\r\npart");
    expect(multi.result.reply_markup).toEqual({ inline_keyboard: [[{ text: "A", callback_data: "a" }]] });
  });

  it("drives a grammY bot by long polling: text, command, button, edit, callback answer", async () => {
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    bot.command("start", (ctx) =>
      ctx.reply("Welcome", { reply_markup: { inline_keyboard: [[{ text: "Go", callback_data: "go" }]] } }),
    );
    bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    bot.callbackQuery("go", async (ctx) => {
      await ctx.answerCallbackQuery({ text: "going" });
      await ctx.editMessageText("Gone");
    });
    const started = new Promise<void>((resolve) => void bot.start({ timeout: 1, onStart: () => resolve() }));
    await started;
    try {
      tg.sendText(4001, "/start");
      await until(() => tg.messagesTo(4001).length === 1);
      const welcome = tg.messagesTo(4001)[0];
      expect(welcome?.text).toBe("Welcome");
      tg.sendText(4001, "hello");
      await until(() => tg.messagesTo(4001).some((m) => m.text === "echo: hello"));
      tg.pressButton(4001, welcome?.message_id ?? 0, "go");
      await until(() => tg.messagesTo(4001)[0]?.text === "Gone");
      expect(tg.answeredCallbacks.at(-1)?.text).toBe("going");
      expect(tg.calls.some((c) => c.method === "deleteWebhook")).toBe(true);
    } finally {
      await bot.stop();
    }
  });

  it("answers 409 to getUpdates while a webhook is set", async () => {
    await api.setWebhook("https://127.0.0.1:8443/hook");
    await expect(api.getUpdates()).rejects.toThrow(/409|webhook is active/);
    await api.deleteWebhook();
    expect(await api.getUpdates({ timeout: 0 })).toBeInstanceOf(Array);
  });
});

describe("OutboxSender → telegramChannel → fake Telegram, on one fake clock", () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await createWorld();
  });
  afterAll(async () => w?.close());

  /** A fake Telegram and a sender sharing the world's fake clock; sleeping moves the clock. */
  async function rig(opts: { globalPerSecond?: number } = {}) {
    const fake = await FakeTelegram.start({ ...opts, now: () => w.clock.now().getTime() });
    const sender = new OutboxSender(w.deps, {
      channels: { telegram: telegramChannel(new Api(fake.token, { apiRoot: fake.apiRoot })) },
      sleep: async (ms) => w.clock.advance(ms),
    });
    return { fake, sender };
  }

  async function queue(chats: string[], fake: FakeTelegram) {
    for (const chat of new Set(chats)) fake.registerChat(chat);
    await w.prisma.outboundMessage.createMany({
      data: chats.map((to, i) => ({
        channel: "telegram" as const,
        to_address: to,
        kind: "blast",
        lane: "bulk" as const,
        body: `message ${i}`,
        next_attempt_at: w.clock.now(),
      })),
    });
  }

  /** Tick until nothing is queued; idle ticks move the clock to the next due row. */
  async function drain(sender: OutboxSender) {
    for (let i = 0; i < 500; i++) {
      if ((await sender.tick()) > 0) continue;
      const next = await w.prisma.outboundMessage.findFirst({
        where: { status: { in: ["queued", "sending"] } },
        orderBy: { next_attempt_at: "asc" },
      });
      if (!next) return;
      w.clock.advance(Math.max(1, next.next_attempt_at.getTime() - w.clock.now().getTime()));
    }
    throw new Error("outbox did not drain");
  }

  const maxInOneSecond = (times: number[]) => {
    let max = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1_000) j++;
      max = Math.max(max, i - j + 1);
    }
    return max;
  };

  it("paces 100 messages (3 to one chat) under Telegram's limits without a single 429", async () => {
    const { fake, sender } = await rig();
    try {
      const chats = [...Array.from({ length: 97 }, (_, i) => String(500_000 + i)), "499999", "499999", "499999"];
      const start = w.clock.now().getTime();
      await queue(chats, fake);
      await drain(sender);
      expect(fake.sent).toHaveLength(100);
      expect(fake.rejected429).toEqual([]);
      expect(maxInOneSecond(fake.sent.map((s) => s.at))).toBeLessThanOrEqual(30);
      const toOne = fake.sent.filter((s) => s.chatId === "499999").map((s) => s.at);
      expect(toOne[1]! - toOne[0]!).toBeGreaterThanOrEqual(1_000);
      // 100 sends at 30 per 1.03 s: the 91st can go at 3.09 s; if the one chat's three messages
      // come last, they add two 1.03 s gaps: 5.15 s of (fake) time at most.
      expect(fake.sent.at(-1)!.at - start).toBeLessThanOrEqual(5_150);
      expect(fake.sent[89]!.at - start).toBeLessThanOrEqual(3_090);
      expect(await w.prisma.outboundMessage.count({ where: { status: "sent" } })).toBeGreaterThanOrEqual(100);
    } finally {
      await fake.close();
      await w.prisma.outboundMessage.deleteMany();
    }
  });

  it("backs off on 429 (a provider stricter than the limiter) and still delivers everything", async () => {
    const { fake, sender } = await rig({ globalPerSecond: 10 });
    try {
      await queue(
        Array.from({ length: 40 }, (_, i) => String(600_000 + i)),
        fake,
      );
      await drain(sender);
      expect(fake.sent).toHaveLength(40);
      expect(fake.rejected429.length).toBeGreaterThan(0);
      // Each 429 held the channel for retry_after, so refusals stay rare, and none used an attempt.
      expect(fake.rejected429.length).toBeLessThan(10);
      const rows = await w.prisma.outboundMessage.findMany();
      expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
    } finally {
      await fake.close();
      await w.prisma.outboundMessage.deleteMany();
    }
  });

  it("the limiter keeps a safety margin and honours pause()", () => {
    const limiter = new SendRateLimiter(DEFAULT_LIMITS, 30);
    for (let i = 0; i < 30; i++) limiter.book("telegram", `c${i}`, 1_000 + i);
    expect(limiter.waitFor("telegram", "other", 1_100)).toBe(1_000 + 1_030 - 1_100);
    expect(limiter.waitFor("telegram", "c0", 2_030)).toBe(0);
    expect(limiter.chatWaitFor("telegram", "c0", 1_500)).toBe(1_000 + 1_030 - 1_500);
    limiter.pause("telegram", 5_000);
    expect(limiter.waitFor("telegram", "other", 4_000)).toBe(1_000);
    expect(limiter.waitFor("sandbox", "x", 4_000)).toBe(0);
  });
});

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
