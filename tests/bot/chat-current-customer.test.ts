/**
 * One "which customer" rule in chat (issue 12), through the sandbox API: right after a
 * contractor answered a lead's customer, `/won 9000` and `/card` mean that customer — even with
 * eight other things open — a name still picks the named one, and once the conversation is more
 * than a day old the chat asks, offering that customer first.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { CONVERSATION_IN_PROGRESS_MS } from "../../core/crm/current-customer.js";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer, Deal } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeDeal, makePipeline } from "../support/factories.js";
import { contractorWithCode, MIN, marketplaceBasics, newLead, sandboxApp, sandboxClient, textsOf } from "./helpers.js";

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let carlaId: string;
const others: Array<{ customer: Customer; deal: Deal }> = [];
const S = "sbx-current";
const say = (text: string) => chat.say(S, `contractor:${carlaId}`, { text });

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h" });
  await marketplaceBasics(w);
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  carlaId = (await contractorWithCode(w, "Carla Cool")).id;
  const pipeline = await makePipeline(w.prisma, { owner_id: carlaId });
  // Eight open deals with other customers: "You have 8 open".
  for (const name of [
    "Ole Berg",
    "Per Holm",
    "Ida Lund",
    "Bo Dahl",
    "Eva Krog",
    "Jens Bak",
    "Lis Møller",
    "Kim Vang",
  ]) {
    const customer = await makeCustomer(w.prisma, { owner_id: carlaId, name });
    others.push({ customer, deal: await makeDeal(w.prisma, { customer_id: customer.id, pipeline_id: pipeline.id }) });
  }
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

/** A lead from `customerName` that Carla wins the window of and answers from the chat. */
async function answerLead(title: string, customerName: string) {
  const lead = await newLead(w, title, customerName);
  const bid = await placeBid(w.deps, { leadId: lead.id, contractorId: carlaId, multiplier: 1.2 });
  expect(bid.ok, JSON.stringify(bid)).toBe(true);
  await w.advance(15 * MIN);
  expect(textsOf(await say(`Hi ${customerName.split(" ")[0]}, I can come by at 3pm.`))).toMatch(/Contact recorded/);
  return w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
}

describe("the customer of the conversation in progress", () => {
  it("/won 9000 right after answering a lead's customer marks that customer won without asking", async () => {
    const lead = await answerLead("Replace AC unit", "Lena Lead");
    expect(textsOf(await say("/won 9000"))).toBe(
      "🎉 Congratulations! Lena Lead — Replace AC unit: $9,000.00 booked. Keep it going!",
    );
    const paid = await w.prisma.conversion.findFirstOrThrow({ where: { lead_id: lead.id, conversion_type: "paid" } });
    expect(paid.revenue_usd?.toString()).toBe("9000");
    for (const o of others)
      expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: o.deal.id } })).status).toBe("open");
  });

  it("/card shows that customer's card; /card NAME the named one", async () => {
    const [card] = await say("/card");
    expect(card?.text).toMatch(/^🗂 Lena Lead/);
    const [named] = await say("/card Ida Lund");
    expect(named?.text).toMatch(/^🗂 Ida Lund/);
  });

  it("a customer's message relayed to the contractor moves the conversation to them; a name still wins", async () => {
    const per = others[1] as { customer: Customer; deal: Deal };
    w.clock.advance(10 * MIN);
    expect(await chat.say("sbx-per", `customer:${per.customer.id}`, { text: "Can you start Monday?" })).toEqual([]);
    expect(textsOf(await chat.fresh(S))).toMatch(/Per Holm: Can you start Monday\?/);
    expect(textsOf(await say("/won 2500"))).toMatch(/^🎉 Congratulations! Per Holm — .*: \$2,500\.00 booked/);
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: per.deal.id } })).status).toBe("won");
    const bo = others[3] as { customer: Customer; deal: Deal };
    expect(textsOf(await say("/won 700 Bo Dahl"))).toMatch(/^🎉 Congratulations! Bo Dahl — .*: \$700\.00 booked/);
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: bo.deal.id } })).status).toBe("won");
    // Per has nothing open any more: the others are offered, never one picked on its own.
    const [ask] = await say("/lost went elsewhere");
    expect(ask?.text).toBe("Which one was lost? You have 6 open.");
  });

  it("after a day the chat asks, with the conversation's customer first even in a full list", async () => {
    const pipeline = await makePipeline(w.prisma, { owner_id: carlaId });
    for (const name of ["Ulla Sand", "Aksel Ry", "Nora Fisk"]) {
      const customer = await makeCustomer(w.prisma, { owner_id: carlaId, name });
      await makeDeal(w.prisma, { customer_id: customer.id, pipeline_id: pipeline.id });
    }
    const lead = await answerLead("Install heat pump", "Tina Talk");
    // Nine deals and a lead are open; the conversation with Tina is a day and a minute old.
    w.clock.advance(CONVERSATION_IN_PROGRESS_MS + MIN);
    const [ask] = await say("/won 100");
    expect(ask?.text).toBe("Which one did you win? You have 8 open.");
    expect(ask?.buttons[0]).toEqual({ label: "Tina Talk — Install heat pump", data: `won:l:${lead.id}` });
    const [cardAsk] = await say("/card");
    expect(cardAsk?.text).toMatch(/Whose card\?/);
    expect(cardAsk?.buttons[0]?.label).toBe("Tina Talk");
  });
});
