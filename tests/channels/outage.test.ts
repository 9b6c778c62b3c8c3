/**
 * Finding 13 of issue 11: a short SMTP/Twilio outage must not fail customer messages for good.
 * Retries back off exponentially (with jitter, capped at an hour a wait) for OUTBOX_RETRY_FOR
 * (24 h) from the first attempt; then the customer's next channel; then `failed` with a reason
 * that the panel's Ops → Outbox page shows. The counters are columns: a new worker continues.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerChannels } from "../../bot/customer-channels.js";
import { nextRetry, RETRY_CAP_MS, retryDelayMs } from "../../core/messaging/backoff.js";
import type { Channel } from "../../core/ports.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer } from "../../prisma/generated/client.js";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";
import { SmtpSink } from "./support.js";

const START = new Date("2026-11-18T17:00:00Z");
const HOUR = 3600_000;
let w: TestWorld;
let sink: SmtpSink;
let smtpPort: number;
let email: Channel & { close?: () => void };
/** When each e-mail send was tried (fake clock). */
const emailTries: Date[] = [];
/** The e-mail channel as the worker uses it, recording each try. */
let recordingEmail: Channel;

beforeAll(async () => {
  sink = await SmtpSink.start();
  smtpPort = sink.port;
  w = await createWorld({
    SMTP_URL: sink.url,
    SMTP_FROM: "Desert Breeze <hello@mail.example.com>",
    UNSUBSCRIBE_SECRET: "unsubscribe-secret-of-at-least-32-chars",
    PUBLIC_URL: "https://leads.example.com",
  });
  w.clock.set(START);
  const channels = customerChannels(w.deps);
  if (!channels.email) throw new Error("the e-mail channel is not configured");
  email = channels.email;
  recordingEmail = {
    send(m) {
      emailTries.push(w.clock.now());
      return email.send(m);
    },
  };
  await sink.close(); // the SMTP server is down from the start
});
afterAll(async () => {
  email?.close?.();
  await sink?.close();
  await w?.close();
});

/** A worker instance (a restart is a new one); jitter pinned to the middle. */
function worker(channels: Partial<Record<"email" | "sms", Channel>>) {
  return new OutboxSender(w.deps, { channels, random: () => 0.5, sleep: async (ms) => w.clock.advance(ms) });
}

/** Run a worker on the fake clock, jumping to each next attempt, until nothing is queued or `until`. */
async function runUntil(sender: OutboxSender, until: Date): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    await sender.tick();
    const due = await w.prisma.outboundMessage.findFirst({
      where: { status: { in: ["queued", "sending"] } },
      orderBy: { next_attempt_at: "asc" },
    });
    if (!due) return;
    const at = Math.max(due.next_attempt_at.getTime(), w.clock.now().getTime());
    if (at > until.getTime()) {
      w.clock.set(until);
      return;
    }
    w.clock.set(new Date(at));
  }
  throw new Error("the outbox never settled");
}

async function customerWithEmailAndPhone(): Promise<Customer> {
  const owner = await makeContractor(w.prisma);
  return makeCustomer(w.prisma, { owner_id: owner.id, preferred_contact_method: "email" });
}

async function queueRelay(customer: Customer, body: string) {
  return w.prisma.outboundMessage.create({
    data: {
      channel: "email",
      to_address: customer.email as string,
      customer_id: customer.id,
      kind: "relay",
      subject: "Your water heater",
      body,
      next_attempt_at: w.clock.now(),
      created_at: w.clock.now(),
    },
  });
}

describe("backoff rule", () => {
  it("doubles from 5 s with equal jitter, never waits more than an hour, and gives up only after the retry window", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 0))).toEqual([2_500, 5_000, 10_000, 20_000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 0.999_999))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(30, 0.999_999)).toBeLessThanOrEqual(RETRY_CAP_MS);
    expect(retryDelayMs(30, 0.999_999)).toBeGreaterThan(0.999 * RETRY_CAP_MS);
    expect(retryDelayMs(10_000, 0.5)).toBe(0.75 * RETRY_CAP_MS);
    const base = {
      attempts: 6,
      firstAttemptAt: START,
      random: 0.5,
      retryForMs: 24 * HOUR,
      lastError: "smtp ECONNREFUSED",
    };
    const early = nextRetry({ ...base, now: new Date(START.getTime() + 3 * 60_000) });
    expect(early).toEqual({ retry: true, at: new Date(START.getTime() + 3 * 60_000 + retryDelayMs(6, 0.5)) });
    const late = nextRetry({ ...base, attempts: 40, now: new Date(START.getTime() + 24 * HOUR) });
    expect(late).toEqual({ retry: false, reason: "gave up after 40 attempts over 24h: smtp ECONNREFUSED" });
  });
});

describe("an SMTP outage of three hours", () => {
  it("delivers the message when the server is back: attempts spaced exponentially, a restart keeps the count", async () => {
    const customer = await customerWithEmailAndPhone();
    const row = await queueRelay(customer, "We can come on Tuesday at 9.");

    // First worker: the first 90 minutes of the outage.
    await runUntil(worker({ email: recordingEmail }), new Date(START.getTime() + 1.5 * HOUR));
    const midway = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(midway.status).toBe("queued");
    expect(midway.first_attempt_at).toEqual(START);
    expect(midway.attempts).toBe(emailTries.length);
    expect(midway.attempts).toBeGreaterThan(6); // the old rule gave up after six
    expect(midway.last_error).toMatch(/^smtp /);

    // A restart: a new worker instance continues the same count and schedule.
    const restarted = worker({ email: recordingEmail });
    await runUntil(restarted, new Date(START.getTime() + 3 * HOUR));
    const before = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(before.status).toBe("queued");
    expect(before.attempts).toBe(emailTries.length);
    expect(before.attempts).toBeGreaterThan(midway.attempts);
    expect(before.first_attempt_at).toEqual(START);

    // The server comes back on the same address; the next try delivers.
    sink = await SmtpSink.start(smtpPort);
    await runUntil(restarted, new Date(START.getTime() + 6 * HOUR));
    const sent = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(sent).toMatchObject({ status: "sent", last_error: null, attempts: emailTries.length });
    expect(sink.mails).toHaveLength(1);
    expect(sink.mails[0]?.text).toContain("We can come on Tuesday at 9.");
    expect(sent.sent_at?.getTime()).toBeGreaterThanOrEqual(START.getTime() + 3 * HOUR);
    expect(sent.sent_at?.getTime()).toBeLessThanOrEqual(START.getTime() + 4 * HOUR); // within the one-hour cap

    // Spacing: each wait doubles (jitter pinned), until the one-hour cap; none longer.
    const gaps = emailTries.slice(1).map((t, i) => t.getTime() - (emailTries[i] as Date).getTime());
    expect(gaps[0]).toBe(0.75 * 5_000);
    for (let i = 1; i < gaps.length; i++) {
      const prev = gaps[i - 1] as number;
      expect(gaps[i]).toBe(Math.min(2 * prev, 0.75 * RETRY_CAP_MS));
    }
    expect(Math.max(...gaps)).toBeLessThanOrEqual(RETRY_CAP_MS);
    expect(await w.prisma.outboundMessage.count({ where: { customer_id: customer.id } })).toBe(1); // no failover needed
  });
});

describe("an outage longer than a day", () => {
  let app: FastifyInstance;
  afterAll(async () => app?.close());

  it("fails over to SMS after 24 h of retries, then fails there too, each reason shown in Ops", async () => {
    // SMTP down again, for good (a fresh transport: no pooled connection to the old server).
    email.close?.();
    await sink.close();
    const fresh = customerChannels(w.deps).email;
    if (!fresh) throw new Error("the e-mail channel is not configured");
    email = fresh;
    emailTries.length = 0;
    const t0 = w.clock.now();
    const customer = await customerWithEmailAndPhone();
    const row = await queueRelay(customer, "Your quote is ready.");
    const smsTries: Date[] = [];
    const twilioDown: Channel = {
      async send() {
        smsTries.push(w.clock.now());
        return { ok: false, retryable: true, error: "twilio 503: service unavailable" };
      },
    };
    await runUntil(worker({ email: recordingEmail, sms: twilioDown }), new Date(t0.getTime() + 23 * HOUR));
    expect(await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "queued",
    });
    expect(smsTries).toHaveLength(0);

    await runUntil(worker({ email: recordingEmail, sms: twilioDown }), new Date(t0.getTime() + 60 * HOUR));
    const rows = await w.prisma.outboundMessage.findMany({ where: { customer_id: customer.id } });
    const mail = rows.find((r) => r.id === row.id);
    const sms = rows.find((r) => r.id !== row.id);
    expect(rows).toHaveLength(2);
    expect(mail).toMatchObject({ status: "failed", attempts: emailTries.length });
    expect(mail?.last_error).toMatch(/^gave up after \d+ attempts over 2\dh( \d+m)?: smtp .*; failed over to sms$/);
    const emailSpan = (mail?.failed_at?.getTime() ?? 0) - t0.getTime();
    expect(emailSpan).toBeGreaterThanOrEqual(24 * HOUR);
    expect(emailSpan).toBeLessThan(25 * HOUR);
    expect(sms).toMatchObject({ channel: "sms", status: "failed", to_address: customer.phone });
    expect(sms?.payload).toMatchObject({ failover_of: row.id, failover_tried: ["email"] });
    expect(sms?.last_error).toMatch(/^gave up after \d+ attempts over 2\dh( \d+m)?: twilio 503: service unavailable$/);
    expect(sms?.attempts).toBe(smsTries.length);
    expect((sms?.failed_at?.getTime() ?? 0) - (sms?.first_attempt_at?.getTime() ?? 0)).toBeGreaterThanOrEqual(
      24 * HOUR,
    );

    app = await createTestApp(w);
    const admin = new PanelClient(app);
    await admin.login((await createPanelUser(w, "admin")).email ?? "");
    const page = await admin.get("/admin/ops?status=failed");
    expect(page.statusCode).toBe(200);
    for (const r of [mail, sms]) {
      const tr = page.body.slice(page.body.indexOf(`data-outbound="${r?.id}"`)).split("</tr>")[0] ?? "";
      expect(tr).toContain("data-error");
      expect(tr).toContain("gave up after");
    }
    expect(page.body).toContain("failed over to sms");
  });
});
