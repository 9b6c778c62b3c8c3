import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { createWhatsappAdapter, type WhatsappAdapter } from "../../bot/whatsapp/adapter.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { contractorWithCode, marketplaceBasics } from "../bot/helpers.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { type FakeSocket, FakeSocketFactory, FakeTimers } from "./fake-baileys.js";

let w: TestWorld;
let wa: WhatsappAdapter;
let sock: FakeSocket;
let sender: OutboxSender;

beforeAll(async () => {
  w = await createWorld();
  await marketplaceBasics(w);
  const fake = new FakeSocketFactory();
  wa = createWhatsappAdapter(w.deps, {
    chat: createChatApp(w.deps),
    socketFactory: fake.factory,
    timers: new FakeTimers(w.clock),
  });
  await wa.connection.start();
  sock = fake.last;
  sock.open();
  await wa.connection.settled();
  sender = new OutboxSender(w.deps, { channels: { whatsapp: wa.channel }, sleep: async (ms) => w.clock.advance(ms) });
});
afterAll(async () => {
  await wa?.connection.stop();
  await w?.close();
});

/** Hand over what the socket delivered, then send every reply (moving the fake clock past pacing). */
async function settle(): Promise<void> {
  await wa.inbound.idle();
  for (let i = 0; i < 50; i++) {
    if ((await sender.tick()) > 0) continue;
    const next = await w.prisma.outboundMessage.findFirst({
      where: { channel: "whatsapp", status: "queued" },
      orderBy: { next_attempt_at: "asc" },
    });
    if (!next) return;
    w.clock.advance(Math.max(1, next.next_attempt_at.getTime() - w.clock.now().getTime()));
  }
}

const whatsappIdentities = () => w.prisma.channelIdentity.findMany({ where: { channel: "whatsapp" } });

describe("WhatsApp inbound", () => {
  it("delivers a redelivered message (same id) once", async () => {
    const jid = "4520000010@s.whatsapp.net";
    sock.receive(jid, "/help", { id: "DUP-1", pushName: "Carl" });
    sock.receive(jid, "/help", { id: "DUP-1", pushName: "Carl" });
    await settle();
    expect(await w.prisma.inboundMessage.count({ where: { external_id: "wa:DUP-1" } })).toBe(1);
    expect(sock.textsTo(jid)).toHaveLength(1);
    const identity = await w.prisma.channelIdentity.findUniqueOrThrow({
      where: { channel_address: { channel: "whatsapp", address: "+4520000010" } },
    });
    expect(identity.display_name).toBe("Carl");
  });

  it("ignores history syncs, our own messages and groups", async () => {
    const before = await w.prisma.inboundMessage.count();
    sock.upsert(
      { key: { remoteJid: "4520000011@s.whatsapp.net", id: "H1" }, message: { conversation: "old" } },
      "append",
    );
    sock.upsert({
      key: { remoteJid: "4520000011@s.whatsapp.net", id: "H2", fromMe: true },
      message: { conversation: "x" },
    });
    sock.upsert({
      key: { remoteJid: "1203630@g.us", id: "H3", participant: "1@s.whatsapp.net" },
      message: { conversation: "hi" },
    });
    await settle();
    expect(await w.prisma.inboundMessage.count()).toBe(before);
  });

  it("keeps one identity for one person first seen by LID, then by phone", async () => {
    const { id: userId, code } = await contractorWithCode(w, "Lid HVAC");
    const lid = "201234567890123@lid";
    sock.receive(lid, `/start ${code}`, { pushName: "Lars" });
    await settle();
    expect(sock.textsTo(lid).join("\n")).toMatch(/Welcome, Lid HVAC!/);
    const byLid = await w.prisma.channelIdentity.findUniqueOrThrow({
      where: { channel_address: { channel: "whatsapp", address: "201234567890123@lid" } },
    });
    expect(byLid.user_id).toBe(userId);

    sock.ev.emit("chats.phoneNumberShare", { lid, jid: "4520000020@s.whatsapp.net" });
    sock.receive("4520000020@s.whatsapp.net", "/help");
    sock.receive(`${lid.replace("@lid", ":3@lid")}`, "/help"); // a linked device of the same person
    await settle();
    const mine = (await whatsappIdentities()).filter((i) => i.user_id === userId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: byLid.id, address: "+4520000020", wa_lid: lid });
    const inbound = await w.prisma.inboundMessage.findMany({ where: { identity_id: byLid.id } });
    expect(inbound).toHaveLength(3);
    // Both answers (to the phone and to the LID message) went to the one address, the phone.
    expect(sock.textsTo("4520000020@s.whatsapp.net")).toHaveLength(2);
  });

  it("merges a LID-only identity into the phone identity when a message names both", async () => {
    sock.receive("4520000030@s.whatsapp.net", "hello", { pushName: "Pia" });
    sock.receive("301234567890123@lid", "hello again", { pushName: "Pia" });
    await settle();
    expect((await whatsappIdentities()).filter((i) => i.display_name === "Pia")).toHaveLength(2);
    sock.receive("301234567890123@lid", "third", { key: { senderPn: "4520000030@s.whatsapp.net" } });
    await settle();
    const pia = (await whatsappIdentities()).filter((i) => i.display_name === "Pia");
    expect(pia).toHaveLength(1);
    expect(pia[0]).toMatchObject({ address: "+4520000030", wa_lid: "301234567890123@lid" });
    expect(await w.prisma.inboundMessage.count({ where: { identity_id: pia[0]?.id } })).toBe(3);
  });

  it("links a WhatsApp number to the customer who has that phone", async () => {
    const { id: ownerId } = await contractorWithCode(w, "Owner HVAC");
    const customer = await w.prisma.customer.create({
      data: { owner_id: ownerId, name: "Nina Holm", phone: "+4520000040", status: "lead" },
    });
    sock.receive("4520000040@s.whatsapp.net", "Is Tuesday fine?");
    await settle();
    const identity = await w.prisma.channelIdentity.findUniqueOrThrow({
      where: { channel_address: { channel: "whatsapp", address: "+4520000040" } },
    });
    expect(identity.customer_id).toBe(customer.id);
    const stored = await w.prisma.message.findFirst({ where: { customer_id: customer.id, direction: "inbound" } });
    expect(stored?.message_text).toBe("Is Tuesday fine?");
  });

  it("records received media (type, mimetype, size) and keeps the message to download it", async () => {
    sock.upsert({
      key: { remoteJid: "4520000050@s.whatsapp.net", id: "MEDIA-1" },
      message: {
        imageMessage: {
          caption: "the unit",
          mimetype: "image/jpeg",
          fileLength: 48213,
          mediaKey: Buffer.from([1, 2, 3]),
          directPath: "/v/t62/abc",
        },
      },
    });
    await settle();
    const row = await w.prisma.inboundMessage.findUniqueOrThrow({
      where: { channel_external_id: { channel: "whatsapp", external_id: "wa:MEDIA-1" } },
    });
    expect(row.text).toBe("the unit");
    expect((row.payload as { attachments?: unknown[] }).attachments).toEqual([
      { kind: "photo", ref: "wa:MEDIA-1", mimetype: "image/jpeg", sizeBytes: 48213 },
    ]);
    const kept = await w.prisma.whatsappMessage.findFirstOrThrow({ where: { message_id: "MEDIA-1" } });
    expect(JSON.stringify(kept.message)).toMatch(/\/v\/t62\/abc/);
    expect(await wa.downloadMedia("wa:UNKNOWN")).toBeNull();
  });

  it("answers Baileys' retry requests from the message store", async () => {
    const sent = sock.sent.at(-1);
    expect(sent).toBeDefined();
    const again = await sock.getMessage({ id: sent?.id, remoteJid: sent?.jid, fromMe: true });
    expect(again?.extendedTextMessage?.text).toBe(sent?.content.text);
    expect(await sock.getMessage({ id: "NOPE" })).toBeUndefined();
  });
});
