import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import type { ChatInbound, Feature } from "../../bot/chat/types.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeSequence } from "../support/factories.js";
import { contractorWithCode, marketplaceBasics } from "./helpers.js";

let w: TestWorld;

beforeAll(async () => {
  w = await createWorld();
  await marketplaceBasics(w);
});
afterAll(async () => w?.close());

const msg = (externalId: string, text: string, address = "intake-1"): ChatInbound => ({
  channel: "sandbox",
  externalId,
  address,
  text,
});

describe("guaranteed intake", () => {
  it("stores every message first and handles a redelivery once", async () => {
    const chat = createChatApp(w.deps);
    const first = await chat.handle(msg("m-1", "/help"));
    const again = await chat.handle(msg("m-1", "/help"));
    expect(first.status).toBe("handled");
    expect(again).toEqual({ status: "duplicate", inboundId: first.inboundId, replyIds: [] });
    const rows = await w.prisma.inboundMessage.findMany({ where: { external_id: "m-1" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.processed_at).not.toBeNull();
    expect(rows[0]?.text).toBe("/help");
    expect(await w.prisma.outboundMessage.count({ where: { to_address: "intake-1" } })).toBe(1);
  });

  it("keeps a crashed message for the retry sweep, tells the person once, and handles it later", async () => {
    const boom: Feature = {
      name: "boom",
      match: () => true,
      handle: async () => {
        throw new Error("database hiccup");
      },
    };
    const broken = createChatApp(w.deps, [boom]);
    const out = await broken.handle(msg("m-2", "/help", "intake-2"));
    expect(out.status).toBe("failed");
    const row = await w.prisma.inboundMessage.findFirstOrThrow({ where: { external_id: "m-2" } });
    expect(row.processed_at).toBeNull();
    expect(row.error).toMatch(/database hiccup/);
    const sorry = await w.prisma.outboundMessage.findMany({ where: { to_address: "intake-2" } });
    expect(sorry.map((s) => s.body)).toEqual([expect.stringMatching(/something went wrong on our side/)]);

    // A second crash on retry counts an attempt and does not apologise twice.
    expect(await broken.retryUnprocessed({ olderThanMs: 0 })).toBe(0);
    expect(await w.prisma.outboundMessage.count({ where: { to_address: "intake-2" } })).toBe(1);

    const fixed = createChatApp(w.deps);
    expect(await fixed.retryUnprocessed({ olderThanMs: 0 })).toBe(1);
    const done = await w.prisma.inboundMessage.findFirstOrThrow({ where: { external_id: "m-2" } });
    expect(done.processed_at).not.toBeNull();
    expect(done.error).toBeNull();
    const bodies = (
      await w.prisma.outboundMessage.findMany({ where: { to_address: "intake-2" }, orderBy: { created_at: "asc" } })
    ).map((o) => o.body);
    expect(bodies[1]).toMatch(/link code/);
    expect(await fixed.retryUnprocessed({ olderThanMs: 0 })).toBe(0);
  });

  it("gives up after three attempts but keeps the row visible", async () => {
    const boom: Feature = {
      name: "boom",
      match: () => true,
      handle: async () => Promise.reject(new Error("still broken")),
    };
    const broken = createChatApp(w.deps, [boom]);
    await broken.handle(msg("m-3", "hello", "intake-3"));
    await broken.retryUnprocessed({ olderThanMs: 0 });
    await broken.retryUnprocessed({ olderThanMs: 0 });
    const row = await w.prisma.inboundMessage.findFirstOrThrow({ where: { external_id: "m-3" } });
    expect((row.payload as { attempts?: number }).attempts).toBe(3);
    expect(await createChatApp(w.deps).retryUnprocessed({ olderThanMs: 0 })).toBe(0);
    const kept = await w.prisma.inboundMessage.findFirstOrThrow({ where: { external_id: "m-3" } });
    expect(kept.processed_at).toBeNull();
    expect(kept.error).toMatch(/still broken/);
  });

  it("handles one sender's messages in arrival order even when they arrive together", async () => {
    const c = await contractorWithCode(w, "Order Test");
    const chat = createChatApp(w.deps);
    await chat.handle(msg("o-0", `/start ${c.code}`, "intake-4"));
    await Promise.all([
      chat.handle(msg("o-1", "/strikes", "intake-4")),
      chat.handle(msg("o-2", "/leads", "intake-4")),
      chat.handle(msg("o-3", "/help", "intake-4")),
    ]);
    await chat.idle();
    const bodies = (
      await w.prisma.outboundMessage.findMany({ where: { to_address: "intake-4" }, orderBy: { created_at: "asc" } })
    ).map((o) => o.body.split("\n")[0]);
    expect(bodies).toEqual([
      expect.stringMatching(/^Welcome/),
      "No strikes — keep answering inside your windows!",
      "Nothing open right now. New lead offers will arrive here.",
      "Here is what I can do:",
    ]);
  });

  it("relays a customer's reply to their owner and ends their running sequence", async () => {
    const owner = await makeContractor(w.prisma);
    await w.prisma.channelIdentity.create({ data: { channel: "sandbox", address: "owner-1", user_id: owner.id } });
    const customer = await makeCustomer(w.prisma, { owner_id: owner.id, name: "Gina Gray" });
    const seq = await makeSequence(w.prisma, { owner_id: owner.id, customer_id: customer.id });
    await w.prisma.channelIdentity.create({
      data: { channel: "sms", address: "+4512345678", customer_id: customer.id },
    });
    const chat = createChatApp(w.deps);
    const r = await chat.handle({
      channel: "sms",
      externalId: "SM-9",
      address: "+4512345678",
      text: "Yes please, call me",
    });
    expect(r).toMatchObject({ status: "handled", replyIds: [] });
    const notice = await w.prisma.outboundMessage.findFirstOrThrow({ where: { to_address: "owner-1" } });
    expect(notice.kind).toBe("customer_reply");
    expect(notice.body).toBe("Gina Gray: Yes please, call me");
    expect((await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: seq.id } })).status).toBe("cancelled");
    const stored = await w.prisma.message.findFirstOrThrow({ where: { customer_id: customer.id } });
    expect(stored).toMatchObject({ direction: "inbound", channel: "sms", recipient_id: owner.id });
  });
});
