/**
 * The whole contractor day through the REAL grammY bot, long polling a local fake Telegram Bot
 * API over HTTP, on a fake clock: link, offer, bid by button, close, window, answer, the
 * customer's reply back — delivered by the real OutboxSender through telegramChannel.
 */
import type { Message, Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, type TestWorld } from "../support/deps.js";
import { contractorWithCode, MIN, marketplaceBasics, newLead } from "./helpers.js";
import { startTelegramChat, type TelegramChat } from "./telegram-harness.js";

const CHAT = 7001;
let w: TestWorld;
let t: TelegramChat;

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h" });
  await marketplaceBasics(w);
  t = await startTelegramChat(w, CHAT, { first_name: "Bob" });
});
afterAll(async () => {
  await t?.stop();
  await w?.close();
});

const says = (text: string) => t.says(text);
const presses = (message: Message | undefined, data: string) => t.presses(message, data);
const receive = (step: () => Promise<void>) => t.receive(step);
const processed = (externalId: string) => t.processed(externalId);

const texts = (ms: Message[]) => ms.map((m) => m.text ?? "").join("\n---\n");

describe("a contractor's day on Telegram", () => {
  let offer: Message | undefined;
  let leadId = "";
  let windowMessage: Message | undefined;

  it("links the chat with /start CODE", async () => {
    const { code } = await contractorWithCode(w, "Bob's HVAC");
    expect(texts(await says("/start WRONG234"))).toMatch(/don't recognise the code WRONG234/);
    expect(texts(await says(`/start ${code}`))).toMatch(/^Welcome, Bob's HVAC!/);
  });

  it("gets a lead offer with an inline keyboard and bids by button", async () => {
    const [o] = await receive(async () => {
      leadId = (await newLead(w, "Replace AC unit")).id;
    });
    offer = o;
    expect(offer?.text).toMatch(/New lead: Replace AC unit/);
    expect(offer?.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text))).toEqual([
      ["×0.8", "×1.0"],
      ["×1.2", "×1.5"],
      ["Custom…"],
    ]);
    expect(texts(await presses(offer, `bid:${leadId}:1.2`))).toMatch(
      /Bid placed on “Replace AC unit”: ×1.20 = \$45.60/,
    );
    expect(texts(await presses(offer, `bid:${leadId}:1.2`))).toMatch(/already bid ×1.20/);
  });

  it("takes a custom multiplier, explaining the range on bad input", async () => {
    expect(texts(await presses(offer, `bid:${leadId}:custom`))).toMatch(/number from 0.5 to 2.0/);
    expect(texts(await says("abc"))).toMatch(/“abc” is not a multiplier I can use/);
    expect(texts(await says("9.9"))).toMatch(/9.9 is outside the range\. Send a number from 0.5 to 2.0/);
    expect(texts(await says("1.5"))).toMatch(/Bid placed on “Replace AC unit”: ×1.50 = \$57.00/);
  });

  it("opens the window when bidding closes and keeps its countdown current by editing it", async () => {
    const opened = await receive(async () => {
      await w.advance(15 * MIN);
    });
    windowMessage = opened.find((m) => /You won/.test(m.text ?? ""));
    expect(windowMessage?.text).toMatch(/Customer: Anna Jensen, \+1602555/);
    expect(windowMessage?.text).toMatch(/About 2 h left/);
    const edits = await receive(async () => {
      w.clock.advance(11 * MIN);
      expect(await t.chat.refreshCountdowns()).toBe(1);
    });
    expect(edits).toEqual([]);
    const now = t.tg.messagesTo(CHAT).find((m) => m.message_id === windowMessage?.message_id);
    expect(now?.text).toMatch(/About 1 h 50 min left/);
    expect(now?.edit_date).toBeDefined();
  });

  it("answers the customer by plain text: the contact is recorded", async () => {
    const got = texts(await says("Hi Anna, I can come by at 3pm today."));
    expect(got).toMatch(/Sent to the customer/);
    expect(got).toMatch(/Contact recorded for “Replace AC unit”\. \$57.00 was charged/);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } })).status).toBe("CONTACTED");
  });

  it("relays the customer's SMS reply, and the contractor answers by replying to it", async () => {
    const lead = await w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    const [relayed] = await receive(async () => {
      const r = await t.chat.handle({
        channel: "sms",
        externalId: "SM-0001",
        address: lead.customer_phone ?? "",
        text: "Great, see you at 3!",
      });
      expect(r.status).toBe("handled");
    });
    expect(relayed?.text).toBe("💬 Anna Jensen: Great, see you at 3!\n(Reply to this message to answer.)");
    const answer = await receive(async () => {
      const u = t.tg.pushUpdate({
        message: {
          message_id: 9_001,
          date: Math.floor(w.clock.now().getTime() / 1000),
          chat: { id: CHAT, type: "private", first_name: "Bob" },
          from: { id: CHAT, is_bot: false, first_name: "Bob" },
          text: "Perfect, see you then.",
          reply_to_message: relayed,
        },
      } as unknown as Omit<Update, "update_id">);
      await processed(`msg:${CHAT}:${u.message?.message_id}`);
    });
    expect(texts(answer)).toMatch(/Sent to the customer/);
    const outbound = await w.prisma.message.findMany({ where: { lead_id: leadId, direction: "outbound" } });
    expect(outbound.map((m) => m.message_text)).toContain("Perfect, see you then.");
  });

  it("marks the job won by replying /won to the window message, and /stats shows it", async () => {
    expect(texts(await says("/won -5"))).toMatch(/“-5” is not an amount I can use/);
    expect(texts(await says("/won 1e12"))).toMatch(/“1e12” is not an amount I can use/);
    const won = await receive(async () => {
      const u = t.tg.pushUpdate({
        message: {
          message_id: 9_002,
          date: Math.floor(w.clock.now().getTime() / 1000),
          chat: { id: CHAT, type: "private", first_name: "Bob" },
          from: { id: CHAT, is_bot: false, first_name: "Bob" },
          text: "/won 9000",
          entities: [{ type: "bot_command", offset: 0, length: 4 }],
          reply_to_message: windowMessage,
        },
      } as unknown as Omit<Update, "update_id">);
      await processed(`msg:${CHAT}:${u.message?.message_id}`);
    });
    expect(texts(won)).toBe("🎉 Congratulations! Anna Jensen — Replace AC unit: $9,000.00 booked. Keep it going!");
    const stats = await says("/stats");
    expect(texts(stats)).toMatch(/Jobs booked: 1\nRevenue: \$9,000\.00/);
    expect(stats[0]?.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["☀️ My day"]);
  });

  it("answers garbage with short helpful replies", async () => {
    expect(texts(await says("/frobnicate"))).toBe("I don't know /frobnicate. Send /help to see what I can do.");
    expect(texts(await says("y".repeat(10_240)))).toMatch(/too long for me \(10240 characters\)/);
    expect(texts(await says("🔥🔥"))).toMatch(/^🔥🔥 noted!/);
  });

  it("says bidding has closed for a button from an expired offer", async () => {
    let expiredLead = "";
    const [old] = await receive(async () => {
      expiredLead = (await newLead(w, "Duct cleaning", "Dora Lund")).id;
    });
    await receive(async () => {
      await w.advance(16 * MIN);
    });
    expect(texts(await presses(old, `bid:${expiredLead}:1`))).toBe("Bidding on this lead has closed.");
  });

  it("stops gracefully", async () => {
    await t.stopPolling();
    expect(t.bot.isRunning()).toBe(false);
    expect(await w.prisma.inboundMessage.count({ where: { processed_at: null } })).toBe(0);
  });
});
