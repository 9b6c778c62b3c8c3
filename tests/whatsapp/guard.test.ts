import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { createWhatsappAdapter, type WhatsappAdapter } from "../../bot/whatsapp/adapter.js";
import {
  classifyWhatsappError,
  decideSend,
  initialGuardState,
  MIN_GAP_MS,
} from "../../core/messaging/whatsapp-guard.js";
import { whatsappOverview } from "../../core/messaging/whatsapp-guard.service.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { boom, type FakeSocket, FakeSocketFactory, FakeTimers } from "./fake-baileys.js";

const DAY = 24 * 60 * 60_000;

describe("guard rules (pure)", () => {
  const now = new Date("2026-01-05T09:00:00Z");

  it("paces with jitter: never two messages within a second, gaps vary", () => {
    let s = initialGuardState();
    const a = decideSend(s, { now, to: "+1", firstContact: false, jitter: 0.7 });
    expect(a.action).toBe("send");
    s = a.state;
    expect(s.nextSendAtMs - now.getTime()).toBe(MIN_GAP_MS + 700);
    const b = decideSend(s, { now: new Date(now.getTime() + 999), to: "+2", firstContact: false, jitter: 0 });
    expect(b).toMatchObject({ action: "wait", scope: "channel", waitMs: 701 });
  });

  it("caps first contacts per day per address, not replies, and resets the next UTC day", () => {
    let s = { ...initialGuardState(), dailyFirstContactCap: 2 };
    let t = now.getTime();
    for (const to of ["+1", "+2", "+1"]) {
      const d = decideSend(s, { now: new Date(t), to, firstContact: true, jitter: 0 });
      expect(d.action).toBe("send");
      s = d.state;
      t += 2_000;
    }
    const capped = decideSend(s, { now: new Date(t), to: "+3", firstContact: true, jitter: 0 });
    expect(capped).toMatchObject({ action: "wait", scope: "message" });
    if (capped.action === "wait") expect(new Date(t + capped.waitMs).toISOString()).toBe("2026-01-06T00:00:00.000Z");
    expect(decideSend(s, { now: new Date(t), to: "+3", firstContact: false, jitter: 0 }).action).toBe("send");
    expect(decideSend(s, { now: new Date(t + DAY), to: "+3", firstContact: true, jitter: 0 }).action).toBe("send");
  });

  it("reads rate and ban signals from WhatsApp errors", () => {
    expect(classifyWhatsappError({ status: 429, message: "rate-overlimit" })).toBe("rate");
    expect(classifyWhatsappError({ message: "rate-overlimit" })).toBe("rate");
    expect(classifyWhatsappError({ status: 403, message: "forbidden" })).toBe("ban");
    expect(classifyWhatsappError({ status: 463, message: "" })).toBe("ban");
    expect(classifyWhatsappError({ status: 408, message: "timed out" })).toBeNull();
  });
});

describe("the guard on the outbox, on a fake clock", () => {
  let w: TestWorld;
  let wa: WhatsappAdapter;
  let sock: FakeSocket;
  let sender: OutboxSender;
  const sentAt: number[] = [];

  beforeAll(async () => {
    w = await createWorld();
    const fake = new FakeSocketFactory();
    let r = 0;
    wa = createWhatsappAdapter(w.deps, {
      chat: createChatApp(w.deps),
      socketFactory: fake.factory,
      timers: new FakeTimers(w.clock),
      random: () => [0.1, 0.9, 0.5, 0.3][r++ % 4] ?? 0,
    });
    await wa.connection.start();
    sock = fake.last;
    sock.open();
    await wa.connection.settled();
    const send = sock.sendMessage;
    sock.sendMessage = (async (...args: Parameters<typeof send>) => {
      const res = await send(...args);
      sentAt.push(w.clock.now().getTime());
      return res;
    }) as typeof send;
    sender = new OutboxSender(w.deps, { channels: { whatsapp: wa.channel }, sleep: async (ms) => w.clock.advance(ms) });
  });
  afterAll(async () => {
    await wa?.connection.stop();
    await w?.close();
  });
  beforeEach(async () => {
    await w.prisma.outboundMessage.deleteMany({});
    sentAt.length = 0;
  });

  async function queue(to: string, n = 1): Promise<void> {
    const now = w.clock.now();
    for (let i = 0; i < n; i++) {
      await w.prisma.outboundMessage.create({
        data: { channel: "whatsapp", to_address: to, kind: "test", body: `hello ${i}`, next_attempt_at: now },
      });
    }
  }

  /** Run the sender until nothing is due within `horizonMs`, moving the fake clock to each due row. */
  async function drain(horizonMs = 60_000): Promise<void> {
    const end = w.clock.now().getTime() + horizonMs;
    for (let i = 0; i < 500; i++) {
      if ((await sender.tick()) > 0) continue;
      const next = await w.prisma.outboundMessage.findFirst({
        where: { status: "queued" },
        orderBy: { next_attempt_at: "asc" },
      });
      if (!next || next.next_attempt_at.getTime() > end) return;
      w.clock.advance(Math.max(1, next.next_attempt_at.getTime() - w.clock.now().getTime()));
    }
  }

  it("paces a run of replies: ≥ 1 s apart, uneven gaps, none lost", async () => {
    await w.prisma.channelIdentity.create({
      data: { channel: "whatsapp", address: "+4520000001", last_inbound_at: w.clock.now() },
    });
    await queue("+4520000001", 6);
    await drain();
    expect(sentAt).toHaveLength(6);
    const gaps = sentAt.slice(1).map((t, i) => t - (sentAt[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_GAP_MS);
    expect(new Set(gaps).size).toBeGreaterThan(1);
    expect(await w.prisma.outboundMessage.count({ where: { status: "sent" } })).toBe(6);
  });

  it("caps first contacts at 10 a day; the rest wait queued for tomorrow while replies flow", async () => {
    for (let i = 0; i < 12; i++) await queue(`+45300000${String(i).padStart(2, "0")}`);
    await queue("+4520000001"); // wrote to us: a reply, not capped
    await drain();
    expect(await w.prisma.outboundMessage.count({ where: { status: "sent" } })).toBe(11);
    const waiting = await w.prisma.outboundMessage.findMany({ where: { status: "queued" } });
    expect(waiting).toHaveLength(2);
    for (const row of waiting) {
      expect(row.last_error).toMatch(/first-contact cap \(10\)/);
      expect(row.attempts).toBe(0);
      expect(row.next_attempt_at.getTime()).toBeGreaterThan(
        Date.parse(`${w.clock.now().toISOString().slice(0, 10)}T23:59:59Z`),
      );
    }
    expect((await whatsappOverview(w.deps)).guard.firstContacts).toHaveLength(10);
    w.clock.advance(DAY);
    await drain();
    expect(await w.prisma.outboundMessage.count({ where: { status: "sent" } })).toBe(13);
  });

  it("pauses on a rate error: rows stay queued (not failed), an alert shows, resume sends them", async () => {
    sock.failures.push(boom(429, "rate-overlimit"));
    await queue("+4520000001", 3);
    await drain(10 * 60_000);
    expect(await w.prisma.outboundMessage.count({ where: { status: "failed" } })).toBe(0);
    expect(await w.prisma.outboundMessage.count({ where: { status: "queued" } })).toBe(3);
    const { guard, alert } = await whatsappOverview(w.deps);
    expect(guard.paused?.kind).toBe("rate");
    expect(alert).toMatchObject({ kind: "rate" });
    expect(await w.prisma.auditLog.count({ where: { action: "whatsapp.paused" } })).toBeGreaterThan(0);
    await wa.resume();
    expect((await whatsappOverview(w.deps)).alert).toBeNull();
    w.clock.advance(60_000);
    await drain();
    expect(await w.prisma.outboundMessage.count({ where: { status: "sent" } })).toBe(3);
  });

  it("a manual pause holds everything until resumed", async () => {
    await wa.pause("checking the number");
    await queue("+4520000001", 2);
    await drain(5 * 60_000);
    expect(sentAt).toHaveLength(0);
    expect(await w.prisma.outboundMessage.count({ where: { status: "queued" } })).toBe(2);
    await wa.resume();
    w.clock.advance(60_000);
    await drain();
    expect(sentAt).toHaveLength(2);
  });
});
