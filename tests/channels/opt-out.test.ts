/**
 * Opt-out words on every channel: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT in any case →
 * opted out at once, confirmed once, nothing more sent; START/UNSTOP → back in. And the outbox's
 * send-time check: a row that got past the enqueue-time checks is not sent to an opted-out person.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, createChatApp } from "../../bot/chat/app.js";
import { replyText } from "../../bot/email/routes.js";
import { optOutIntent } from "../../core/messaging/opt-out.js";
import { OPT_OUT_ACK_KIND } from "../../core/messaging/send-guard.js";
import type { Channel, OutboundEnvelope } from "../../core/ports.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { ChannelKind } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";

const CHANNELS: ChannelKind[] = ["sms", "email", "whatsapp", "telegram", "sandbox"];
const WORDS = ["STOP", "stopall", "Unsubscribe", "cancel", "END", "Quit!"];
let w: TestWorld;
let chat: ChatApp;
let n = 0;

beforeAll(async () => {
  w = await createWorld();
  chat = createChatApp(w.deps);
});
afterAll(async () => {
  await w?.close();
});

const addressOn = (channel: ChannelKind, i: number) =>
  channel === "email"
    ? `optout${i}@example.com`
    : channel === "sms"
      ? `+1602555${String(4000 + i)}`
      : channel === "whatsapp"
        ? `1602555${String(4000 + i)}@s.whatsapp.net`
        : `${channel}-${i}`;

async function customerOn(channel: ChannelKind) {
  n += 1;
  const owner = await makeContractor(w.prisma);
  const customer = await makeCustomer(w.prisma, { owner_id: owner.id });
  const identity = await w.prisma.channelIdentity.create({
    data: { channel, address: addressOn(channel, n), customer_id: customer.id },
  });
  return { customer, identity };
}

const say = (channel: ChannelKind, address: string, text: string) =>
  chat.handle({ channel, externalId: `${channel}-${address}-${++n}`, address, text });

const acks = (identityId: string) =>
  w.prisma.outboundMessage.findMany({ where: { identity_id: identityId, kind: OPT_OUT_ACK_KIND } });

describe("opt-out words", () => {
  it("are the word alone, any case, trailing punctuation ignored", () => {
    for (const word of [...WORDS, "stop.", " QUIT ", "end?"]) expect(optOutIntent(word)).toBe("out");
    for (const word of ["START", "unstop", "Start!"]) expect(optOutIntent(word)).toBe("in");
    for (const text of ["please stop calling at 7am", "stopped", "the end is near", ""])
      expect(optOutIntent(text)).toBeNull();
  });

  it("an e-mail reply counts by its own words, not the quoted message; an empty body falls back to the subject", () => {
    expect(replyText("STOP\n\nOn Mon, Jan 5, 2026 Desert Breeze wrote:\n> Hi Anna\n> stop by")).toBe("STOP");
    expect(replyText("", "Re: unsubscribe")).toBe("unsubscribe");
    expect(replyText("Thanks, Tuesday works\n-- \nAnna")).toBe("Thanks, Tuesday works");
  });

  for (const channel of CHANNELS) {
    it(`on ${channel}: every word opts out at once, confirmed once; START/UNSTOP opts back in`, async () => {
      for (const [i, word] of WORDS.entries()) {
        const { customer, identity } = await customerOn(channel);
        const queued = await w.prisma.outboundMessage.create({
          data: {
            channel,
            to_address: identity.address,
            identity_id: identity.id,
            customer_id: customer.id,
            kind: "sequence_step",
            body: "Step 2",
            next_attempt_at: w.clock.now(),
          },
        });
        expect((await say(channel, identity.address, word)).status).toBe("handled");
        const out = await w.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } });
        expect(out.opted_out_at).not.toBeNull();
        expect((await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: queued.id } })).status).toBe(
          "cancelled",
        );
        expect(await acks(identity.id)).toHaveLength(1);
        await say(channel, identity.address, "STOP");
        expect(await acks(identity.id)).toHaveLength(1); // confirmed once
        await say(channel, identity.address, i % 2 === 0 ? "START" : "unstop");
        expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } })).opted_out_at).toBeNull();
        expect((await w.prisma.channelIdentity.findUniqueOrThrow({ where: { id: identity.id } })).opted_out).toBe(
          false,
        );
      }
    });
  }

  it("a stranger's STOP on SMS or e-mail is honoured before we know who they are", async () => {
    for (const channel of ["sms", "email"] as const) {
      const address = addressOn(channel, 9000 + n++);
      await say(channel, address, "unsubscribe");
      const identity = await w.prisma.channelIdentity.findUniqueOrThrow({
        where: { channel_address: { channel, address } },
      });
      expect(identity.opted_out).toBe(true);
      expect(await acks(identity.id)).toHaveLength(1);
    }
  });
});

describe("the outbox at send time", () => {
  it("sends the one confirmation, and nothing else, to an opted-out person — even rows claimed before the STOP", async () => {
    const sent: OutboundEnvelope[] = [];
    const channel: Channel = {
      async send(m) {
        sent.push(m);
        return { ok: true, providerMessageId: `p-${m.id}` };
      },
    };
    const sender = new OutboxSender(w.deps, { channels: { sms: channel }, sleep: async (ms) => w.clock.advance(ms) });
    const { customer, identity } = await customerOn("sms");
    const race = await w.prisma.outboundMessage.create({
      data: {
        channel: "sms",
        to_address: identity.address,
        customer_id: customer.id,
        kind: "blast",
        body: "Sale",
        next_attempt_at: w.clock.now(),
      },
    });
    await say("sms", identity.address, "STOP");
    // The blast's transaction committed after the STOP cancelled what was queued: it is queued again.
    await w.prisma.outboundMessage.update({ where: { id: race.id }, data: { status: "queued", last_error: null } });
    // And another row by a path that does not look at opt-outs, to the bare address.
    await w.prisma.outboundMessage.create({
      data: { channel: "sms", to_address: identity.address, kind: "relay", body: "Hi", next_attempt_at: w.clock.now() },
    });
    for (let i = 0; i < 4 && (await sender.tick()) > 0; i++) w.clock.advance(2_000);
    const toThem = sent.filter((m) => m.to === identity.address);
    expect(toThem.map((m) => m.body)).toEqual([expect.stringMatching(/^You are unsubscribed/)]);
    const rows = await w.prisma.outboundMessage.findMany({ where: { to_address: identity.address } });
    expect(
      rows
        .filter((r) => r.status === "cancelled")
        .map((r) => r.last_error)
        .sort(),
    ).toEqual(["recipient opted out", "recipient opted out"]);
  });
});
