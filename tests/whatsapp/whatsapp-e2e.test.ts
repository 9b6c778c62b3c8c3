/**
 * The contractor's day of the Telegram end-to-end test, on WhatsApp: the adapter driven through a
 * fake Baileys socket on a fake clock, answers delivered by the real OutboxSender through the
 * localized WhatsApp channel (health guard included). Buttons are numbered choices.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, createChatApp } from "../../bot/chat/app.js";
import { localizedChannel } from "../../bot/chat/outbound.js";
import { createWhatsappAdapter, type WhatsappAdapter } from "../../bot/whatsapp/adapter.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { contractorWithCode, MIN, marketplaceBasics, newLead } from "../bot/helpers.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { type FakeSocket, FakeSocketFactory, FakeTimers, type SentMessage } from "./fake-baileys.js";

const BOB = "4520000001@s.whatsapp.net";
let w: TestWorld;
let chat: ChatApp;
let wa: WhatsappAdapter;
let sock: FakeSocket;
let sender: OutboxSender;

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h" });
  await marketplaceBasics(w);
  chat = createChatApp(w.deps);
  const fake = new FakeSocketFactory();
  wa = createWhatsappAdapter(w.deps, { chat, socketFactory: fake.factory, timers: new FakeTimers(w.clock) });
  await wa.connection.start();
  sock = fake.last;
  sock.open();
  await wa.connection.settled();
  const channel = localizedChannel(w.deps, wa.channel);
  sender = new OutboxSender(w.deps, { channels: { whatsapp: channel }, sleep: async (ms) => w.clock.advance(ms) });
});
afterAll(async () => {
  await wa?.connection.stop();
  await w?.close();
});

/** Send every due WhatsApp row, moving the clock past the guard's pacing; fail loudly on a failure. */
async function deliver(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await sender.tick()) > 0) continue;
    const failed = await w.prisma.outboundMessage.findFirst({ where: { channel: "whatsapp", status: "failed" } });
    if (failed) throw new Error(`outbox row ${failed.kind} failed: ${failed.last_error}`);
    const left = await w.prisma.outboundMessage.findFirst({
      where: { channel: "whatsapp", status: { in: ["queued", "sending"] } },
      orderBy: { next_attempt_at: "asc" },
    });
    if (!left) return;
    w.clock.advance(Math.max(1, left.next_attempt_at.getTime() - w.clock.now().getTime()));
  }
  throw new Error("outbox did not drain");
}

/** What was sent to `jid` while `step` ran and the outbox drained (edits excluded). */
async function receive(step: () => Promise<void> | void, jid = BOB): Promise<SentMessage[]> {
  const before = sock.sent.length;
  await step();
  await wa.inbound.idle();
  await deliver();
  return sock.sent.slice(before).filter((s) => s.jid === jid && !s.content.edit);
}

const says = (text: string, quoted?: string) =>
  receive(() => {
    sock.receive(BOB, text, { pushName: "Bob", ...(quoted ? { quoted } : {}) });
  });
const texts = (ms: SentMessage[]) => ms.map((m) => m.content.text ?? "").join("\n---\n");

describe("a contractor's day on WhatsApp", () => {
  let leadId = "";
  let windowMessage: SentMessage | undefined;

  it("links the chat with /start CODE", async () => {
    const { code } = await contractorWithCode(w, "Bob's HVAC");
    expect(texts(await says("/start WRONG234"))).toMatch(/don't recognise the code WRONG234/);
    expect(texts(await says(`/start ${code}`))).toMatch(/^Welcome, Bob's HVAC!/);
  });

  it("gets a lead offer with numbered choices and bids by number", async () => {
    const [offer] = await receive(async () => {
      leadId = (await newLead(w, "Replace AC unit")).id;
    });
    expect(offer?.content.text).toMatch(/New lead: Replace AC unit/);
    expect(offer?.content.text).toMatch(
      /\n\n1\. ×0\.8\n2\. ×1\.0\n3\. ×1\.2\n4\. ×1\.5\n5\. Custom…\nReply with the number/,
    );
    expect(texts(await says("3"))).toMatch(/Bid placed on “Replace AC unit”: ×1.20 = \$45.60/);
    // Quoting the offer maps the number to the offer's choices too.
    expect(texts(await says("3", offer?.id))).toMatch(/already bid ×1.20/);
    const row = await w.prisma.inboundMessage.findFirst({
      where: { channel: "whatsapp" },
      orderBy: { received_at: "desc" },
    });
    expect((row?.payload as { choice?: string } | undefined)?.choice).toBe(`bid:${leadId}:1.2`);
  });

  it("takes a custom multiplier: after the question, a number is text again", async () => {
    const offerMsg = sock.sent.find((s) => /New lead: Replace AC unit/.test(s.content.text ?? ""));
    expect(texts(await says("5", offerMsg?.id))).toMatch(/number from 0.5 to 2.0/);
    expect(texts(await says("abc"))).toMatch(/“abc” is not a multiplier I can use/);
    expect(texts(await says("9.9"))).toMatch(/9.9 is outside the range\. Send a number from 0.5 to 2.0/);
    expect(texts(await says("1.5"))).toMatch(/Bid placed on “Replace AC unit”: ×1.50 = \$57.00/);
  });

  it("opens the window when bidding closes and edits its countdown while WhatsApp allows", async () => {
    const opened = await receive(async () => {
      await w.advance(15 * MIN);
    });
    windowMessage = opened.find((m) => /You won/.test(m.content.text ?? ""));
    expect(windowMessage?.content.text).toMatch(/Customer: Anna Jensen, \+1602555/);
    expect(windowMessage?.content.text).toMatch(/About 2 h left/);
    const before = sock.sent.length;
    await receive(async () => {
      w.clock.advance(11 * MIN);
      expect(await chat.refreshCountdowns()).toBe(1);
    });
    const edit = sock.sent.slice(before).find((s) => s.content.edit);
    expect(edit?.content.edit?.id).toBe(windowMessage?.id);
    expect(edit?.content.text).toMatch(/About 1 h 50 min left/);
  });

  it("answers the customer by plain text: the contact is recorded", async () => {
    const got = texts(await says("Hi Anna, I can come by at 3pm today."));
    expect(got).toMatch(/Sent to the customer/);
    expect(got).toMatch(/Contact recorded for “Replace AC unit”\. \$57.00 was charged/);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } })).status).toBe("CONTACTED");
  });

  it("relays the customer's WhatsApp reply, and the contractor answers by quoting it", async () => {
    const lead = await w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    const customerJid = `${(lead.customer_phone ?? "").replace(/\D/g, "")}@s.whatsapp.net`;
    const [relayed] = await receive(() => {
      sock.receive(customerJid, "Great, see you at 3!", { pushName: "Anna" });
    });
    expect(relayed?.content.text).toMatch(
      /^💬 Anna Jensen: Great, see you at 3!\n\(Reply to this message to answer\.\)\n\n1\. .+ Reply\n2\. .+ Suggest reply\n3\. .+ Card\n/u,
    );
    const answer = await says("Perfect, see you then.", relayed?.id);
    expect(texts(answer)).toMatch(/Sent to the customer/);
    const outbound = await w.prisma.message.findMany({ where: { lead_id: leadId, direction: "outbound" } });
    expect(outbound.map((m) => m.message_text)).toContain("Perfect, see you then.");
  });

  it("marks the job won by quoting the window message with /won 9000, and /stats shows it", async () => {
    expect(texts(await says("/won -5"))).toMatch(/“-5” is not an amount I can use/);
    const won = await says("/won 9000", windowMessage?.id);
    expect(texts(won)).toBe("🎉 Congratulations! Anna Jensen — Replace AC unit: $9,000.00 booked. Keep it going!");
    const stats = await says("/stats");
    expect(texts(stats)).toMatch(/Jobs booked: 1\nRevenue: \$9,000\.00/);
    expect(texts(stats)).toMatch(/\n1\. ☀️ My day\n/);
  });

  it("sent every answer paced and kept each for retry requests", async () => {
    const toBob = sock.sent.filter((s) => s.jid === BOB && !s.content.edit);
    expect(await w.prisma.whatsappMessage.count({ where: { remote_jid: BOB } })).toBe(toBob.length);
    expect(await w.prisma.inboundMessage.count({ where: { channel: "whatsapp", processed_at: null } })).toBe(0);
  });
});
