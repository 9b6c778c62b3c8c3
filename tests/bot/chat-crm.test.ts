/**
 * The contractor's CRM in chat, through the sandbox API: /card with fuzzy names (own customers
 * only), logging by plain text with undo, reminders at the right local time, next stage, pausing
 * nurturing, /today with one-tap buttons — and an open window still getting plain text.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeMarketer, makeReminder, makeSequence } from "../support/factories.js";
import { MIN, marketplaceBasics, newLead, sandboxApp, sandboxClient, textsOf } from "./helpers.js";

const HOUR = 60 * MIN;
let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let carla: User;
let anna: Customer;
let berg: Customer;
let bo: Customer;
let olga: Customer;
const S = "sbx-crm";
const say = (text: string, extra: Record<string, unknown> = {}) =>
  chat.say(S, `contractor:${carla.id}`, { text, ...extra });
const press = (choice: string) => chat.say(S, `contractor:${carla.id}`, { choice });

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h" });
  await marketplaceBasics(w);
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  // Monday 2026-01-05 09:00 UTC = 02:00 in Phoenix.
  carla = await makeContractor(w.prisma, { name: "Carla Cool", timezone: "America/Phoenix" });
  anna = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Jensen" });
  berg = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Berg" });
  bo = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Bo Lund" });
  const otto = await makeContractor(w.prisma, { name: "Otto Other" });
  olga = await makeCustomer(w.prisma, { owner_id: otto.id, name: "Olga Secret" });
  await makeCustomer(w.prisma, { owner_id: otto.id, name: "Anna Hidden" });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("/card", () => {
  it("matches names loosely and asks which one when several match equally", async () => {
    const [ask] = await say("/card anna");
    expect(ask?.text).toBe("2 customers match “anna”. Which one?");
    expect(ask?.buttons.map((b) => b.label).sort()).toEqual(["Anna Berg", "Anna Jensen"]);
    const [card] = await press(ask?.buttons.find((b) => b.label === "Anna Jensen")?.data ?? "");
    expect(card?.text).toMatch(/^🗂 Anna Jensen\nLead · stage: Lead \(0 days\)/);
    expect(card?.text).toMatch(/No interactions logged yet\./);
    expect(card?.text).toMatch(/No nurturing running\./);
    expect(card?.buttons.map((b) => b.data)).toEqual([
      `act:stage:${anna.id}`,
      `svc:jd:${anna.id}`,
      `svc:ap:${anna.id}`,
    ]);
    expect(textsOf(await say("/card Jensne"))).toMatch(/^🗂 Anna Jensen/); // a typo still finds her
    expect(textsOf(await say("/card"))).toMatch(/Whose card\?/);
  });

  it("never reaches another contractor's customers, by name, button or text", async () => {
    expect(textsOf(await say("/card Olga"))).toBe(
      "I can't find a customer called “Olga” among yours. /card NAME searches your customers.",
    );
    expect(textsOf(await say("/card Secret"))).toMatch(/can't find a customer called “Secret”/);
    expect((await say("/card anna"))[0]?.buttons).toHaveLength(2); // not Otto's Anna Hidden
    expect(textsOf(await press(`act:card:${olga.id}`))).toBe("I can't find that customer among yours any more.");
    expect(textsOf(await press(`act:stage:${olga.id}`))).toMatch(/can't find that customer/);
    expect(textsOf(await say("called Olga, about her roof"))).toMatch(/can't find a customer called “Olga”/);
    expect(await w.prisma.customerInteraction.count({ where: { customer_id: olga.id } })).toBe(0);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: olga.id } })).pipeline_status).toBe("lead");
  });
});

describe("logging by plain text", () => {
  it("logs an interaction with the type from the verb, and undoes it", async () => {
    const [ok] = await say("called Anna Jensen, sending the video");
    expect(ok?.text).toBe("✓ Call logged for Anna Jensen.");
    const row = await w.prisma.customerInteraction.findFirstOrThrow({ where: { customer_id: anna.id } });
    expect(row).toMatchObject({
      type: "call",
      direction: "outbound",
      content: "called Anna Jensen, sending the video",
    });
    expect(ok?.buttons.map((b) => b.data)).toEqual([`undo:${row.id}`, `act:card:${anna.id}`]);
    expect(textsOf(await press(`undo:${row.id}`))).toBe("↩️ Undone — that entry is removed.");
    expect(textsOf(await press(`undo:${row.id}`))).toBe("That entry is already gone.");
    expect(await w.prisma.customerInteraction.count({ where: { customer_id: anna.id } })).toBe(0);
  });

  it("asks which Anna, then logs on the one picked", async () => {
    const [ask] = await say("called Anna about the quote");
    expect(ask?.text).toBe("2 customers match “Anna”. Which one?");
    expect(textsOf(await press(`pick:${berg.id}`))).toBe("✓ Call logged for Anna Berg.");
    expect(textsOf(await press(`pick:${berg.id}`))).toMatch(/That choice has expired/);
    expect(await w.prisma.customerInteraction.count({ where: { customer_id: berg.id } })).toBe(1);
  });

  it("reads meetings, e-mails, texts and notes, and shows them on the card", async () => {
    expect(textsOf(await say("met Bo"))).toBe("✓ Meeting logged for Bo Lund.");
    expect(textsOf(await say("emailed bo lund the price list"))).toBe("✓ E-mail logged for Bo Lund.");
    expect(textsOf(await say("note Bo: prefers mornings"))).toBe("✓ Note logged for Bo Lund.");
    const types = await w.prisma.customerInteraction.findMany({
      where: { customer_id: bo.id },
      orderBy: { id: "asc" },
    });
    expect(types.map((i) => i.type).sort()).toEqual(["email", "meeting", "note"]);
    expect(types.find((i) => i.type === "note")?.content).toBe("prefers mornings");
    const card = textsOf(await say("/card bo"));
    expect(card).toMatch(/Last interactions \(3 in all\):\n• Jan 5 · (Meeting|E-mail|Note)/);
    expect(card).toMatch(/Note: prefers mornings/);
  });
});

describe("reminders, stages and nurturing by plain text", () => {
  it("sets a reminder at the person's local time, on the customer it names", async () => {
    const got = textsOf(await say("remind me tomorrow 9:00 to call Bo"));
    expect(got).toBe("⏰ I'll remind you Jan 6 09:00 AM about Bo Lund: call Bo");
    const r = await w.prisma.reminder.findFirstOrThrow({ where: { customer_id: bo.id } });
    expect(r.scheduled_for.toISOString()).toBe("2026-01-06T16:00:00.000Z"); // 09:00 in Phoenix
    expect(r).toMatchObject({ type: "custom", message: "call Bo" });
  });

  it("sets the person's own reminder, and explains past or unreadable times", async () => {
    expect(textsOf(await say("remind me in 2h to check the van"))).toBe("⏰ I'll remind you 04:00 AM: check the van");
    const own = await w.prisma.reminder.findFirstOrThrow({ where: { owner_id: carla.id, customer_id: null } });
    expect(own.scheduled_for.getTime()).toBe(w.clock.now().getTime() + 2 * HOUR);
    expect(textsOf(await say("remind me today 1:00 to call Bo"))).toMatch(/already passed/);
    expect(textsOf(await say("remind me whenever you like"))).toMatch(/couldn't read the time/);
  });

  it("speaks Danish and reads Danish times in Copenhagen", async () => {
    const mette = await makeMarketer(w.prisma, { name: "Mette", language: "da", timezone: "Europe/Copenhagen" });
    const kunde = await makeCustomer(w.prisma, { owner_id: mette.id, name: "Søren Ærø" });
    const got = textsOf(
      await chat.say("sbx-mette", `marketer:${mette.id}`, { text: "mind mig i morgen kl. 9 om at ringe til soren" }),
    );
    expect(got).toBe("⏰ Jeg minder dig om Søren Ærø 6. jan. 09.00: ringe til soren");
    const r = await w.prisma.reminder.findFirstOrThrow({ where: { customer_id: kunde.id } });
    expect(r.scheduled_for.toISOString()).toBe("2026-01-06T08:00:00.000Z"); // 09:00 in Copenhagen
    expect(textsOf(await chat.say("sbx-mette", `marketer:${mette.id}`, { text: "ringede til Søren" }))).toBe(
      "✓ Opkald noteret for Søren Ærø.",
    );
  });

  it("moves a customer to the next stage by text and by button", async () => {
    expect(textsOf(await say("next stage Bo"))).toBe("➡️ Bo Lund moved from Lead to Relationship.");
    expect(textsOf(await press(`act:stage:${bo.id}`))).toBe("➡️ Bo Lund moved from Relationship to Invited.");
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: bo.id } })).pipeline_status).toBe("invited");
  });

  it("pauses, resumes and stops the customer's nurturing", async () => {
    expect(textsOf(await say("pause Bo"))).toBe("Bo Lund has no nurturing running.");
    const seq = await makeSequence(w.prisma, { customer_id: bo.id, sequence_type: "maintenance" });
    expect(textsOf(await say("pause Bo"))).toMatch(/^⏸ Nurturing paused for Bo Lund \(maintenance\)/);
    expect(textsOf(await say("pause Bo"))).toMatch(/already paused/);
    const card = await say("/card Bo Lund");
    expect(card[0]?.text).toMatch(/⏸ Nurturing paused: maintenance — step 1 of 3/);
    expect(card[0]?.buttons.map((b) => b.data)).toContain(`act:resume:${bo.id}`);
    expect(textsOf(await press(`act:resume:${bo.id}`))).toBe("▶️ Nurturing resumed for Bo Lund (maintenance).");
    expect(textsOf(await say("stop Bo"))).toBe("⏹ Nurturing stopped for Bo Lund (maintenance).");
    expect(await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: seq.id } })).toMatchObject({
      status: "cancelled",
      outcome: "stopped",
    });
  });
});

describe("/today", () => {
  it("lists due and overdue reminders and overdue next actions, with one-tap Done", async () => {
    const late = await makeReminder(w.prisma, {
      customer_id: anna.id,
      scheduled_for: new Date(w.clock.now().getTime() - 3 * HOUR),
      message: "send the brochure",
    });
    await w.prisma.customer.update({
      where: { id: berg.id },
      data: { next_action: "Book the site visit", next_action_date: new Date(w.clock.now().getTime() - 26 * HOUR) },
    });
    const [day] = await say("/today");
    expect(day?.text).toMatch(/^☀️ Your day — Jan 5/);
    // Due today in Phoenix: the overdue one and "check the van" at 04:00; Bo's is tomorrow.
    expect(day?.text).toMatch(
      /⏰ 2 reminders:\n• Jan 4 11:00 PM — Anna Jensen: send the brochure ⚠️ overdue\n• 04:00 AM — check the van/,
    );
    expect(day?.text).toMatch(/📌 1 overdue next action:\n• Anna Berg: Book the site visit \(was due Jan 4/);
    expect(day?.buttons.map((b) => b.data)).toContain(`done:${late.id}`);
    expect(textsOf(await press(`done:${late.id}`))).toBe("✓ Done: send the brochure");
    expect((await w.prisma.reminder.findUniqueOrThrow({ where: { id: late.id } })).completed).toBe(true);
    expect(textsOf(await press("done:00000000-0000-4000-8000-000000000000"))).toMatch(/can't find that reminder/);
  });

  it("gives marketers their daily-method counters", async () => {
    const mia = await makeMarketer(w.prisma, { name: "Mia", timezone: "America/Phoenix", dmo_invites_goal: 3 });
    const text = textsOf(await chat.say("sbx-mia", `marketer:${mia.id}`, { text: "/today" }));
    expect(text).toMatch(/Daily method today: invites 0\/3, follow-ups 0\/5/);
    expect(text).toMatch(/Nothing due today/);
  });
});

describe("an open response window", () => {
  it("still gets plain text unless it is unmistakably about a known customer", async () => {
    const c = await w.prisma.user.update({ where: { id: carla.id }, data: { service_area_zip_codes: ["85004"] } });
    const hvac = await w.prisma.category.findUniqueOrThrow({ where: { slug: "hvac" } });
    await w.prisma.user.update({
      where: { id: c.id },
      data: { contractor_categories: [hvac.id], is_contractor: true },
    });
    const a = await newLead(w, "AC repair", "Zed Window");
    const b = await newLead(w, "Furnace", "Yan Window");
    await press(`bid:${a.id}:1`);
    await press(`bid:${b.id}:1`);
    await w.advance(15 * MIN);
    await chat.fresh(S);
    const which = /^You have 2 open windows\. Which customer is this message for\?$/;
    // Not about a customer of hers: the words are an answer, so the window feature asks where to.
    expect(textsOf(await say("called Zed earlier, will call again"))).toMatch(which);
    expect(textsOf(await say("remind me what time you said?"))).toMatch(which);
    // About her own customer: logged, not sent.
    expect(textsOf(await say("called Bo, left a voicemail"))).toBe("✓ Call logged for Bo Lund.");
    expect(textsOf(await say("remind me what time you said?"))).toMatch(which);
    expect(textsOf(await press(`to:${a.id}`))).toMatch(/Sent to the customer/);
    const sent = await w.prisma.message.findMany({ where: { lead_id: a.id, direction: "outbound" } });
    expect(sent.map((m) => m.message_text)).toEqual(["remind me what time you said?"]);
  });
});
