import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeExpense, makeJob, makeMarketer, makePayment } from "./fixtures.js";
import { createCrmApp, DAY } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };
let me: string;
let other: string;
let mine: { authorization: string };
let theirs: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  app = await createCrmApp(w);
  admin = await apiKey(w);
  me = (await makeMarketer(w.prisma)).id;
  other = (await makeContractor(w.prisma)).id;
  mine = await apiKey(w, me);
  theirs = await apiKey(w, other);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

async function create(headers: { authorization: string }, payload: Record<string, unknown>) {
  const res = await app.inject({ method: "POST", url: "/api/customers", headers, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe("customers API", () => {
  it("documents the CRM routes in the OpenAPI document", async () => {
    const doc = await app.inject({ url: "/api/openapi.json" });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toEqual(
      expect.arrayContaining([
        "/api/customers",
        "/api/customers/{id}/next-stage",
        "/api/interactions/upcoming",
        "/api/reminders/due",
        "/api/events",
        "/api/events/type/{t}",
        "/api/nba/analyze",
        "/api/pipelines/{id}/board",
        "/api/deals/{id}/move",
        "/api/jobs/{id}/close",
        "/api/hooks/dm",
      ]),
    );
  });

  it("creates with normalised phone and e-mail, any pipeline vocabulary stored canonical", async () => {
    const c = await create(mine, {
      name: "Anna Jensen",
      email: "Anna@Example.COM",
      phone: "(602) 555-0199",
      pipeline_status: "Booked",
      vocabulary: "recruiting",
      source: "ig",
      handles: { ig: "anna.j" },
      country: "dk",
    });
    expect(c).toMatchObject({
      owner_id: me,
      email: "anna@example.com",
      phone: "+16025550199",
      status: "lead",
      pipeline_status: "qualified",
      lead_source: "ig",
      country: "DK",
      days_in_stage: 0,
    });
    // Seed-003 clients send the canonical status as `status`: a pipeline term is read as such.
    const seed3 = await create(mine, { name: "Bo", status: "Video Sent" });
    expect(seed3).toMatchObject({ status: "lead", pipeline_status: "presentation_sent" });
  });

  it("rejects bad input with the field named and writes nothing", async () => {
    const before = await w.prisma.customer.count();
    for (const payload of [
      { name: "" },
      { name: "X", phone: "12" },
      { name: "X", email: "nope" },
      { name: "X", status: "banana" },
      { name: "X", pipeline_status: "Lost" },
      { name: "X", vocabulary: "klingon", pipeline_status: "New" },
      { name: "X", unknown_field: 1 },
      { name: "X", timezone: "Mars/Olympus" },
    ]) {
      const res = await app.inject({ method: "POST", url: "/api/customers", headers: mine, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe("VALIDATION_FAILED");
    }
    expect(await w.prisma.customer.count()).toBe(before);
    const noOwner = await app.inject({ method: "POST", url: "/api/customers", headers: admin, payload: { name: "X" } });
    expect(noOwner.json().error.details[0].field).toBe("owner_id");
    const asOther = await app.inject({
      method: "POST",
      url: "/api/customers",
      headers: mine,
      payload: { name: "X", owner_id: other },
    });
    expect(asOther.statusCode).toBe(403);
  });

  it("update: a pipeline change resets stage_entered_at and logs STATUS_CHANGED; other edits do not", async () => {
    const c = await create(mine, { name: "Carl" });
    w.clock.advance(3 * DAY);
    const notes = await app.inject({
      method: "PUT",
      url: `/api/customers/${c.id}`,
      headers: mine,
      payload: { notes: "met at the gym" },
    });
    expect(notes.json()).toMatchObject({ notes: "met at the gym", days_in_stage: 3, pipeline_status: "lead" });
    const moved = await app.inject({
      method: "PUT",
      url: `/api/customers/${c.id}`,
      headers: mine,
      payload: { pipeline_status: "invited", status: "active" },
    });
    expect(moved.json()).toMatchObject({ pipeline_status: "invited", status: "active", days_in_stage: 0 });
    expect(new Date(moved.json().stage_entered_at)).toEqual(w.clock.now());
    const events = await w.prisma.eventLog.findMany({ where: { customer_id: c.id } });
    expect(events.map((e) => [e.event_name, e.properties])).toEqual([
      ["STATUS_CHANGED", { from: "lead", to: "invited", cause: null }],
    ]);
  });

  it("next-stage walks the pipeline, sets the next action, and stops at signed_up", async () => {
    const c = await create(mine, { name: "Dora", pipeline_status: "follow_up" });
    const res = await app.inject({
      method: "POST",
      url: `/api/customers/${c.id}/next-stage`,
      headers: mine,
      payload: { next_action: "Welcome call", next_action_date: "2026-01-06T10:00:00Z" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      from: "follow_up",
      to: "signed_up",
      pipeline_status: "signed_up",
      next_action: "Welcome call",
      next_action_date: "2026-01-06T10:00:00.000Z",
    });
    const end = await app.inject({ method: "POST", url: `/api/customers/${c.id}/next-stage`, headers: mine });
    expect(end.statusCode).toBe(409);
    expect(end.json().error.code).toBe("PIPELINE_AT_END");
    const r = await create(mine, { name: "Eve" });
    const recruiting = await app.inject({
      method: "POST",
      url: `/api/customers/${r.id}/next-stage`,
      headers: mine,
      payload: { vocabulary: "recruiting" },
    });
    expect(recruiting.json().to).toBe("qualified");
  });

  it("convert makes a lead active (twice is harmless); lists filter by lifecycle or pipeline term", async () => {
    const c = await create(mine, { name: "Finn", pipeline_status: "Held", vocabulary: "recruiting" });
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ method: "POST", url: `/api/customers/${c.id}/convert`, headers: mine });
      expect(res.json().status).toBe("active");
    }
    const leads = await app.inject({ url: "/api/customers?status=lead", headers: mine });
    expect(leads.json().data.every((x: { status: string }) => x.status === "lead")).toBe(true);
    const held = await app.inject({ url: "/api/customers?status=Held&vocabulary=recruiting", headers: mine });
    expect(held.json().data.map((x: { id: string }) => x.id)).toContain(c.id);
    expect(held.json().data[0].pipeline_label).toBe("Held");
    const bad = await app.inject({ url: "/api/customers?status=banana", headers: mine });
    expect(bad.statusCode).toBe(400);
  });

  it("stats count by lifecycle and canonical status, only the key's own", async () => {
    const res = await app.inject({ url: "/api/customers/stats", headers: mine });
    const mineCount = await w.prisma.customer.count({ where: { owner_id: me } });
    expect(res.json().total).toBe(mineCount);
    expect(Object.keys(res.json().by_pipeline_status)).toHaveLength(7);
    const all = await app.inject({ url: "/api/customers/stats", headers: admin });
    expect(all.json().total).toBe(await w.prisma.customer.count());
  });

  it("communication preferences and the customer card", async () => {
    const c = await create(mine, { name: "Gry" });
    const prefs = await app.inject({
      method: "PUT",
      url: `/api/customers/${c.id}/communication-preferences`,
      headers: mine,
      payload: {
        preferred_contact_method: "whatsapp",
        preferred_contact_times: { weekdays: ["morning"], weekends: ["any"] },
        communication_frequency_preference: "minimal",
        language_preference: "da",
        quiet_hours_start: "21:00",
        quiet_hours_end: "08:00",
      },
    });
    expect(prefs.statusCode).toBe(200);
    expect(prefs.json()).toMatchObject({ preferred_contact_method: "whatsapp", language_preference: "da" });
    const badPrefs = await app.inject({
      method: "PUT",
      url: `/api/customers/${c.id}/communication-preferences`,
      headers: mine,
      payload: { quiet_hours_start: "25:00" },
    });
    expect(badPrefs.statusCode).toBe(400);
    const card = (await app.inject({ url: `/api/customers/${c.id}`, headers: mine })).json();
    expect(card.pipeline).toMatchObject({ status: "lead", labels: { recruiting: "New", frazer: null } });
    expect(card.counts).toMatchObject({ interactions: 0, jobs: 0, payments: 0, appliances: 0 });
    expect(card.nba[0]).toMatchObject({ action: "start_conversation" });
    for (const key of ["interactions", "reminders", "deals", "sequences", "events", "payments", "expenses", "jobs"]) {
      expect(Array.isArray(card[key]), key).toBe(true);
    }
  });

  it("financials: payments minus direct and job expenses, each expense once", async () => {
    const c = await create(mine, { name: "Hans" });
    const job = await makeJob(w.prisma, { customer_id: c.id, owner_id: me });
    await makePayment(w.prisma, { owner_id: me, customer_id: c.id, amount: "1200.50", payment_method: "card" });
    await makePayment(w.prisma, { owner_id: me, customer_id: c.id, amount: "99.50", payment_method: "cash" });
    await makeExpense(w.prisma, { owner_id: me, customer_id: c.id, amount: "100.00" });
    await makeExpense(w.prisma, { owner_id: me, job_id: job.id, amount: "250.25" });
    await makeExpense(w.prisma, { owner_id: me, customer_id: c.id, job_id: job.id, amount: "10.00" });
    const res = await app.inject({ url: `/api/customers/${c.id}/financials`, headers: mine });
    expect(res.json()).toMatchObject({
      payments_total: "1300.00",
      expenses_total: "360.25",
      expenses_count: 3,
      net: "939.75",
      payments_by_method: { card: "1200.50", cash: "99.50" },
    });
  });

  it("another contractor's key gets 404 on every customer route, and sees none in lists", async () => {
    const c = await create(mine, { name: "Private Person" });
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `/api/customers/${c.id}`],
      ["PUT", `/api/customers/${c.id}`, { name: "hacked" }],
      ["DELETE", `/api/customers/${c.id}`],
      ["POST", `/api/customers/${c.id}/next-stage`, {}],
      ["POST", `/api/customers/${c.id}/convert`],
      ["PUT", `/api/customers/${c.id}/communication-preferences`, { language_preference: "en" }],
      ["GET", `/api/customers/${c.id}/financials`],
    ];
    for (const [method, url, payload] of routes) {
      const res = await app.inject({ method: method as "GET", url, headers: theirs, payload: payload as object });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.code).toBe("NOT_FOUND");
    }
    const list = await app.inject({ url: "/api/customers", headers: theirs });
    expect(list.json().data.map((x: { id: string }) => x.id)).not.toContain(c.id);
    expect((await app.inject({ url: "/api/customers/stats", headers: theirs })).json().total).toBe(0);
    const still = await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(still.name).toBe("Private Person");
    // The owner and an admin can; delete really deletes.
    expect((await app.inject({ url: `/api/customers/${c.id}`, headers: admin })).statusCode).toBe(200);
    const del = await app.inject({ method: "DELETE", url: `/api/customers/${c.id}`, headers: mine });
    expect(del.json()).toEqual({ id: c.id, deleted: true });
    expect((await app.inject({ url: `/api/customers/${c.id}`, headers: mine })).statusCode).toBe(404);
    expect((await app.inject({ url: "/api/customers/not-a-uuid", headers: mine })).statusCode).toBe(404);
  });
});
