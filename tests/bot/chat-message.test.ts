/**
 * Answering a customer who came without a marketplace lead (a marketer's prospect), through the
 * sandbox API: a reply to their relayed message, the "Reply" button, `/msg NAME text` — always
 * through the outbox on the customer's channel, only to the person's OWN customers, never to
 * one who opted out, and outside the customer's quiet hours unless they are mid-conversation.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { sendToCustomer } from "../../core/messaging/conversation.service.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeMarketer } from "../support/factories.js";
import { MIN, sandboxApp, sandboxClient, textsOf } from "./helpers.js";

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let mia: User;
let otto: User;
let sofie: Customer;
let olga: Customer;
const M = "sbx-mia";
const SOFIE = "sbx-sofie";
const say = (text: string, extra: Record<string, unknown> = {}) =>
  chat.say(M, `marketer:${mia.id}`, { text, ...extra });
const press = (choice: string) => chat.say(M, `marketer:${mia.id}`, { choice });
const sofieSays = (text: string) => chat.say(SOFIE, `customer:${sofie.id}`, { text });

beforeAll(async () => {
  w = await createWorld();
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  // 2026-01-05 09:00 UTC: 10:00 in Copenhagen, 02:00 in Phoenix.
  mia = await makeMarketer(w.prisma, { name: "Mia Marketer", timezone: "Europe/Copenhagen" });
  sofie = await makeCustomer(w.prisma, { owner_id: mia.id, name: "Sofie Dahl", timezone: "Europe/Copenhagen" });
  otto = await makeMarketer(w.prisma, { name: "Otto Other" });
  olga = await makeCustomer(w.prisma, { owner_id: otto.id, name: "Olga Secret" });
  await say("/help"); // links Mia's sandbox chat, so notices reach it
  await chat.fresh(M);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("answering a customer who came without a lead", () => {
  it("relays the customer's message with Reply, Suggest reply and Card buttons", async () => {
    expect(await sofieSays("Hi Mia, is the offer still open?")).toEqual([]);
    const [relayed] = await chat.fresh(M);
    expect(relayed?.kind).toBe("customer_reply");
    expect(relayed?.text).toBe("💬 Sofie Dahl: Hi Mia, is the offer still open?\n(Reply to this message to answer.)");
    expect(relayed?.buttons).toEqual([
      { label: "↩️ Reply", data: `reply:${sofie.id}` },
      { label: "✨ Suggest reply", data: expect.stringMatching(/^ai:sg:[0-9a-f-]{36}$/) },
      { label: "🗂 Card", data: `act:card:${sofie.id}` },
    ]);
  });

  it("sends a reply-to answer straight to the customer, on the channel they wrote from", async () => {
    const notice = await w.prisma.outboundMessage.findFirstOrThrow({
      where: { user_id: mia.id, kind: "customer_reply" },
    });
    expect(textsOf(await say("Yes, until Friday!", { reply_to: notice.id }))).toBe("✓ Sent to Sofie Dahl.");
    expect(textsOf(await chat.fresh(SOFIE))).toBe("Yes, until Friday!");
    const stored = await w.prisma.message.findFirstOrThrow({ where: { customer_id: sofie.id, direction: "outbound" } });
    expect(stored).toMatchObject({ sender_id: mia.id, channel: "sandbox", message_text: "Yes, until Friday!" });
  });

  it("asks for the words under Reply, then sends them", async () => {
    expect(textsOf(await press(`reply:${sofie.id}`))).toBe("✍️ Type your message to Sofie Dahl. (/cancel to stop)");
    expect(textsOf(await say("See you at 3 👋"))).toBe("✓ Sent to Sofie Dahl.");
    expect(textsOf(await chat.fresh(SOFIE))).toBe("See you at 3 👋");
  });

  it("sends /msg NAME text, asks for the words when there are none, and explains bad input", async () => {
    expect(textsOf(await say("/msg Sofie: the price list is on its way"))).toBe("✓ Sent to Sofie Dahl.");
    expect(textsOf(await chat.fresh(SOFIE))).toBe("the price list is on its way");
    expect(textsOf(await say("/msg sofie dahl"))).toBe("✍️ Type your message to Sofie Dahl. (/cancel to stop)");
    expect(textsOf(await say("Talk soon"))).toBe("✓ Sent to Sofie Dahl.");
    expect(textsOf(await say("/msg"))).toMatch(/^Who should I write to\? Send \/msg NAME your message/);
    expect(textsOf(await say(`/msg Sofie ${"x".repeat(5001)}`))).toMatch(
      /too long \(5001 characters; the limit is 5000\)/,
    );
    expect(await w.prisma.message.count({ where: { customer_id: sofie.id, direction: "outbound" } })).toBe(4);
  });

  it("never reaches another owner's customer, by name, button or forged reply", async () => {
    expect(textsOf(await say("/msg Olga hello"))).toBe(
      "I can't find a customer called “Olga hello” among yours. Send /msg NAME your message.",
    );
    expect(textsOf(await press(`reply:${olga.id}`))).toBe("I can't find that customer among yours any more.");
    const forged = await sendToCustomer(w.deps, { ownerId: mia.id, customerId: olga.id, text: "psst" });
    expect(forged).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await w.prisma.message.count({ where: { customer_id: olga.id } })).toBe(0);
    expect(await w.prisma.outboundMessage.count({ where: { customer_id: olga.id } })).toBe(0);
  });

  it("does not write to a customer who opted out", async () => {
    await sofieSays("STOP");
    await chat.fresh(SOFIE);
    await chat.fresh(M);
    expect(textsOf(await say("/msg Sofie are you sure?"))).toBe(
      "This customer has unsubscribed, so the message was not sent.",
    );
    expect(textsOf(await press(`reply:${sofie.id}`))).toBe(
      "This customer has unsubscribed, so the message was not sent.",
    );
    expect(await w.prisma.outboundMessage.count({ where: { customer_id: sofie.id, status: "queued" } })).toBe(0);
    await sofieSays("START");
  });

  it("waits out the customer's quiet hours unless they are mid-conversation", async () => {
    const night = await makeCustomer(w.prisma, { owner_id: mia.id, name: "Niels Nat", timezone: "America/Phoenix" });
    expect(textsOf(await say("/msg Niels new catalogue is out"))).toBe(
      "✓ Queued for Niels Nat — it goes out 04:00 PM, after their quiet hours.",
    );
    const row = await w.prisma.outboundMessage.findFirstOrThrow({ where: { customer_id: night.id, kind: "relay" } });
    expect(row.next_attempt_at.toISOString()).toBe("2026-01-05T15:00:00.000Z"); // 08:00 in Phoenix
    expect(row.channel).toBe("sms"); // never wrote in: their phone, the first fallback
    await chat.say("sbx-niels", `customer:${night.id}`, { text: "Thanks! Can I call you?" });
    await w.advance(10 * MIN);
    expect(textsOf(await chat.fresh(M))).toMatch(/^💬 Niels Nat: Thanks! Can I call you\?/);
    expect(textsOf(await say("/msg Niels sure, any time"))).toBe("✓ Sent to Niels Nat.");
    const now = await w.prisma.outboundMessage.findFirstOrThrow({
      where: { customer_id: night.id, kind: "relay", body: "sure, any time" },
    });
    expect(now).toMatchObject({ channel: "sandbox", to_address: "sbx-niels" });
  });
});
