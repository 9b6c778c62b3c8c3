import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../admin/app.js";
import { createChatApp } from "../../bot/chat/app.js";
import { customerChannels, customerWebhookRoutes } from "../../bot/customer-channels.js";
import { ConfigError, parseConfig } from "../../core/config/config.js";
import { enroll } from "../../core/nurturing/sequence.service.js";
import type { Channel } from "../../core/ports.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { contractorAndCustomer, fire, PHOENIX_MORNING, template } from "../nurturing/support.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { drain, SmtpSink } from "./support.js";

const PUBLIC = "https://leads.example.com";
const HOOKS_SECRET = "hooks-secret-for-the-email-tests";
let w: TestWorld;
let sink: SmtpSink;
let app: FastifyInstance;
let email: Channel;
let sender: OutboxSender;
let customer: Customer;
let contractor: User;

beforeAll(async () => {
  sink = await SmtpSink.start();
  w = await createWorld({
    SMTP_URL: sink.url,
    SMTP_FROM: "Desert Breeze <hello@mail.example.com>",
    UNSUBSCRIBE_SECRET: "unsubscribe-secret-of-at-least-32-chars",
    PUBLIC_URL: PUBLIC,
    HOOKS_SECRET,
  });
  w.clock.set(PHOENIX_MORNING);
  app = await buildApp({
    ...w.deps,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => undefined,
  });
  await app.register(customerWebhookRoutes(w.deps, createChatApp(w.deps)));
  await app.ready();
  const channels = customerChannels(w.deps);
  if (!channels.email) throw new Error("the e-mail channel is not configured");
  email = channels.email;
  sender = new OutboxSender(w.deps, { channels: { email }, sleep: async (ms) => w.clock.advance(ms) });
});
afterAll(async () => {
  (email as unknown as { close?: () => void })?.close?.();
  await app?.close();
  await sink?.close();
  await w?.close();
});
beforeEach(async () => {
  ({ contractor, customer } = await contractorAndCustomer(w, { preferred_contact_method: "email" }));
  await w.prisma.channelIdentity.create({
    data: { channel: "email", address: customer.email as string, customer_id: customer.id },
  });
  sink.mails.length = 0;
});

/** Send one nurturing e-mail step to the customer and return what the SMTP server received. */
async function sendNurturingEmail() {
  const t = await template(w, [
    {
      delay: "0m",
      channel: "email",
      subject: "Your options, {{first_name}}",
      text: "Hi {{first_name}},\nsee {{link}}",
      link_url: "https://desertbreeze.example/options",
    },
  ]);
  const r = await enroll(w.deps, { customerId: customer.id, templateId: t.id });
  if (!r.ok) throw new Error(r.message);
  await fire(w);
  await drain(sender, w.clock);
  const row = await w.prisma.outboundMessage.findFirstOrThrow({
    where: { customer_id: customer.id, channel: "email" },
  });
  return { row, mails: sink.mails.filter((m) => m.envelopeTo.includes(customer.email as string)) };
}

const unsubscribePath = (header: string | undefined) => {
  const m = /^<https:\/\/leads\.example\.com(\/u\/[\w.-]+)>$/.exec(header ?? "");
  if (!m?.[1]) throw new Error(`no unsubscribe URL in ${header}`);
  return m[1];
};

describe("e-mail channel against a real SMTP server", () => {
  it("delivers a nurturing step with both bodies, the one-click headers, Message-ID from the row", async () => {
    const { row, mails } = await sendNurturingEmail();
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    if (!mail) throw new Error("no mail");
    expect(row).toMatchObject({ status: "sent", provider_message_id: `<${row.id}@mail.example.com>` });
    expect(mail.headers.get("message-id")).toBe(`<${row.id}@mail.example.com>`);
    expect(mail.headers.get("subject")).toBe("Your options, Anna");
    expect(mail.headers.get("from")).toContain("hello@mail.example.com");
    expect(mail.headers.get("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    const path = unsubscribePath(mail.headers.get("list-unsubscribe"));
    expect(mail.text).toMatch(/^Hi Anna,\nsee https:\/\/leads\.example\.com\/t\/[\w-]+/);
    expect(mail.text).toContain(`Unsubscribe: ${PUBLIC}${path}`);
    expect(mail.html).toMatch(/<img src="https:\/\/leads\.example\.com\/o\/[\w-]+\.gif"/);
    expect(mail.html).toContain(`<a href="${PUBLIC}${path}">Unsubscribe</a>`);
    expect(mail.html).toMatch(/Hi Anna,<br>/);
  });

  it("keeps the tracked link and the open pixel working", async () => {
    const { row, mails } = await sendNurturingEmail();
    const html = mails[0]?.html ?? "";
    const click = /https:\/\/leads\.example\.com(\/t\/[\w-]+)/.exec(html)?.[1];
    const pixel = /https:\/\/leads\.example\.com(\/o\/[\w-]+\.gif)/.exec(html)?.[1];
    if (!click || !pixel) throw new Error("no tracked link or pixel in the HTML body");
    const opened = await app.inject({ method: "GET", url: pixel });
    expect(opened.statusCode).toBe(200);
    const res = await app.inject({ method: "GET", url: click, headers: { "user-agent": "Mozilla/5.0" } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe("https://desertbreeze.example/options");
    const event = await w.prisma.sequenceEvent.findUniqueOrThrow({ where: { id: row.sequence_event_id as string } });
    expect(event.opened_at).not.toBeNull();
    expect(event.clicked_at).not.toBeNull();
  });

  it("one-click POST without cookies opts the customer out of e-mail; later e-mails are not sent", async () => {
    const { mails } = await sendNurturingEmail();
    const path = unsubscribePath(mails[0]?.headers.get("list-unsubscribe"));
    const page = await app.inject({ method: "GET", url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post">');
    const untouched = await w.prisma.channelIdentity.findFirstOrThrow({
      where: { customer_id: customer.id, channel: "email" },
    });
    expect(untouched.opted_out).toBe(false); // a scanner fetching the link changes nothing

    const forged = await app.inject({ method: "POST", url: `${path.slice(0, -3)}AAA` });
    expect(forged.statusCode).toBe(404);
    const res = await app.inject({
      method: "POST",
      url: path,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "List-Unsubscribe=One-Click",
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["set-cookie"]).toBeUndefined();
    const identity = await w.prisma.channelIdentity.findFirstOrThrow({
      where: { customer_id: customer.id, channel: "email" },
    });
    expect(identity.opted_out).toBe(true);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } })).opted_out_at).toBeNull();

    // A row written past the enqueue-time checks (a race) is still stopped at send time.
    const late = await w.prisma.outboundMessage.create({
      data: {
        channel: "email",
        to_address: customer.email as string,
        customer_id: customer.id,
        kind: "blast",
        body: "Sale!",
        next_attempt_at: w.clock.now(),
      },
    });
    sink.mails.length = 0;
    await drain(sender, w.clock);
    expect(sink.mails).toHaveLength(0);
    expect(await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: late.id } })).toMatchObject({
      status: "cancelled",
      last_error: "recipient opted out",
    });
    expect((await app.inject({ method: "POST", url: path })).statusCode).toBe(200); // a second click is fine
  });

  it("a relay without HTML still gets both bodies; a 550 fails at once, visibly", async () => {
    const relay = await w.prisma.outboundMessage.create({
      data: {
        channel: "email",
        to_address: customer.email as string,
        customer_id: customer.id,
        kind: "relay",
        subject: "Message from Desert Breeze",
        body: "Tuesday 9-11 works <ok>?\n\nBob",
        next_attempt_at: w.clock.now(),
      },
    });
    sink.refuse.set("gone@example.com", 550);
    const bad = await w.prisma.outboundMessage.create({
      data: {
        channel: "email",
        to_address: "gone@example.com",
        kind: "relay",
        body: "Hello",
        next_attempt_at: w.clock.now(),
      },
    });
    await drain(sender, w.clock);
    const mail = sink.mails.find((m) => m.envelopeTo.includes(customer.email as string));
    expect(mail?.text).toMatch(/^Tuesday 9-11 works <ok>\?\n\nBob\n\n--\nUnsubscribe: https:/);
    expect(mail?.html).toContain("<p>Tuesday 9-11 works &lt;ok&gt;?</p>\n<p>Bob</p>");
    expect(await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: relay.id } })).toMatchObject({
      status: "sent",
    });
    const failed = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: bad.id } });
    expect(failed).toMatchObject({ status: "failed", attempts: 1 });
    expect(failed.last_error).toMatch(/^smtp 550/);
    expect(contractor.id).toBeTruthy();
  });
});

describe("bounce and complaint webhook", () => {
  const post = (body: unknown, secret?: string) =>
    app.inject({
      method: "POST",
      url: "/api/hooks/email/events",
      payload: body as object,
      headers: secret ? { "x-hook-secret": secret } : {},
    });

  it("needs the secret: a wrong one is 401 and records nothing", async () => {
    const { row } = await sendNurturingEmail();
    const events = { events: [{ type: "bounce", message_id: `<${row.id}@mail.example.com>` }] };
    const res = await post(events, "wrong");
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe("SIGNATURE_INVALID");
    expect((await post(events)).statusCode).toBe(401);
    expect((await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("sent");
    const invalid = await post({ events: [{ type: "explode", message_id: "x" }] }, HOOKS_SECRET);
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe("VALIDATION_FAILED");
  });

  it("a bounce fails the row and its step; a complaint also opts the address out", async () => {
    const { row } = await sendNurturingEmail();
    const bounce = await post(
      { events: [{ type: "bounce", message_id: `<${row.id}@mail.example.com>`, reason: "550 5.1.1 no such user" }] },
      HOOKS_SECRET,
    );
    expect(bounce.statusCode).toBe(200);
    expect(bounce.json().results[0]).toMatchObject({ recorded: true, changed: true });
    expect(await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "failed",
      last_error: "550 5.1.1 no such user",
    });
    const event = await w.prisma.sequenceEvent.findUniqueOrThrow({ where: { id: row.sequence_event_id as string } });
    // The step was not lost: the next attempt is queued on the customer's next channel (SMS).
    expect(event.delivery_status).toBe("pending");
    const retry = await w.prisma.outboundMessage.findFirstOrThrow({ where: { dedupe_key: `failover:${row.id}` } });
    expect(retry).toMatchObject({
      channel: "sms",
      to_address: customer.phone,
      status: "queued",
      sequence_event_id: event.id,
    });
    expect(retry.payload).toMatchObject({ failover_of: row.id, failover_tried: ["email"] });
    await w.prisma.outboundMessage.update({ where: { id: retry.id }, data: { status: "cancelled" } });

    const other = await w.prisma.outboundMessage.create({
      data: {
        channel: "email",
        to_address: customer.email as string,
        customer_id: customer.id,
        kind: "relay",
        body: "Hi",
        next_attempt_at: w.clock.now(),
      },
    });
    await drain(sender, w.clock);
    const complaint = await post(
      { events: [{ type: "complaint", message_id: `<${other.id}@mail.example.com>` }] },
      HOOKS_SECRET,
    );
    expect(complaint.statusCode).toBe(200);
    expect(await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({
      status: "failed",
    });
    const identity = await w.prisma.channelIdentity.findFirstOrThrow({
      where: { customer_id: customer.id, channel: "email" },
    });
    expect(identity.opted_out).toBe(true);
  });
});

describe("inbound e-mail", () => {
  const mail = (body: Record<string, unknown>, secret: string | undefined = HOOKS_SECRET) =>
    app.inject({
      method: "POST",
      url: "/api/hooks/email/inbound",
      payload: body,
      headers: secret ? { "x-hook-secret": secret } : {},
    });

  it("a reply of STOP (quoting our e-mail) opts the customer out; a wrong secret records nothing", async () => {
    const from = (customer.email as string).toUpperCase();
    const reply = {
      from,
      subject: "Re: Your options",
      text: "STOP\n\nOn Mon Desert Breeze wrote:\n> Hi Anna",
      message_id: `<in-${customer.id}@mail.example.com>`,
    };
    const forged = await mail(reply, "wrong");
    expect(forged.statusCode).toBe(401);
    expect(await w.prisma.inboundMessage.count({ where: { channel: "email", external_id: reply.message_id } })).toBe(0);
    expect((await mail({ ...reply, from: "not-an-address" })).json().error.code).toBe("VALIDATION_FAILED");

    expect((await mail(reply)).statusCode).toBe(201);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } })).opted_out_at).not.toBeNull();
    const acks = await w.prisma.outboundMessage.findMany({ where: { customer_id: customer.id, kind: "opt_out_ack" } });
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ channel: "email", to_address: customer.email });
    expect((await mail(reply)).json().status).toBe("duplicate");
  });
});

describe("configuration", () => {
  it("an SMTP_URL needs an UNSUBSCRIBE_SECRET of 32+ characters (it signs every unsubscribe link)", () => {
    expect(() => parseConfig({ SMTP_URL: "smtp://127.0.0.1:2525" })).toThrow(ConfigError);
    expect(() => parseConfig({ SMTP_URL: "smtp://127.0.0.1:2525", UNSUBSCRIBE_SECRET: "short" })).toThrow(
      /UNSUBSCRIBE_SECRET must be at least 32 characters/,
    );
    const c = parseConfig({ SMTP_URL: "smtp://127.0.0.1:2525", UNSUBSCRIBE_SECRET: "x".repeat(32) });
    expect(c.smtp.unsubscribeSecret).toBe("x".repeat(32));
  });
});
