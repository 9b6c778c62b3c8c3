import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../admin/app.js";
import { createChatApp } from "../../bot/chat/app.js";
import { customerChannels, customerWebhookRoutes } from "../../bot/customer-channels.js";
import type { Channel } from "../../core/ports.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { drain } from "./support.js";

const PUBLIC = "https://leads.example.com";
const OUR_NUMBER = "+16025550100";
let w: TestWorld;
let tw: FakeTwilio;
let app: FastifyInstance;
let sms: Channel;
let sender: OutboxSender;
let customer: Customer;

beforeAll(async () => {
  let clockNow = () => Date.now();
  tw = await FakeTwilio.start({ perSecond: 3, now: () => clockNow() });
  w = await createWorld({
    PUBLIC_URL: PUBLIC,
    TWILIO_ACCOUNT_SID: tw.accountSid,
    TWILIO_AUTH_TOKEN: tw.authToken,
    TWILIO_FROM_NUMBER: OUR_NUMBER,
    TWILIO_API_BASE: tw.apiBase,
  });
  clockNow = () => w.clock.now().getTime();
  const chat = createChatApp(w.deps);
  app = await buildApp({
    ...w.deps,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => undefined,
  });
  await app.register(customerWebhookRoutes(w.deps, chat));
  await app.listen({ port: 0, host: "127.0.0.1" });
  tw.callbackOrigin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const channels = customerChannels(w.deps);
  if (!channels.sms) throw new Error("the SMS channel is not configured");
  sms = channels.sms;
  sender = new OutboxSender(w.deps, { channels: { sms }, sleep: async (ms) => w.clock.advance(ms) });
});
afterAll(async () => {
  await app?.close();
  await tw?.close();
  await w?.close();
});
beforeEach(async () => {
  const owner = await makeContractor(w.prisma);
  customer = await makeCustomer(w.prisma, { owner_id: owner.id, preferred_contact_method: "sms" });
  await w.prisma.channelIdentity.create({
    data: { channel: "sms", address: customer.phone as string, customer_id: customer.id },
  });
});

const queueSms = (to: string, body: string, customerId: string | null = null) =>
  w.prisma.outboundMessage.create({
    data: {
      channel: "sms",
      to_address: to,
      customer_id: customerId,
      kind: "relay",
      body,
      next_attempt_at: w.clock.now(),
    },
  });

describe("SMS channel against a fake Twilio", () => {
  it("sends through the SDK and records the MessageSid; the status callback marks it delivered", async () => {
    const row = await queueSms(customer.phone as string, "Your technician is on the way", customer.id);
    await drain(sender, w.clock);
    const sent = tw.messages.find((m) => m.to === customer.phone);
    expect(sent).toMatchObject({
      from: OUR_NUMBER,
      body: "Your technician is on the way",
      statusCallback: `${PUBLIC}/api/hooks/twilio/status`,
    });
    const stored = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored).toMatchObject({ status: "sent", provider_message_id: sent?.sid });

    expect(await tw.status(sent?.sid as string, "delivered")).toBe(200);
    expect(await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "delivered",
    });
    expect(await tw.status(sent?.sid as string, "sent")).toBe(200); // late and out of order: no step back
    expect((await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("delivered");
  });

  it("rejects a status callback with a wrong signature (403) and records nothing", async () => {
    const row = await queueSms(customer.phone as string, "Reminder: tomorrow 9am", customer.id);
    await drain(sender, w.clock);
    const { provider_message_id: sid } = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(await tw.status(sid as string, "undelivered", { errorCode: "30003", signWith: "not-the-auth-token" })).toBe(
      403,
    );
    expect((await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("sent");
    const unsigned = await app.inject({
      method: "POST",
      url: "/api/hooks/twilio/status",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `MessageSid=${sid}&MessageStatus=failed`,
    });
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.json().error.code).toBe("SIGNATURE_INVALID");
    expect(await tw.status(sid as string, "undelivered", { errorCode: "30003" })).toBe(200);
    const failed = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(failed).toMatchObject({ status: "failed", last_error: "twilio 30003: undelivered" });
  });

  it("inbound STOP opts the customer out at once, is confirmed once, and nothing more is sent", async () => {
    const queued = await queueSms(customer.phone as string, "Spring tune-up offer", customer.id);
    const forged = await app.inject({
      method: "POST",
      url: "/api/hooks/twilio/sms",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "AAAA" },
      payload: `MessageSid=SM1&From=${encodeURIComponent(customer.phone as string)}&Body=STOP`,
    });
    expect(forged.statusCode).toBe(403);
    expect(
      await w.prisma.inboundMessage.count({ where: { channel: "sms", from_address: customer.phone as string } }),
    ).toBe(0);

    const inbound = `${PUBLIC}/api/hooks/twilio/sms`;
    expect(await tw.inbound(inbound, { from: customer.phone as string, to: OUR_NUMBER, body: "Stop" })).toBe(200);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } })).opted_out_at).not.toBeNull();
    expect((await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: queued.id } })).status).toBe("cancelled");
    expect(await tw.inbound(inbound, { from: customer.phone as string, to: OUR_NUMBER, body: "STOP" })).toBe(200);
    await queueSms(customer.phone as string, "Written after the STOP", customer.id);
    await drain(sender, w.clock);
    const toThem = tw.messages.filter((m) => m.to === customer.phone);
    expect(toThem.map((m) => m.body)).toEqual([
      "You are unsubscribed and will get no more messages from us. Reply START to subscribe again.",
    ]);

    expect(await tw.inbound(inbound, { from: customer.phone as string, to: OUR_NUMBER, body: "start" })).toBe(200);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } })).opted_out_at).toBeNull();
    await drain(sender, w.clock);
    expect(tw.messages.filter((m) => m.to === customer.phone).at(-1)?.body).toMatch(/subscribed again/);
  });

  it("honours Twilio's rate limit: 429s wait and retry without using attempts, nothing is lost", async () => {
    const before = tw.messages.length;
    const rows = await Promise.all(
      Array.from({ length: 8 }, (_, i) => queueSms(`+1602555${String(7000 + i)}`, `Blast ${i}`)),
    );
    await drain(sender, w.clock);
    expect(tw.messages.length - before).toBe(8);
    expect(tw.rejected).toBeGreaterThan(0);
    const stored = await w.prisma.outboundMessage.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
    expect(stored.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
    const bad = await queueSms("555-1234", "Invalid number");
    await drain(sender, w.clock);
    const failed = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: bad.id } });
    expect(failed).toMatchObject({ status: "failed", attempts: 1 });
    expect(failed.last_error).toMatch(/^twilio 400\/21211/);
  });
});
