import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeMarketer } from "./fixtures.js";
import { createCrmApp, DAY, HOUR } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };
let me: string;
let mine: { authorization: string };
let theirs: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  app = await createCrmApp(w);
  admin = await apiKey(w);
  me = (await makeMarketer(w.prisma)).id;
  mine = await apiKey(w, me);
  theirs = await apiKey(w, (await makeContractor(w.prisma)).id);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

let seq = 0;
const iso = (ms: number) => new Date(ms).toISOString();
const post = (payload: unknown, headers = mine) =>
  app.inject({ method: "POST", url: "/api/events", headers, payload: payload as object });
const remindersOf = (customerId: string) =>
  w.prisma.reminder.findMany({ where: { customer_id: customerId }, orderBy: { scheduled_for: "asc" } });

async function freshCustomer(overrides: Record<string, unknown> = {}) {
  return makeCustomer(w.prisma, { owner_id: me, ...overrides });
}

describe("events: idempotent by event_id (Stripe semantics)", () => {
  it("same id + same payload → the original result (201, then 200 with the same body); changed → 409", async () => {
    const c = await freshCustomer();
    const body = {
      event_id: `evt-${++seq}`,
      event_name: "VIDEO_SENT",
      timestamp: iso(w.clock.now().getTime() - HOUR),
      source: "whatsapp",
      customer_id: c.id,
      properties: { video: "intro-3min", nested: { b: 2, a: 1 } },
      utm: { utm_source: "ig" },
    };
    const first = await post(body);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().result.reminders).toHaveLength(2);
    w.clock.advance(10 * 60_000);
    // Same payload, keys in another order: still the same payload.
    const again = await post({ ...body, properties: { nested: { a: 1, b: 2 }, video: "intro-3min" } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const changed = await post({ ...body, properties: { video: "other" } });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.code).toBe("IDEMPOTENCY_CONFLICT");
    expect(await w.prisma.eventLog.count({ where: { event_id: body.event_id } })).toBe(1);
    expect(await remindersOf(c.id)).toHaveLength(2);
  });

  it("20 concurrent identical posts store one event and one set of reminders", async () => {
    const c = await freshCustomer();
    const body = {
      event_id: `evt-race-${++seq}`,
      event_name: "NO_SHOW",
      timestamp: iso(w.clock.now().getTime()),
      customer_id: c.id,
    };
    const all = await Promise.all(Array.from({ length: 20 }, () => post(body)));
    const codes = all.map((r) => r.statusCode).sort();
    expect(codes.filter((s) => s === 201)).toHaveLength(1);
    expect(codes.filter((s) => s === 200)).toHaveLength(19);
    const bodies = new Set(all.map((r) => r.body));
    expect(bodies.size).toBe(1);
    expect(await w.prisma.eventLog.count({ where: { event_id: body.event_id } })).toBe(1);
    expect((await remindersOf(c.id)).map((r) => r.type)).toEqual(["follow_up_2h", "follow_up_1d"]);
  });

  it("another owner reusing an event_id records their own event (idempotency is per owner), never the first owner's result", async () => {
    const c = await freshCustomer();
    const body = { event_id: `evt-${++seq}`, event_name: "DM_STARTED", timestamp: iso(w.clock.now().getTime()) };
    expect((await post({ ...body, customer_id: c.id })).statusCode).toBe(201);
    const theirsToo = await post(body, theirs);
    expect(theirsToo.statusCode).toBe(201);
    expect(JSON.stringify(theirsToo.json())).not.toContain(c.id);
    expect((await post(body, theirs)).statusCode).toBe(200);
    expect(await w.prisma.eventLog.count({ where: { event_id: body.event_id } })).toBe(2);
  });

  it("rejects a bad envelope: unknown event, bad time, future time, unknown field", async () => {
    const base = { event_id: `evt-${++seq}`, event_name: "VIDEO_SENT", timestamp: iso(w.clock.now().getTime()) };
    for (const bad of [
      { ...base, event_name: "DANCED" },
      { ...base, timestamp: "yesterday" },
      { ...base, timestamp: iso(w.clock.now().getTime() + 3 * HOUR) },
      { ...base, source: "tiktok" },
      { ...base, extra: true },
      { event_name: "VIDEO_SENT", timestamp: base.timestamp },
    ]) {
      const res = await post(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect(await w.prisma.eventLog.count({ where: { event_id: base.event_id } })).toBe(0);
  });
});

describe("events drive automations, timed from the event's own timestamp", () => {
  it("VIDEO_SENT → 24h and 48h; NO_SHOW → 2h and 1d; PRESENTATION_SENT → 48h; none twice on replay", async () => {
    const cases: Array<[string, Array<[string, number]>]> = [
      [
        "VIDEO_SENT",
        [
          ["follow_up_24h", DAY],
          ["follow_up_48h", 2 * DAY],
        ],
      ],
      [
        "no-show",
        [
          ["follow_up_2h", 2 * HOUR],
          ["follow_up_1d", DAY],
        ],
      ],
      ["Presentation Sent", [["follow_up_48h", 2 * DAY]]],
    ];
    for (const [name, expected] of cases) {
      const c = await freshCustomer();
      const at = w.clock.now().getTime() - 5 * HOUR; // delivered five hours late
      const body = { event_id: `evt-${++seq}`, event_name: name, timestamp: iso(at), customer_id: c.id };
      expect((await post(body)).statusCode).toBe(201);
      expect((await post(body)).statusCode).toBe(200);
      const rows = await remindersOf(c.id);
      expect(
        rows.map((r) => [r.type, r.scheduled_for.getTime() - at]),
        name,
      ).toEqual(expected);
      expect(rows.every((r) => r.dedupe_key === `evt:${body.event_id}:${r.type}` && r.owner_id === me)).toBe(true);
      // Each reminder has its wake-up at its own time.
      for (const r of rows) expect(w.scheduler.pending.get(`reminder:${r.id}`)).toEqual(r.scheduled_for);
    }
  });

  it("LEAD_QUALIFIED sets the next action; meetings and purchases move the canonical status, forward only", async () => {
    const c = await freshCustomer();
    const t = w.clock.now().getTime();
    const send = (event_name: string, dt = 0) =>
      post({ event_id: `evt-${++seq}`, event_name, timestamp: iso(t + dt), customer_id: c.id });
    const q = await send("LEAD_QUALIFIED");
    expect(q.json().result.next_action).toEqual({ text: "Send presentation", date: iso(t + DAY) });
    let row = await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row).toMatchObject({ pipeline_status: "qualified", next_action: "Send presentation" });
    await send("MEETING_HELD", 1000);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } })).pipeline_status).toBe(
      "presentation_sent",
    );
    const back = await send("MEETING_BOOKED", 2000); // would be qualified: never backwards
    expect(back.json().result.status_change).toBeNull();
    await send("PURCHASED", 3000);
    row = await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.pipeline_status).toBe("signed_up");
    const changes = await w.prisma.eventLog.findMany({
      where: { customer_id: c.id, event_name: "STATUS_CHANGED" },
      orderBy: { timestamp: "asc" },
    });
    expect(changes.map((e) => (e.properties as { to: string }).to)).toEqual([
      "qualified",
      "presentation_sent",
      "signed_up",
    ]);
  });

  it("UNSUBSCRIBED opts out everywhere, closes open reminders, and nothing fires afterwards", async () => {
    const c = await freshCustomer();
    await w.prisma.channelIdentity.create({ data: { channel: "sms", address: c.phone as string, customer_id: c.id } });
    const t = w.clock.now().getTime();
    await post({ event_id: `evt-${++seq}`, event_name: "VIDEO_SENT", timestamp: iso(t), customer_id: c.id });
    const stop = await post({
      event_id: `evt-${++seq}`,
      event_name: "UNSUBSCRIBED",
      timestamp: iso(t + 1000),
      customer_id: c.id,
    });
    expect(stop.json().result).toMatchObject({ opted_out: true, reminders_closed: 2 });
    const after = await post({
      event_id: `evt-${++seq}`,
      event_name: "NO_SHOW",
      timestamp: iso(t + 2000),
      customer_id: c.id,
    });
    expect(after.statusCode).toBe(201);
    expect(after.json().result).toMatchObject({ skipped: "opted_out" });
    const row = await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.opted_out_at).not.toBeNull();
    expect(row.pipeline_status).toBe("presentation_sent"); // the NO_SHOW moved nothing
    expect(await w.prisma.reminder.count({ where: { customer_id: c.id, completed: false } })).toBe(0);
    expect(await w.prisma.reminder.count({ where: { customer_id: c.id } })).toBe(2);
    expect((await w.prisma.channelIdentity.findFirstOrThrow({ where: { customer_id: c.id } })).opted_out).toBe(true);
  });

  it("an inactive automation_rules row switches a default off; an owner row can add reminders", async () => {
    await w.prisma.automationRule.create({
      data: { owner_id: me, name: "presentation_follow_up", trigger: "PRESENTATION_SENT", is_active: false },
    });
    await w.prisma.automationRule.create({
      data: {
        owner_id: me,
        name: "my_invite_nudge",
        trigger: "INVITE_SENT",
        actions: [{ type: "reminder", reminder_type: "follow_up_48h", message: "Did {{name}} look?" }],
      },
    });
    const c = await freshCustomer({ name: "Ida" });
    const t = w.clock.now().getTime();
    await post({ event_id: `evt-${++seq}`, event_name: "PRESENTATION_SENT", timestamp: iso(t), customer_id: c.id });
    expect(await remindersOf(c.id)).toHaveLength(0);
    const d = await freshCustomer({ name: "Jo" });
    const r = await post({ event_id: `evt-${++seq}`, event_name: "INVITE_SENT", timestamp: iso(t), customer_id: d.id });
    expect(r.json().result.rules).toEqual(["invite_sent", "my_invite_nudge"]);
    expect((await remindersOf(d.id)).map((x) => x.message)).toEqual(["Did Jo look?"]);
  });
});

describe("events: customers by lookup, and visibility", () => {
  it("finds the owner's customer by e-mail or phone, creates a lead for someone new", async () => {
    const c = await freshCustomer({ email: "known@example.com" });
    const t = iso(w.clock.now().getTime());
    const found = await post({
      event_id: `evt-${++seq}`,
      event_name: "INVITE_SENT",
      timestamp: t,
      customer: { email: "KNOWN@example.com" },
    });
    expect(found.json().customer_id).toBe(c.id);
    const created = await post({
      event_id: `evt-${++seq}`,
      event_name: "DM_STARTED",
      timestamp: t,
      source: "ig",
      customer: { name: "New Person", handle: "new.person", phone: "602-555-0142" },
    });
    expect(created.json().result.customer_created).toBe(true);
    const person = await w.prisma.customer.findUniqueOrThrow({ where: { id: created.json().customer_id } });
    expect(person).toMatchObject({
      owner_id: me,
      status: "lead",
      pipeline_status: "lead",
      lead_source: "ig",
      phone: "+16025550142",
    });
    const byHandle = await post({
      event_id: `evt-${++seq}`,
      event_name: "INVITE_SENT",
      timestamp: t,
      source: "ig",
      customer: { handle: "new.person" },
    });
    expect(byHandle.json().customer_id).toBe(person.id);
    // Another contractor with the same e-mail gets their own record, never mine.
    const theirsEvt = await post(
      { event_id: `evt-${++seq}`, event_name: "DM_STARTED", timestamp: t, customer: { email: "known@example.com" } },
      theirs,
    );
    expect(theirsEvt.json().customer_id).not.toBe(c.id);
  });

  it("a contractor key never sees or touches another contractor's events or customers (404)", async () => {
    const c = await freshCustomer();
    const t = iso(w.clock.now().getTime());
    const evt = await post({ event_id: `evt-${++seq}`, event_name: "VIDEO_SENT", timestamp: t, customer_id: c.id });
    expect(evt.statusCode).toBe(201);
    const onTheirs = await post(
      { event_id: `evt-${++seq}`, event_name: "VIDEO_SENT", timestamp: t, customer_id: c.id },
      theirs,
    );
    expect(onTheirs.statusCode).toBe(404);
    expect((await app.inject({ url: `/api/events/customer/${c.id}`, headers: theirs })).statusCode).toBe(404);
    const list = (await app.inject({ url: "/api/events?per_page=200", headers: theirs })).json();
    expect(list.data.some((e: { customer_id: string }) => e.customer_id === c.id)).toBe(false);
    const byType = (await app.inject({ url: "/api/events/type/video-sent", headers: theirs })).json();
    expect(byType.data.some((e: { customer_id: string }) => e.customer_id === c.id)).toBe(false);
    // The owner sees them, by customer and by type; an admin sees all.
    const own = (await app.inject({ url: `/api/events/customer/${c.id}`, headers: mine })).json();
    expect(own.data.map((e: { event_name: string }) => e.event_name)).toEqual(["STATUS_CHANGED", "VIDEO_SENT"]);
    expect(own.data[0].payload_hash).toBeUndefined();
    const mineByType = (await app.inject({ url: "/api/events/type/Video Sent", headers: mine })).json();
    expect(mineByType.data.every((e: { event_name: string }) => e.event_name === "VIDEO_SENT")).toBe(true);
    expect((await app.inject({ url: "/api/events/type/nope", headers: mine })).statusCode).toBe(400);
    expect((await app.inject({ url: "/api/events", headers: admin })).json().total).toBe(
      await w.prisma.eventLog.count(),
    );
  });
});
