import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { contractorWithCode, MIN, marketplaceBasics, newLead, sandboxApp, sandboxAuth } from "./helpers.js";

interface SandboxMessage {
  seq: number;
  id: string;
  kind: string;
  text: string;
  buttons: Array<{ label: string; data: string }>;
  edit_of: string | null;
  lead_id: string | null;
}

let w: TestWorld;
let chat: ChatApp;
let app: FastifyInstance;
let sender: OutboxSender;
const seen = new Map<string, number>();

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h" });
  await marketplaceBasics(w);
  chat = createChatApp(w.deps);
  app = await sandboxApp(w, chat);
  sender = new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

/** Send as someone; returns what the session received since it last looked. */
async function say(session: string, as: string, body: Record<string, unknown>): Promise<SandboxMessage[]> {
  const res = await app.inject({
    method: "POST",
    url: "/api/sandbox/messages",
    payload: { session, as, ...body },
    headers: sandboxAuth(app),
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return fresh(session);
}

/** The session's messages it has not read yet (edits included). */
async function fresh(session: string): Promise<SandboxMessage[]> {
  while ((await sender.tick()) > 0);
  const after = seen.get(session) ?? 0;
  const res = await app.inject({
    method: "GET",
    url: `/api/sandbox/messages?session=${session}&after=${after}`,
    headers: sandboxAuth(app),
  });
  expect(res.statusCode, res.body).toBe(200);
  const page = res.json() as { messages: SandboxMessage[]; next: number };
  seen.set(session, page.next);
  return page.messages;
}

const texts = (ms: SandboxMessage[]) => ms.map((m) => m.text).join("\n---\n");

describe("the chat app through the sandbox channel", () => {
  let contractorId: string;
  let leadId: string;
  let windowMessageId: string;
  const S = "sbx-contractor";

  it("tells a stranger how to get in, and rejects unknown codes", async () => {
    const first = await say(S, "new", { text: "hello?" });
    expect(texts(first)).toMatch(/ask your admin for a link code/);
    expect(first[0]?.buttons).toEqual([{ label: "Request access", data: "access:request" }]);
    expect(texts(await say(S, "new", { text: "/start NOPE2345" }))).toMatch(/don't recognise the code NOPE2345/);
  });

  it("links the chat with /start CODE; the code works once", async () => {
    const c = await contractorWithCode(w, "Bob's HVAC");
    contractorId = c.id;
    expect(texts(await say(S, "new", { text: `/start ${c.code.toLowerCase()}` }))).toMatch(/Welcome, Bob's HVAC!/);
    const identity = await w.prisma.channelIdentity.findUniqueOrThrow({
      where: { channel_address: { channel: "sandbox", address: S } },
    });
    expect(identity.user_id).toBe(contractorId);
    expect(texts(await say(S, "new", { text: `/start ${c.code}` }))).toMatch(/already linked/);
    expect(texts(await say("sbx-thief", "new", { text: `/start ${c.code}` }))).toMatch(/already been used/);
  });

  it("gets a lead offer with bid buttons, bids, and is told a second press changes nothing", async () => {
    const lead = await newLead(w, "Replace AC unit");
    leadId = lead.id;
    const [offer] = await fresh(S);
    expect(offer?.kind).toBe("lead_offer");
    expect(offer?.text).toMatch(/New lead: Replace AC unit/);
    expect(offer?.buttons.map((b) => b.label)).toEqual(["×0.8", "×1.0", "×1.2", "×1.5", "Custom…"]);
    expect(offer?.buttons[2]?.data).toBe(`bid:${leadId}:1.2`);

    const placed = await say(S, "new", { choice: `bid:${leadId}:1.2` });
    expect(texts(placed)).toMatch(/Bid placed on “Replace AC unit”: ×1.20 = \$45.60/);
    expect(texts(await say(S, "new", { choice: `bid:${leadId}:1.2` }))).toMatch(
      /already bid ×1.20 on this lead\. A bid can only go up/,
    );
  });

  it("asks for a custom multiplier and explains the range on bad input", async () => {
    expect(texts(await say(S, "new", { choice: `bid:${leadId}:custom` }))).toMatch(/number from 0.5 to 2.0/);
    expect(texts(await say(S, "new", { text: "abc" }))).toMatch(/“abc” is not a multiplier I can use.*0.5 to 2.0/);
    expect(texts(await say(S, "new", { text: "9.9" }))).toMatch(/9.9 is outside the range.*0.5 to 2.0/);
    expect(texts(await say(S, "new", { text: "0.1" }))).toMatch(/0.1 is outside the range/);
    expect(texts(await say(S, "new", { text: "1,55" }))).toMatch(/Bid placed.*×1.55 = \$58.90/);
    const bid = await w.prisma.bid.findFirstOrThrow({ where: { lead_id: leadId, contractor_id: contractorId } });
    expect(bid.bid_multiplier.toString()).toBe("1.55");
    // The question is answered: plain text is no longer read as a bid.
    expect(texts(await say(S, "new", { text: "1.9" }))).toMatch(/no open response window/);
  });

  it("opens the window when bidding closes, with the customer and a live countdown", async () => {
    await w.advance(15 * MIN);
    const [opened] = await fresh(S);
    expect(opened?.kind).toBe("window_opened");
    expect(opened?.text).toMatch(/You won “Replace AC unit” \(rank 1\)/);
    expect(opened?.text).toMatch(/Customer: Anna Jensen, \+1602555/);
    expect(opened?.text).toMatch(/About 2 h left \(until 04:15 AM\)/); // America/Phoenix
    windowMessageId = opened?.id ?? "";
    await w.advance(12 * MIN);
    expect(await chat.refreshCountdowns()).toBe(1);
    expect(await chat.refreshCountdowns()).toBe(0);
    const [edit] = await fresh(S);
    expect(edit?.edit_of).toBe(windowMessageId);
    expect(edit?.text).toMatch(/About 1 h 50 min left/);
  });

  it("answers the customer with plain text: the contact is recorded and relayed", async () => {
    const answer = await say(S, "new", { text: "Hi Anna, I can come by at 3pm today." });
    expect(texts(answer)).toMatch(/Sent to the customer/);
    expect(texts(answer)).toMatch(/Contact recorded for “Replace AC unit”\. \$58.90 was charged/);
    const lead = await w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    expect(lead.status).toBe("CONTACTED");
    const relay = await w.prisma.outboundMessage.findFirstOrThrow({ where: { lead_id: leadId, kind: "relay" } });
    expect(relay.body).toBe("Hi Anna, I can come by at 3pm today.");
    await chat.refreshCountdowns();
    const [final] = await fresh(S);
    expect(final?.edit_of).toBe(windowMessageId);
    expect(final?.text).toMatch(/Answered/);
  });

  it("relays the customer's reply back, and the contractor answers by replying to it", async () => {
    const lead = await w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    const customerId = lead.customer_id as string;
    expect(await say("sbx-anna", `customer:${customerId}`, { text: "Great, see you at 3!" })).toEqual([]);
    const [reply] = await fresh(S);
    expect(reply?.text).toBe("💬 Anna Jensen: Great, see you at 3!\n(Reply to this message to answer.)");
    const inbound = await w.prisma.message.findFirstOrThrow({
      where: { customer_id: customerId, direction: "inbound" },
    });
    expect(inbound.lead_id).toBe(leadId);
    expect(texts(await say(S, "new", { text: "👍", reply_to: reply?.id }))).toMatch(/Sent to the customer/);
    expect(await w.prisma.message.count({ where: { lead_id: leadId, direction: "outbound" } })).toBe(2);
  });

  it("marks the job won with /won, and /stats shows it at once", async () => {
    expect(texts(await say(S, "new", { text: "/won -5" }))).toMatch(/“-5” is not an amount I can use/);
    expect(texts(await say(S, "new", { text: "/won 1e12" }))).toMatch(/“1e12” is not an amount I can use/);
    expect(texts(await say(S, "new", { text: "/won 9000" }))).toBe(
      "🎉 Congratulations! Anna Jensen — Replace AC unit: $9,000.00 booked. Keep it going!",
    );
    const paid = await w.prisma.conversion.findFirstOrThrow({ where: { lead_id: leadId, conversion_type: "paid" } });
    expect(paid.revenue_usd?.toString()).toBe("9000");
    expect(texts(await say(S, "new", { text: "/stats" }))).toMatch(/Jobs booked: 1\nRevenue: \$9,000\.00/);
    expect(texts(await say(S, "new", { text: "/won 9000" }))).toMatch(/nothing open to mark as won/);
  });

  it("opts the customer out with STOP, confirmed once, and back in with START", async () => {
    const lead = await w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    const who = `customer:${lead.customer_id}`;
    expect(texts(await say("sbx-anna", who, { text: "stop" }))).toMatch(/unsubscribed/);
    expect(await say("sbx-anna", who, { text: "STOP" })).toEqual([]);
    const customer = await w.prisma.customer.findUniqueOrThrow({ where: { id: lead.customer_id as string } });
    expect(customer.opted_out_at).not.toBeNull();
    expect(await w.prisma.outboundMessage.count({ where: { customer_id: customer.id, status: "queued" } })).toBe(0);
    expect(texts(await say("sbx-anna", who, { text: "Start" }))).toMatch(/subscribed again/);
    await fresh(S);
  });

  it("lists leads and strikes, and maps appeal failures to friendly replies", async () => {
    expect(texts(await say(S, "new", { text: "/leads" }))).toMatch(/Nothing open right now/);
    await newLead(w, "Furnace tune-up", "Carl Berg");
    await fresh(S);
    expect(texts(await say(S, "new", { text: "/leads" }))).toMatch(/Open offers:\n• Furnace tune-up — ZIP 85004/);
    expect(texts(await say(S, "new", { text: "/strikes" }))).toMatch(/No strikes/);
    expect(texts(await say(S, "new", { text: "/appeal" }))).toMatch(/Write your reason after the command/);
    expect(texts(await say(S, "new", { text: "/appeal I was in hospital that day" }))).toMatch(/not banned/);
  });

  it("answers garbage with a short helpful reply, never silence", async () => {
    expect(texts(await say(S, "new", { text: "/frobnicate now" }))).toBe(
      "I don't know /frobnicate. Send /help to see what I can do.",
    );
    const long = texts(await say(S, "new", { text: "x".repeat(10_240) }));
    expect(long).toMatch(/too long for me \(10240 characters\)/);
    expect(long.length).toBeLessThan(200);
    expect(texts(await say(S, "new", { text: "😀🎉🔥" }))).toMatch(/^😀🎉🔥 noted!/);
    expect(texts(await say(S, "new", { text: "?!" }))).toMatch(/didn't catch that/);
    expect(texts(await say(S, "new", { choice: "teleport:now" }))).toMatch(/no longer active/);
    const help = await say(S, "new", { text: "/help" });
    expect(texts(help)).toMatch(/\/leads — open offers/);
    expect(help[0]?.buttons.map((b) => b.data)).toEqual([
      "cmd:leads",
      "cmd:today",
      "cmd:stats",
      "cmd:strikes",
      "cmd:appeal",
      "cmd:profile",
      "cmd:card",
      "cmd:msg",
      "cmd:won",
      "cmd:lost",
    ]);
    expect(texts(await say(S, "new", { choice: "cmd:strikes" }))).toMatch(/No strikes/);
    expect(texts(await say(S, "new", { text: "/cancel" }))).toMatch(/nothing to cancel/);
  });

  it("says bidding has closed for a button from an expired offer", async () => {
    const lead = await newLead(w, "Duct cleaning", "Dora Lund");
    await fresh(S);
    await w.advance(16 * MIN);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("EXPIRED");
    expect(texts(await say(S, "new", { choice: `bid:${lead.id}:1` }))).toBe("Bidding on this lead has closed.");
    expect(texts(await say(S, "new", { choice: `bid:${lead.id}:custom` }))).toBe("Bidding on this lead has closed.");
  });

  it("asks which customer when several windows are open", async () => {
    const a = await newLead(w, "Heat pump install", "Eva Holm");
    const b = await newLead(w, "Thermostat swap", "Finn Dahl");
    await say(S, "new", { choice: `bid:${a.id}:1` });
    await say(S, "new", { choice: `bid:${b.id}:1` });
    await w.advance(15 * MIN);
    await fresh(S);
    const ask = await say(S, "new", { text: "On my way!" });
    expect(ask[0]?.text).toBe("You have 2 open windows. Which customer is this message for?");
    expect(ask[0]?.buttons.map((x) => x.data).sort()).toEqual([`to:${a.id}`, `to:${b.id}`].sort());
    expect(texts(await say(S, "new", { choice: `to:${b.id}` }))).toMatch(/Contact recorded for “Thermostat swap”/);
    const msg = await w.prisma.message.findFirstOrThrow({ where: { lead_id: b.id } });
    expect(msg.message_text).toBe("On my way!");
    expect(texts(await say(S, "new", { choice: `to:${a.id}` }))).toMatch(/no longer have that message/);
  });

  it("lets a stranger ask for access: a pending account an admin approves", async () => {
    await say("sbx-newbie", "new", { text: "hi", name: "Nina Newbie" });
    expect(texts(await say("sbx-newbie", "new", { choice: "access:request", name: "Nina Newbie" }))).toMatch(
      /Thanks, Nina Newbie! Your request is with an admin/,
    );
    const user = await w.prisma.user.findFirstOrThrow({ where: { name: "Nina Newbie" } });
    expect(user.account_status).toBe("pending");
    expect(texts(await say("sbx-newbie", "new", { choice: "access:request" }))).toMatch(/already waiting/);
    expect(texts(await say("sbx-newbie", "new", { text: "/leads" }))).toMatch(/waiting for an admin/);
  });

  it("speaks Danish to a Danish contractor, notices included", async () => {
    const c = await contractorWithCode(w, "Jens VVS", { language: "da" });
    expect(texts(await say("sbx-jens", "new", { text: `/start ${c.code}` }))).toMatch(/Velkommen, Jens VVS!/);
    await newLead(w, "Nyt fyr", "Karen Friis");
    const [offer] = await fresh("sbx-jens");
    expect(offer?.text).toMatch(/Nyt lead: Nyt fyr/);
    expect(offer?.buttons.map((b) => b.label)).toEqual(["×0,8", "×1,0", "×1,2", "×1,5", "Andet…"]);
    expect(texts(await say("sbx-jens", "new", { text: "/nope" }))).toBe(
      "Jeg kender ikke /nope. Send /help for at se, hvad jeg kan.",
    );
  });

  it("validates the sandbox API", async () => {
    const bad = await app.inject({
      method: "POST",
      url: "/api/sandbox/messages",
      headers: sandboxAuth(app),
      payload: { session: "x", as: "contractor:nope", text: "hi" },
    });
    expect(bad.statusCode).toBe(400);
    const both = await app.inject({
      method: "POST",
      url: "/api/sandbox/messages",
      headers: sandboxAuth(app),
      payload: { session: "x", as: "new", text: "hi", choice: "y" },
    });
    expect(both.statusCode).toBe(400);
    const ghost = await app.inject({
      method: "POST",
      url: "/api/sandbox/messages",
      headers: sandboxAuth(app),
      payload: { session: "x", as: "customer:00000000-0000-4000-8000-000000000000", text: "hi" },
    });
    expect(ghost.statusCode).toBe(404);
  });
});
