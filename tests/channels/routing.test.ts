/**
 * Routing a customer message: the preferred channel, else the next allowed one (opted out there,
 * no address, WhatsApp outside the 24-hour window for free text). The pure rule, then the same
 * rule where messages are enqueued (core/messaging/customer-message.ts, the one path every customer
 * message takes), then every attempt on its row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideCustomerMessage, loadCustomerFacts } from "../../core/messaging/customer-message.js";
import { routeCandidates } from "../../core/messaging/route-candidates.js";
import { chooseRoute, type RouteCandidate, type RouteInput } from "../../core/messaging/routing.js";
import type { Channel } from "../../core/ports.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";

const NOW = new Date("2026-01-05T17:00:00.000Z");
const HOUR = 3_600_000;
const c = (channel: RouteCandidate["channel"], extra: Partial<RouteCandidate> = {}): RouteCandidate => ({
  channel,
  address: `${channel}-addr`,
  identityId: `${channel}-id`,
  optedOut: false,
  lastInboundAt: null,
  ...extra,
});
const route = (input: Partial<RouteInput>) =>
  chooseRoute({ customerOptedOut: false, preferred: null, candidates: [], now: NOW, templated: false, ...input });

describe("chooseRoute (pure)", () => {
  it("takes the preferred channel when it is available (phone means SMS)", () => {
    const candidates = [c("sms"), c("email")];
    expect(route({ preferred: "email", candidates })).toMatchObject({ ok: true, channel: "email", skipped: [] });
    expect(route({ preferred: "phone", candidates })).toMatchObject({ ok: true, channel: "sms" });
  });

  it("falls back past an opted-out preferred channel, and says why", () => {
    const r = route({ preferred: "email", candidates: [c("email", { optedOut: true }), c("sms")] });
    expect(r).toMatchObject({ ok: true, channel: "sms", skipped: [{ channel: "email", cause: "opted_out" }] });
  });

  it("falls back when the preferred channel has no address", () => {
    const r = route({ preferred: "telegram", candidates: [c("email")] });
    expect(r).toMatchObject({ ok: true, channel: "email", skipped: [{ channel: "telegram", cause: "no_address" }] });
  });

  it("WhatsApp free text only inside the 24-hour window; template text may go outside it", () => {
    const wrote = (h: number) => c("whatsapp", { lastInboundAt: new Date(NOW.getTime() - h * HOUR) });
    expect(route({ preferred: "whatsapp", candidates: [wrote(23), c("email")] })).toMatchObject({
      channel: "whatsapp",
    });
    expect(route({ preferred: "whatsapp", candidates: [wrote(25), c("email")] })).toMatchObject({
      channel: "email",
      skipped: [{ channel: "whatsapp", cause: "outside_window" }],
    });
    expect(route({ preferred: "whatsapp", candidates: [wrote(25), c("email")], templated: true })).toMatchObject({
      channel: "whatsapp",
    });
  });

  it("without a preference, the channel the customer last wrote on comes before the fixed order", () => {
    const tg = c("telegram", { lastInboundAt: new Date(NOW.getTime() - 2 * HOUR) });
    expect(route({ candidates: [c("sms"), tg] })).toMatchObject({ channel: "telegram" });
    expect(route({ preferred: "sms", candidates: [c("sms"), tg] })).toMatchObject({ channel: "sms" });
  });

  it("the most recently used address wins on a channel; an opted-out customer gets nothing", () => {
    const older = c("sms", { address: "+1old", lastInboundAt: new Date(NOW.getTime() - 5 * HOUR) });
    const newer = c("sms", { address: "+1new", lastInboundAt: new Date(NOW.getTime() - HOUR) });
    expect(route({ candidates: [older, newer] })).toMatchObject({ address: "+1new" });
    expect(route({ customerOptedOut: true, candidates: [newer] })).toMatchObject({ ok: false, reason: "opted_out" });
    expect(route({ candidates: [c("sms", { optedOut: true })] })).toMatchObject({ ok: false, reason: "opted_out" });
    expect(route({ candidates: [] })).toMatchObject({ ok: false, reason: "unreachable" });
  });
});

describe("routing where messages are enqueued", () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await createWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it("nurturing: the preferred channel, then the customer's own address on the next allowed one", async () => {
    const owner = await makeContractor(w.prisma);
    const customer = await makeCustomer(w.prisma, { owner_id: owner.id, preferred_contact_method: "whatsapp" });
    await w.prisma.channelIdentity.create({
      data: { channel: "whatsapp", address: "16025550777@s.whatsapp.net", customer_id: customer.id, opted_out: true },
    });
    // A nurturing step: template text, no channel asked for.
    const destination = async () =>
      decideCustomerMessage(
        await loadCustomerFacts(w.prisma, customer, w.deps.config),
        { answer: false, templated: true },
        w.clock.now(),
      );
    expect(await destination()).toMatchObject({ channel: "sms", address: customer.phone, identityId: null });
    await w.prisma.channelIdentity.create({
      data: { channel: "sms", address: customer.phone as string, opted_out: true },
    });
    expect(await destination()).toMatchObject({ channel: "email", address: customer.email, identityId: null });
    const candidates = await routeCandidates(w.prisma, customer);
    expect(candidates.find((x) => x.channel === "sms")?.optedOut).toBe(true);
  });

  it("every attempt is on its row with its status: a failure retried with backoff, then sent", async () => {
    let calls = 0;
    const flaky: Channel = {
      async send() {
        calls += 1;
        return calls === 1
          ? { ok: false, retryable: true, error: "smtp 421: try later" }
          : { ok: true, providerMessageId: "p1" };
      },
    };
    const sender = new OutboxSender(w.deps, {
      channels: { email: flaky },
      random: () => 0.5,
      sleep: async (ms) => w.clock.advance(ms),
    });
    const row = await w.prisma.outboundMessage.create({
      data: {
        channel: "email",
        to_address: "flaky@example.com",
        kind: "relay",
        body: "Hi",
        next_attempt_at: w.clock.now(),
      },
    });
    await sender.tick();
    const retry = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(retry).toMatchObject({ status: "queued", attempts: 1, last_error: "smtp 421: try later" });
    expect(retry.next_attempt_at.getTime()).toBeGreaterThan(w.clock.now().getTime());
    w.clock.set(retry.next_attempt_at);
    await sender.tick();
    expect(await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "sent",
      attempts: 2,
      provider_message_id: "p1",
      last_error: null,
    });
  });

  it("a customer message that fails for good on one channel goes out on the next; each attempt is its own row", async () => {
    const owner = await makeContractor(w.prisma);
    const customer = await makeCustomer(w.prisma, { owner_id: owner.id, preferred_contact_method: "sms" });
    const sent: string[] = [];
    const deadNumber: Channel = {
      async send() {
        return { ok: false, retryable: false, error: "twilio 400/21211: invalid number" };
      },
    };
    const mail: Channel = {
      async send(m) {
        sent.push(m.to);
        return { ok: true, providerMessageId: "m1" };
      },
    };
    const sender = new OutboxSender(w.deps, {
      channels: { sms: deadNumber, email: mail },
      sleep: async (ms) => w.clock.advance(ms),
    });
    const first = await w.prisma.outboundMessage.create({
      data: {
        channel: "sms",
        to_address: customer.phone as string,
        customer_id: customer.id,
        kind: "relay",
        body: "Can we come Tuesday?",
        next_attempt_at: w.clock.now(),
      },
    });
    for (let i = 0; i < 3 && (await sender.tick()) > 0; i++) w.clock.advance(1_000);
    const rows = (await w.prisma.outboundMessage.findMany({ where: { customer_id: customer.id } })).sort(
      (a, b) => Number(b.id === first.id) - Number(a.id === first.id),
    );
    expect(rows.map((r) => [r.channel, r.status])).toEqual([
      ["sms", "failed"],
      ["email", "sent"],
    ]);
    expect(rows[0]?.id).toBe(first.id);
    expect(rows[1]?.payload).toMatchObject({ failover_of: first.id, failover_tried: ["sms"] });
    expect(sent).toEqual([customer.email]);
  });
});
