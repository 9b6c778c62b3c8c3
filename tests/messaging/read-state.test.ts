/**
 * The customer's read state (issue 15): a WhatsApp read receipt and an e-mail's open pixel set
 * `read_at` on the outbound row, once; the appeal evidence shows when the customer read the
 * messages about the lead of a strike. (Telegram bots get no read receipts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipts } from "../../bot/whatsapp/adapter.js";
import { appealForPanel } from "../../core/marketplace/appeal-admin.query.js";
import { recordRead } from "../../core/messaging/read-receipt.service.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeLead } from "../support/factories.js";

const NOW = new Date("2026-03-10T15:00:00Z");
let w: TestWorld;

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
});
afterAll(async () => {
  await w?.close();
});

async function outbound(over: Record<string, unknown>) {
  return w.prisma.outboundMessage.create({
    data: {
      channel: "whatsapp",
      to_address: "4512345678",
      kind: "relay",
      body: "Hello",
      status: "sent",
      next_attempt_at: NOW,
      sent_at: NOW,
      ...over,
    },
  });
}

describe("read state", () => {
  it("a WhatsApp read receipt for our message sets read_at once; other statuses and their messages do not", async () => {
    const m = await outbound({ provider_message_id: "WA-1" });
    const other = await outbound({ provider_message_id: "WA-2" });
    await readReceipts(w.deps, [
      { key: { id: "WA-1", fromMe: true }, update: { status: 4 } },
      { key: { id: "WA-2", fromMe: true }, update: { status: 3 } },
      { key: { id: "WA-2", fromMe: false }, update: { status: 4 } },
    ]);
    const read = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: m.id } });
    expect(read.read_at).toEqual(NOW);
    expect(read.status).toBe("delivered");
    expect((await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: other.id } })).read_at).toBeNull();
    w.clock.set(new Date(NOW.getTime() + 60_000));
    expect((await recordRead(w.deps, { channel: "whatsapp", providerMessageId: "WA-1" })).ok).toBe(true);
    expect((await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: m.id } })).read_at).toEqual(NOW);
    w.clock.set(NOW);
  });

  it("shows when the customer read the lead's messages in the appeal evidence", async () => {
    const c = await makeContractor(w.prisma, { is_bidding_banned: true, strike_count: 3 });
    const customer = await makeCustomer(w.prisma, { owner_id: c.id });
    const lead = await makeLead(w.prisma, { customer_id: customer.id });
    const readAt = new Date(NOW.getTime() - 3_600_000);
    await outbound({ lead_id: lead.id, customer_id: customer.id, provider_message_id: "WA-9", read_at: readAt });
    const appeal = await w.prisma.banAppeal.create({
      data: {
        contractor_id: c.id,
        appeal_reason: "My phone was broken that day.",
        evidence: { strikes: [{ lead_id: lead.id, lead_title: "Water heater", strike_count_after: 3 }] },
      },
    });
    const shown = await appealForPanel(w.deps, appeal.id);
    expect(shown?.strikes[0]?.customerReadAt).toBe(readAt.toISOString());
  });
});
