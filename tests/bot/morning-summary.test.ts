/**
 * The morning summary on a fake clock across two time zones: the reconciler (core/wakeups.ts
 * reconcileAll) pushes each person's /today at their local 08:00, once per local day, in their
 * language, with one-tap buttons — and nothing to a contractor with nothing due.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { dueMorningSummaries } from "../../core/nba/morning-summary.service.js";
import { reconcileAll } from "../../core/wakeups.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeMarketer, makeReminder } from "../support/factories.js";
import { sandboxApp, sandboxClient } from "./helpers.js";

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let paula: User; // contractor, Phoenix (UTC−7): 08:00 local = 15:00 UTC
let kasper: User; // contractor, Copenhagen (UTC+1), Danish: 08:00 local = 07:00 UTC
let eve: User; // contractor, Copenhagen, nothing due
let mona: User; // marketer, Phoenix, nothing due: still gets her daily-method counters
let nochat: User; // contractor with no linked chat

async function person(make: Promise<User>, session: string | null, reminder = true): Promise<User> {
  const u = await make;
  if (session) await w.prisma.channelIdentity.create({ data: { channel: "sandbox", address: session, user_id: u.id } });
  if (reminder) {
    const c = await makeCustomer(w.prisma, { owner_id: u.id, name: `Client of ${u.name}` });
    await makeReminder(w.prisma, {
      customer_id: c.id,
      message: `call back ${u.name}`,
      scheduled_for: new Date("2026-01-04T12:00:00.000Z"),
      notified_at: new Date("2026-01-04T12:00:00.000Z"),
    });
  }
  return u;
}

const summaries = async () =>
  (await w.prisma.outboundMessage.findMany({ where: { kind: "morning_summary" }, orderBy: { created_at: "asc" } })).map(
    (m) => `${m.to_address}@${(m.payload as { agenda?: { date?: string } }).agenda?.date}`,
  );

async function at(iso: string): Promise<number> {
  w.clock.set(iso);
  return (await reconcileAll(w.deps)).handled;
}

beforeAll(async () => {
  w = await createWorld();
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  paula = await person(makeContractor(w.prisma, { name: "Paula", timezone: "America/Phoenix" }), "sbx-paula");
  kasper = await person(
    makeContractor(w.prisma, { name: "Kasper", timezone: "Europe/Copenhagen", language: "da" }),
    "sbx-kasper",
  );
  eve = await person(makeContractor(w.prisma, { name: "Eve", timezone: "Europe/Copenhagen" }), "sbx-eve", false);
  mona = await person(makeMarketer(w.prisma, { name: "Mona", timezone: "America/Phoenix" }), "sbx-mona", false);
  nochat = await person(makeContractor(w.prisma, { name: "Nochat", timezone: "Europe/Copenhagen" }), null);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("the morning summary", () => {
  it("waits for each person's local 08:00", async () => {
    await at("2026-01-05T06:59:00.000Z"); // 07:59 in Copenhagen, 23:59 in Phoenix
    expect(await summaries()).toEqual([]);
    expect(await dueMorningSummaries(w.deps, w.clock.now())).toEqual([]);
  });

  it("sends Copenhagen's at 08:00 there, once, in Danish with one-tap buttons", async () => {
    w.clock.set("2026-01-05T07:00:00.000Z");
    const due = await dueMorningSummaries(w.deps, w.clock.now());
    expect(due.map((d) => d.userId).sort()).toEqual([kasper.id, eve.id].sort());
    expect(due.every((d) => d.date === "2026-01-05")).toBe(true);
    expect(await at("2026-01-05T07:00:00.000Z")).toBeGreaterThanOrEqual(1);
    expect(await summaries()).toEqual(["sbx-kasper@2026-01-05"]);
    await at("2026-01-05T07:30:00.000Z");
    await at("2026-01-05T10:59:00.000Z");
    expect(await summaries()).toHaveLength(1);
    // Eve had nothing due: no message, but her day is done.
    const e = await w.prisma.user.findUniqueOrThrow({ where: { id: eve.id } });
    expect(e.morning_summary_sent_on?.toISOString().slice(0, 10)).toBe("2026-01-05");
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: nochat.id } })).morning_summary_sent_on).toBeNull();

    const [msg] = (await chat.fresh("sbx-kasper")).filter((m) => m.kind === "morning_summary");
    expect(msg?.text).toMatch(/^☀️ Godmorgen! Her er din dag — 5\. jan\./);
    expect(msg?.text).toMatch(/⏰ 1 påmindelse:\n• 4\. jan\. 13\.00 — Client of Kasper: call back Kasper ⚠️ forsinket/);
    expect(msg?.buttons[0]).toMatchObject({
      label: "✓ Klaret: Client of Kasper",
      data: expect.stringMatching(/^done:/),
    });
  });

  it("sends Phoenix's seven hours later, the marketer's with her daily method", async () => {
    await at("2026-01-05T14:59:00.000Z");
    expect(await summaries()).toHaveLength(1);
    w.clock.set("2026-01-05T15:00:00.000Z");
    const due = await dueMorningSummaries(w.deps, w.clock.now());
    expect(due.map((d) => d.userId).sort()).toEqual([paula.id, mona.id].sort());
    await at("2026-01-05T15:00:00.000Z");
    await at("2026-01-05T15:05:00.000Z");
    expect((await summaries()).sort()).toEqual(
      ["sbx-kasper@2026-01-05", "sbx-mona@2026-01-05", "sbx-paula@2026-01-05"].sort(),
    );
    const [paulas] = (await chat.fresh("sbx-paula")).filter((m) => m.kind === "morning_summary");
    expect(paulas?.text).toMatch(/^☀️ Good morning! Here is your day — Jan 5/);
    expect(paulas?.text).toMatch(/Client of Paula: call back Paula ⚠️ overdue/);
    const [monas] = (await chat.fresh("sbx-mona")).filter((m) => m.kind === "morning_summary");
    expect(monas?.text).toMatch(/Daily method today: invites 0\/5, follow-ups 0\/5/);
    expect(monas?.text).toMatch(/Nothing due today/);
  });

  it("comes again the next local morning, and a missed morning is skipped after noon", async () => {
    await at("2026-01-06T06:59:00.000Z");
    expect(await summaries()).toHaveLength(3);
    await at("2026-01-06T07:01:00.000Z");
    expect((await summaries()).filter((s) => s.startsWith("sbx-kasper@"))).toEqual([
      "sbx-kasper@2026-01-05",
      "sbx-kasper@2026-01-06",
    ]);
    // The reconciler was down through Phoenix's morning: at 12:00 there it is no longer sent.
    await at("2026-01-06T19:00:00.000Z");
    expect((await summaries()).filter((s) => s.startsWith("sbx-paula@"))).toHaveLength(1);
    // A new person linking later that morning still gets theirs before noon.
    await person(makeContractor(w.prisma, { name: "Late", timezone: "America/Phoenix" }), "sbx-late");
    await at("2026-01-07T18:59:00.000Z"); // 11:59 in Phoenix
    expect((await summaries()).filter((s) => s.startsWith("sbx-late@"))).toEqual(["sbx-late@2026-01-07"]);
    expect((await summaries()).filter((s) => s.startsWith("sbx-paula@"))).toHaveLength(2);
  });
});
