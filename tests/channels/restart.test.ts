/**
 * "A restart of the process during a 500-message send loses and duplicates nothing": 500 e-mails
 * through real SMTP to a real server on loopback, the sender stopped mid-way and a new one
 * started. The proof is the receiving server's count of deliveries per recipient (not a dedupe by
 * Message-ID). The fake clock drives the rate limiter and the claim expiry.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { emailChannel, smtpTransport } from "../../bot/email/channel.js";
import type { Channel, OutboundEnvelope } from "../../core/ports.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { drain, SmtpSink } from "./support.js";

const TOTAL = 500;
const CLAIM_EXPIRY_MS = 61_000;
let w: TestWorld;
let sink: SmtpSink;
const closers: Array<() => void> = [];

beforeAll(async () => {
  sink = await SmtpSink.start();
  w = await createWorld();
});
afterAll(async () => {
  for (const close of closers) close();
  await sink?.close();
  await w?.close();
});
beforeEach(async () => {
  await w.prisma.outboundMessage.deleteMany({});
  sink.mails.length = 0;
  const now = w.clock.now();
  await w.prisma.outboundMessage.createMany({
    data: Array.from({ length: TOTAL }, (_, i) => ({
      channel: "email" as const,
      to_address: `r${i}@example.com`,
      lane: "bulk" as const,
      kind: "blast",
      subject: `Offer ${i}`,
      body: `Message number ${i}`,
      next_attempt_at: now,
    })),
  });
});

/** A fresh e-mail channel on its own SMTP connection pool: what a new process would build. */
function newProcessChannel(): Channel {
  const transport = smtpTransport(sink.url);
  closers.push(() => transport.close());
  return emailChannel(transport, {
    from: "LeadRelay <no-reply@example.com>",
    publicUrl: "https://leads.example.com",
    unsubscribeSecret: "unsubscribe-secret-of-at-least-32-chars",
  });
}

const newSender = (channel: Channel) =>
  new OutboxSender(w.deps, { channels: { email: channel }, batchSize: 50, sleep: async (ms) => w.clock.advance(ms) });

/** Deliveries per recipient index, counted at the receiving server. */
function deliveries(): number[] {
  const counts = new Array<number>(TOTAL).fill(0);
  for (const mail of sink.mails) {
    const i = Number(/^r(\d+)@/.exec(mail.envelopeTo[0] ?? "")?.[1]);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

/** Run a sender's loop in the background (what the worker does) until it stops or runs dry. */
function runLoop(sender: OutboxSender): Promise<void> {
  return (async () => {
    while ((await sender.tick()) > 0) {}
  })();
}

async function statusCounts() {
  const rows = await w.prisma.outboundMessage.groupBy({ by: ["status"], _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
}

describe("a restart during a 500-message send", () => {
  it("graceful stop (SIGTERM) mid-batch: the message in flight is recorded, the rest given back; nothing lost or doubled", async () => {
    const inner = newProcessChannel();
    let sends = 0;
    let sender!: OutboxSender;
    const first: Channel = {
      async send(m: OutboundEnvelope) {
        sends += 1;
        if (sends === 137) sender.stop(); // SIGTERM arrives while message 137 is being sent
        return inner.send(m);
      },
    };
    sender = newSender(first);
    await runLoop(sender);
    expect(sink.mails).toHaveLength(137);
    // Nothing stays claimed by the stopped process: a new one can go on at once, no expiry wait.
    expect(await statusCounts()).toEqual({ sent: 137, queued: TOTAL - 137 });

    await drain(newSender(newProcessChannel()), w.clock);
    expect(deliveries().every((n) => n === 1)).toBe(true);
    expect(sink.mails).toHaveLength(TOTAL);
    expect(await statusCounts()).toEqual({ sent: TOTAL });
    const attempts = await w.prisma.outboundMessage.findMany({ where: { attempts: { not: 1 } } });
    expect(attempts).toHaveLength(0); // given-back rows did not use up an attempt
  });

  it("a sender that dies right after claiming a batch: its rows are taken over after the claim expires", async () => {
    const inner = newProcessChannel();
    let sends = 0;
    const dying: Channel = {
      async send(m: OutboundEnvelope) {
        sends += 1;
        if (sends === 101) return new Promise(() => {}); // dead: batch 3 claimed, nothing of it sent
        return inner.send(m);
      },
    };
    void runLoop(newSender(dying)); // never finishes: the process is gone
    while (sends < 101) await new Promise((r) => setTimeout(r, 5));
    expect(sink.mails).toHaveLength(100);
    expect((await statusCounts()).sending).toBe(50);

    const next = newSender(newProcessChannel());
    await drain(next, w.clock);
    expect(sink.mails).toHaveLength(TOTAL - 50); // everything else; the dead claim is still held
    w.clock.advance(CLAIM_EXPIRY_MS);
    await drain(next, w.clock);
    expect(deliveries().every((n) => n === 1)).toBe(true);
    expect(sink.mails).toHaveLength(TOTAL);
    expect(await statusCounts()).toEqual({ sent: TOTAL });
  });

  it("a sender that stalls past its claim sends nothing twice and overwrites nothing when it wakes", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let sends = 0;
    const stalling: Channel = {
      async send() {
        sends += 1;
        await gate; // e.g. a network stall longer than the claim
        return { ok: false, retryable: true, error: "timed out" };
      },
    };
    const stalled = newSender(stalling).tick(); // one batch of 50, stuck on its first row
    while (sends < 1) await new Promise((r) => setTimeout(r, 5));
    w.clock.advance(CLAIM_EXPIRY_MS);
    await drain(newSender(newProcessChannel()), w.clock); // the batch is taken over with the rest
    expect(sink.mails).toHaveLength(TOTAL);
    release();
    await stalled; // its late "timed out" is not recorded over "sent"; the rest of its batch is skipped
    expect(sends).toBe(1);
    expect(deliveries().every((n) => n === 1)).toBe(true);
    expect(await statusCounts()).toEqual({ sent: TOTAL });
  });

  it("the one honest exception: a process killed after the server accepted a message but before it was recorded sends that one message again", async () => {
    const inner = newProcessChannel();
    let sends = 0;
    const killedInFlight: Channel = {
      async send(m: OutboundEnvelope) {
        sends += 1;
        const result = await inner.send(m);
        if (sends === 250) return new Promise(() => {}); // delivered, then killed before recording
        return result;
      },
    };
    void runLoop(newSender(killedInFlight));
    while (sends < 250) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.mails).toHaveLength(250);

    const next = newSender(newProcessChannel());
    await drain(next, w.clock);
    w.clock.advance(CLAIM_EXPIRY_MS);
    await drain(next, w.clock);
    const counts = deliveries();
    expect(counts.filter((n) => n === 0)).toHaveLength(0); // nothing lost
    expect(counts.filter((n) => n === 2)).toHaveLength(1); // exactly the one in flight went twice
    expect(counts.filter((n) => n > 2)).toHaveLength(0);
    expect(sink.mails).toHaveLength(TOTAL + 1);
    expect(await statusCounts()).toEqual({ sent: TOTAL });
  });
});
