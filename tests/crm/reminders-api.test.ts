import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dueCrmKeys, reconcileCrm } from "../../core/crm/deadlines.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { linkChat, makeContractor, makeCustomer, makeMarketer } from "./fixtures.js";
import { createCrmApp, DAY, HOUR } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let me: string;
let mine: { authorization: string };
let theirs: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  app = await createCrmApp(w);
  me = (await makeMarketer(w.prisma)).id;
  await linkChat(w.prisma, me);
  mine = await apiKey(w, me);
  theirs = await apiKey(w, (await makeContractor(w.prisma)).id);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const notices = (kind: string) =>
  w.prisma.outboundMessage.findMany({ where: { user_id: me, kind }, orderBy: { created_at: "asc" } });
const noticesFor = async (reminderId: string) =>
  (await notices("reminder_due")).filter((n) => (n.payload as { reminderId?: string }).reminderId === reminderId);

describe("interactions", () => {
  it("create / update / list / upcoming / delete, and a new interaction is the customer's activity", async () => {
    const c = await makeCustomer(w.prisma, {
      owner_id: me,
      last_activity_at: new Date(w.clock.now().getTime() - 3 * DAY),
    });
    const call = await app.inject({
      method: "POST",
      url: "/api/interactions",
      headers: mine,
      payload: { customer_id: c.id, type: "call", direction: "outbound", content: "Talked about the video" },
    });
    expect(call.statusCode).toBe(201);
    expect(call.json()).toMatchObject({ owner_id: me, created_by: me, completed: true });
    const row = await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.last_activity_at).toEqual(w.clock.now());
    expect(row.last_contacted_at).toEqual(w.clock.now());
    const meeting = await app.inject({
      method: "POST",
      url: "/api/interactions",
      headers: mine,
      payload: {
        customer_id: c.id,
        type: "meeting",
        notes: "Zoom",
        scheduled_for: new Date(w.clock.now().getTime() + DAY).toISOString(),
      },
    });
    expect(meeting.json()).toMatchObject({ completed: false, content: "Zoom" });
    const upcoming = (await app.inject({ url: "/api/interactions/upcoming?per_page=5", headers: mine })).json();
    expect(upcoming.data.map((i: { id: string }) => i.id)).toEqual([meeting.json().id]);
    const done = await app.inject({
      method: "PUT",
      url: `/api/interactions/${meeting.json().id}`,
      headers: mine,
      payload: { completed: true, content: "Zoom held" },
    });
    expect(done.json()).toMatchObject({ completed: true, content: "Zoom held" });
    expect((await app.inject({ url: "/api/interactions/upcoming", headers: mine })).json().data).toHaveLength(0);
    const list = (await app.inject({ url: `/api/interactions/customer/${c.id}`, headers: mine })).json();
    expect(list.total).toBe(2);
    const del = await app.inject({ method: "DELETE", url: `/api/interactions/${call.json().id}`, headers: mine });
    expect(del.json().deleted).toBe(true);
    const bad = await app.inject({
      method: "POST",
      url: "/api/interactions",
      headers: mine,
      payload: { customer_id: c.id, type: "fax" },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("another contractor gets 404 on every interaction route and sees nothing upcoming", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const i = await app.inject({
      method: "POST",
      url: "/api/interactions",
      headers: mine,
      payload: {
        customer_id: c.id,
        type: "note",
        content: "private",
        scheduled_for: new Date(w.clock.now().getTime() + HOUR).toISOString(),
      },
    });
    const id = i.json().id;
    for (const [method, url, payload] of [
      ["GET", `/api/interactions/customer/${c.id}`],
      ["POST", "/api/interactions", { customer_id: c.id, type: "note" }],
      ["PUT", `/api/interactions/${id}`, { content: "x" }],
      ["DELETE", `/api/interactions/${id}`],
    ] as Array<[string, string, object?]>) {
      expect(
        (await app.inject({ method: method as "GET", url, headers: theirs, payload })).statusCode,
        `${method} ${url}`,
      ).toBe(404);
    }
    expect((await app.inject({ url: "/api/interactions/upcoming", headers: theirs })).json().data).toHaveLength(0);
    expect((await w.prisma.customerInteraction.findUniqueOrThrow({ where: { id } })).content).toBe("private");
  });
});

describe("reminders", () => {
  it("typed reminders fall due their delay from now; custom needs a time; due lists flag overdue; complete is idempotent", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const now = w.clock.now().getTime();
    const r2h = await app.inject({
      method: "POST",
      url: "/api/reminders",
      headers: mine,
      payload: { customer_id: c.id, type: "follow_up_2h" },
    });
    expect(r2h.statusCode).toBe(201);
    expect(new Date(r2h.json().scheduled_for).getTime()).toBe(now + 2 * HOUR);
    const noTime = await app.inject({
      method: "POST",
      url: "/api/reminders",
      headers: mine,
      payload: { customer_id: c.id, message: "x" },
    });
    expect(noTime.json().error.details[0].field).toBe("scheduled_for");
    const own = await app.inject({
      method: "POST",
      url: "/api/reminders",
      headers: mine,
      payload: { type: "custom", scheduled_for: new Date(now + 30 * 60_000).toISOString(), message: "Plan the week" },
    });
    expect(own.json()).toMatchObject({ owner_id: me, customer_id: null });
    w.clock.advance(3 * HOUR);
    const due = (await app.inject({ url: "/api/reminders/due", headers: mine })).json();
    const byId = new Map(due.data.map((r: { id: string; overdue: boolean }) => [r.id, r.overdue]));
    expect(byId.get(own.json().id)).toBe(true); // due 2.5h ago
    expect(byId.get(r2h.json().id)).toBe(false); // due 1h ago, not yet overdue
    const first = await app.inject({ method: "POST", url: `/api/reminders/${r2h.json().id}/complete`, headers: mine });
    w.clock.advance(60_000);
    const second = await app.inject({ method: "POST", url: `/api/reminders/${r2h.json().id}/complete`, headers: mine });
    expect(second.json()).toEqual(first.json());
    expect(first.json().completed).toBe(true);
    expect(
      (await app.inject({ url: "/api/reminders/due", headers: mine })).json().data.map((r: { id: string }) => r.id),
    ).not.toContain(r2h.json().id);
  });

  it("the reminder wake-up tells the owner in chat exactly once; a completed one stays silent", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me, name: "Karen Holm" });
    const r = await app.inject({
      method: "POST",
      url: "/api/reminders",
      headers: mine,
      payload: { customer_id: c.id, type: "follow_up_24h", message: "Ask about the video" },
    });
    const quiet = await app.inject({
      method: "POST",
      url: "/api/reminders",
      headers: mine,
      payload: { customer_id: c.id, type: "follow_up_24h" },
    });
    await app.inject({ method: "POST", url: `/api/reminders/${quiet.json().id}/complete`, headers: mine });
    expect(w.scheduler.pending.has(`reminder:${r.json().id}`)).toBe(true);
    expect(await w.advance(23 * HOUR)).not.toContain(`reminder:${r.json().id}`);
    const fired = await w.advance(HOUR);
    expect(fired).toContain(`reminder:${r.json().id}`);
    await reconcileCrm(w.deps); // a second, late wake-up changes nothing
    await w.runDue();
    const sent = await noticesFor(r.json().id);
    expect(sent).toHaveLength(1);
    expect(await noticesFor(quiet.json().id)).toHaveLength(0);
    expect(sent[0]?.body).toBe("Reminder — Karen Holm: Ask about the video");
    const row = await w.prisma.reminder.findUniqueOrThrow({ where: { id: r.json().id } });
    expect(row.notified_at).toEqual(w.clock.now());
  });

  it("another contractor gets 404 on reminder routes and sees none due", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const r = await app.inject({
      method: "POST",
      url: "/api/reminders",
      headers: mine,
      payload: { customer_id: c.id, type: "custom", scheduled_for: w.clock.now().toISOString() },
    });
    expect(
      (await app.inject({ method: "POST", url: `/api/reminders/${r.json().id}/complete`, headers: theirs })).statusCode,
    ).toBe(404);
    expect(
      (
        await app.inject({
          method: "POST",
          url: "/api/reminders",
          headers: theirs,
          payload: { customer_id: c.id, type: "follow_up_2h" },
        })
      ).statusCode,
    ).toBe(404);
    expect((await app.inject({ url: `/api/reminders/due?customer_id=${c.id}`, headers: theirs })).statusCode).toBe(404);
    expect((await app.inject({ url: "/api/reminders/due", headers: theirs })).json().total).toBe(0);
    expect((await w.prisma.reminder.findUniqueOrThrow({ where: { id: r.json().id } })).completed).toBe(false);
  });
});

describe("inactivity: 7 days quiet → one reconnect reminder per quiet period", () => {
  it("found by the reconciler, once; new activity starts a new period", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me, name: "Lars", last_activity_at: w.clock.now() });
    const out = await makeCustomer(w.prisma, {
      owner_id: me,
      last_activity_at: w.clock.now(),
      opted_out_at: w.clock.now(),
    });
    const client = await makeCustomer(w.prisma, { owner_id: me, status: "active", last_activity_at: w.clock.now() });
    const quietSince = w.clock.now().getTime();
    w.clock.advance(7 * DAY - 1);
    expect(await dueCrmKeys(w.deps, w.clock.now())).not.toContain(`inactive:${c.id}`);
    w.clock.advance(1);
    const keys = await dueCrmKeys(w.deps, w.clock.now());
    expect(keys).toContain(`inactive:${c.id}`);
    expect(keys).not.toContain(`inactive:${out.id}`);
    await reconcileCrm(w.deps);
    await reconcileCrm(w.deps);
    // The active customer's quiet period is claimed (not swept again) but makes no reminder.
    expect(await w.prisma.reminder.count({ where: { customer_id: client.id } })).toBe(0);
    expect(
      (await w.prisma.customer.findUniqueOrThrow({ where: { id: client.id } })).inactivity_nudged_at,
    ).not.toBeNull();
    expect(await dueCrmKeys(w.deps, w.clock.now())).not.toContain(`inactive:${client.id}`);
    let nudges = await w.prisma.reminder.findMany({ where: { customer_id: c.id, type: "follow_up_7d" } });
    expect(nudges).toHaveLength(1);
    expect(nudges[0]?.scheduled_for.getTime()).toBe(quietSince + 7 * DAY);
    expect(nudges[0]?.message).toBe("Reconnect with Lars — quiet for 7 days");
    expect((await notices("reminder_due")).some((n) => n.body.includes("Reconnect with Lars"))).toBe(true);
    // A new interaction starts a new period: seven more quiet days → a second nudge.
    await app.inject({
      method: "POST",
      url: "/api/interactions",
      headers: mine,
      payload: { customer_id: c.id, type: "sms", direction: "inbound" },
    });
    w.clock.advance(7 * DAY);
    await reconcileCrm(w.deps);
    nudges = await w.prisma.reminder.findMany({ where: { customer_id: c.id, type: "follow_up_7d" } });
    expect(nudges).toHaveLength(2);
  });
});
