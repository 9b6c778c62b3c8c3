/**
 * The event write paths agree: the one-statement paths (a known customer; a new person) store
 * what the transactional path would, plan from the customer's current state even when this
 * process remembers an older one, pick up edited automation rules at once, and make one
 * customer for one new person however many events about them arrive together.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payloadHash } from "../../core/crm/canonical-json.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeMarketer } from "./fixtures.js";
import { createCrmApp, DAY, HOUR } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let me: string;
let mine: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  app = await createCrmApp(w);
  me = (await makeMarketer(w.prisma)).id;
  mine = await apiKey(w, me);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

let seq = 0;
const iso = (ms: number) => new Date(ms).toISOString();
const post = (payload: object) => app.inject({ method: "POST", url: "/api/events", headers: mine, payload });

describe("event write paths", () => {
  it("a first event about a new person makes the lead, its identities, reminders and STATUS_CHANGED at once", async () => {
    const at = w.clock.now().getTime() - 2 * HOUR;
    const body = {
      event_id: `paths-${++seq}`,
      event_name: "VIDEO_SENT",
      timestamp: iso(at),
      source: "whatsapp",
      customer: { name: "Vera Video", email: "vera@example.com", phone: "602-555-0188", handle: "vera.v" },
      utm: { utm_source: "wa" },
    };
    const res = await post(body);
    expect(res.statusCode).toBe(201);
    const { customer_id: id, result } = res.json();
    expect(result).toMatchObject({ customer_id: id, customer_created: true, rules: ["video_sent_follow_ups"] });
    expect(result.status_change).toEqual({ from: "lead", to: "presentation_sent" });
    const person = await w.prisma.customer.findUniqueOrThrow({ where: { id } });
    expect(person).toMatchObject({
      owner_id: me,
      name: "Vera Video",
      email: "vera@example.com",
      phone: "+16025550188",
      handles: { whatsapp: "vera.v" },
      utm_json: { utm_source: "wa" },
      status: "lead",
      lead_source: "whatsapp",
      pipeline_status: "presentation_sent",
    });
    expect(person.stage_entered_at.getTime()).toBe(at);
    expect(person.last_activity_at.getTime()).toBe(at);
    const identities = await w.prisma.channelIdentity.findMany({
      where: { customer_id: id },
      orderBy: { channel: "asc" },
    });
    expect(identities.map((i) => [i.channel, i.address])).toEqual([
      ["email", "vera@example.com"],
      ["sms", "+16025550188"],
    ]);
    const reminders = await w.prisma.reminder.findMany({
      where: { customer_id: id },
      orderBy: { scheduled_for: "asc" },
    });
    expect(reminders.map((r) => [r.type, r.scheduled_for.getTime() - at, r.dedupe_key])).toEqual([
      ["follow_up_24h", DAY, `evt:${body.event_id}:follow_up_24h`],
      ["follow_up_48h", 2 * DAY, `evt:${body.event_id}:follow_up_48h`],
    ]);
    expect(result.reminders.map((r: { id: string }) => r.id)).toEqual(reminders.map((r) => r.id));
    for (const r of reminders) expect(w.scheduler.pending.get(`reminder:${r.id}`)).toEqual(r.scheduled_for);
    const moved = await w.prisma.eventLog.findFirstOrThrow({
      where: { event_id: `${body.event_id}:status`, owner_id: me },
    });
    const properties = { from: "lead", to: "presentation_sent", cause: body.event_id };
    expect(moved).toMatchObject({ event_name: "STATUS_CHANGED", customer_id: id, owner_id: me, properties });
    // The fingerprint the statement computed for an id it drew equals the one the service computes.
    expect(moved.payload_hash).toBe(
      payloadHash({ event_id: moved.event_id, customer_id: id, timestamp: new Date(at), properties }),
    );
    // The replay answers the stored original, byte for byte.
    const again = await post(body);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(res.body);
  });

  it("ten events at once about one new person make one customer", async () => {
    const t = iso(w.clock.now().getTime());
    const names = ["DM_STARTED", "INVITE_SENT", "VIDEO_SENT", "MEETING_BOOKED", "FOLLOW_UP"];
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post({
          event_id: `paths-race-${++seq}`,
          event_name: names[i % names.length] as string,
          timestamp: t,
          source: "ig",
          // Half name the person by e-mail and handle, half by e-mail only: the same person.
          customer: i % 2 ? { email: "race@example.com" } : { email: "race@example.com", handle: "race.me" },
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(201));
    const ids = new Set(answers.map((a) => a.json().customer_id));
    expect(ids.size).toBe(1);
    expect(await w.prisma.customer.count({ where: { owner_id: me, email: "race@example.com" } })).toBe(1);
    expect(answers.filter((a) => a.json().result.customer_created)).toHaveLength(1);
    expect(await w.prisma.channelIdentity.count({ where: { address: "race@example.com" } })).toBe(1);
  });

  it("plans from the customer's current state, not the state the last event left", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const t = () => iso(w.clock.now().getTime());
    expect(
      (await post({ event_id: `paths-${++seq}`, event_name: "INVITE_SENT", timestamp: t(), customer_id: c.id })).json()
        .result.status_change,
    ).toEqual({ from: "lead", to: "invited" });
    // Changed behind this process's back (another process, the panel, SQL).
    await w.prisma.customer.update({ where: { id: c.id }, data: { pipeline_status: "signed_up", name: "Renamed" } });
    const booked = await post({
      event_id: `paths-${++seq}`,
      event_name: "MEETING_BOOKED",
      timestamp: t(),
      customer_id: c.id,
    });
    expect(booked.statusCode).toBe(201);
    expect(booked.json().result.status_change).toBeNull();
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } })).pipeline_status).toBe("signed_up");
    // And the reminders name the customer as they are called now.
    await w.prisma.customer.update({ where: { id: c.id }, data: { pipeline_status: "qualified" } });
    const video = await post({
      event_id: `paths-${++seq}`,
      event_name: "VIDEO_SENT",
      timestamp: t(),
      customer_id: c.id,
    });
    expect(video.json().result.status_change).toEqual({ from: "qualified", to: "presentation_sent" });
    const msgs = await w.prisma.reminder.findMany({ where: { customer_id: c.id }, select: { message: true } });
    expect(msgs.every((m) => m.message.includes("Renamed"))).toBe(true);
  });

  it("an edited automation rule is in force from the very next event", async () => {
    const t = () => iso(w.clock.now().getTime());
    const first = await makeCustomer(w.prisma, { owner_id: me });
    const before = await post({
      event_id: `paths-${++seq}`,
      event_name: "FOLLOW_UP",
      timestamp: t(),
      customer_id: first.id,
    });
    expect(before.json().result.rules).toEqual(["follow_up_logged"]);
    const rule = await w.prisma.automationRule.create({
      data: {
        owner_id: me,
        name: "follow_up_nudge",
        trigger: "FOLLOW_UP",
        actions: [{ type: "reminder", reminder_type: "follow_up_2h", message: "Nudge {{name}}" }],
      },
    });
    const second = await makeCustomer(w.prisma, { owner_id: me });
    const after = await post({
      event_id: `paths-${++seq}`,
      event_name: "FOLLOW_UP",
      timestamp: t(),
      customer_id: second.id,
    });
    expect(after.json().result.rules).toEqual(["follow_up_logged", "follow_up_nudge"]);
    expect(after.json().result.reminders.map((r: { type: string }) => r.type)).toEqual(["follow_up_2h"]);
    await w.prisma.automationRule.update({ where: { id: rule.id }, data: { is_active: false } });
    const third = await post({
      event_id: `paths-${++seq}`,
      event_name: "FOLLOW_UP",
      timestamp: t(),
      customer_id: second.id,
    });
    expect(third.json().result.rules).toEqual(["follow_up_logged"]);
    await w.prisma.automationRule.delete({ where: { id: rule.id } });
  });
});
