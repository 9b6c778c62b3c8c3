import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import { makeCustomer } from "../support/factories.js";
import { type caller, type Headers, serviceWorld } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let mine: Headers;
let me: string;
let call: ReturnType<typeof caller>;

beforeAll(async () => {
  ({ w, app, mine, me, call } = await serviceWorld());
});
afterAll(() => closeTestApp(app, w));

describe("service records API (seed 004)", () => {
  it("documents every seed-004 path in the OpenAPI document", async () => {
    const doc = await app.inject({ url: "/api/openapi.json" });
    expect(Object.keys(doc.json().paths)).toEqual(
      expect.arrayContaining([
        "/api/payments",
        "/api/payments/{id}",
        "/api/expenses",
        "/api/expenses/{id}",
        "/api/appliances",
        "/api/appliances/{id}",
        "/api/reviews",
        "/api/customers/{id}/referrals",
        "/api/customers/{id}/referred-by",
        "/api/jobs/{id}/financials",
        "/api/customers/{id}/financials",
        "/api/customers/{id}/preferred-technician",
        "/api/customers/{id}/technician-ratings",
        "/api/customers/{id}/technician-rating",
        "/api/follow-ups",
        "/api/follow-ups/{id}",
        "/api/technicians",
        "/api/technicians/{id}",
        "/api/jobs",
        "/api/jobs/{id}",
        "/api/jobs/{id}/close",
      ]),
    );
  });

  it("technicians and jobs: create, update, list, close", async () => {
    const tech = await call(mine, "POST", "/api/technicians", {
      name: "Anna",
      phone: "(602) 555-0142",
      skills: ["water heaters", "Water Heaters", "hvac"],
    });
    expect(tech.status, tech.raw).toBe(201);
    expect(tech.body).toMatchObject({
      owner_id: me,
      phone: "+16025550142",
      skills: ["water heaters", "hvac"],
      is_active: true,
      rating: "0.00",
    });
    const off = await call(mine, "POST", "/api/technicians", { name: "Bo", is_active: false });
    expect((await call(mine, "GET", "/api/technicians?active=true")).body).toMatchObject({
      total: 1,
      data: [{ name: "Anna" }],
    });
    expect((await call(mine, "PUT", `/api/technicians/${off.body.id}`, { is_active: true })).body.is_active).toBe(true);

    const c = await makeCustomer(w.prisma, { owner_id: me });
    const job = await call(mine, "POST", "/api/jobs", {
      customer_id: c.id,
      technician_id: tech.body.id,
      title: "Replace anode",
      scheduled_at: "2026-01-06T15:00:00Z",
      amount_quoted: 450,
    });
    expect(job.status, job.raw).toBe(201);
    expect(job.body).toMatchObject({
      status: "scheduled",
      amount_quoted: "450.00",
      total_usd: "450.00",
      completion_date: null,
    });
    const done = await call(mine, "PUT", `/api/jobs/${job.body.id}`, { status: "completed" });
    expect(done.body).toMatchObject({ status: "completed", completion_date: w.clock.now().toISOString() });
    expect((await call(mine, "GET", `/api/jobs?status=completed&customer_id=${c.id}`)).body.total).toBe(1);
    expect((await call(mine, "GET", `/api/jobs?status=scheduled&customer_id=${c.id}`)).body.total).toBe(0);
    const closed = await call(mine, "POST", `/api/jobs/${job.body.id}/close`, { resolution: "Flushed and fixed" });
    expect(closed.status, closed.raw).toBe(200);
    expect(closed.body.job).toMatchObject({ status: "completed", resolution: "Flushed and fixed" });
    const audit = await w.prisma.auditLog.findMany({
      where: { entity_id: job.body.id },
      orderBy: { created_at: "asc" },
    });
    expect(audit.map((a) => [a.action, a.actor_kind, a.actor_user_id])).toEqual([
      ["job.created", "api_key", me],
      ["job.updated", "api_key", me],
    ]);
  });

  it("appliances: full CRUD with location, every column returned", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const a = await call(mine, "POST", "/api/appliances", {
      customer_id: c.id,
      type: "water_heater",
      brand: "Rheem",
      model_number: "XE50",
      serial_number: "S-1",
      install_date: "2016-06-01",
      last_service_date: "2026-01-05",
      location: "garage",
    });
    expect(a.status, a.raw).toBe(201);
    expect(a.body).toMatchObject({
      location: "garage",
      install_date: "2016-06-01T00:00:00.000Z",
      maintenance_due_at: null,
    });
    const put = await call(mine, "PUT", `/api/appliances/${a.body.id}`, { location: "basement", brand: null });
    expect(put.body).toMatchObject({ location: "basement", brand: null, model_number: "XE50" });
    expect((await call(mine, "GET", `/api/appliances?customer_id=${c.id}`)).body).toMatchObject({ total: 1 });
    expect((await call(mine, "DELETE", `/api/appliances/${a.body.id}`)).status).toBe(200);
    expect((await call(mine, "GET", `/api/appliances/${a.body.id}`)).status).toBe(404);
  });

  it("reviews and technician ratings refresh the technician's average; preferred technician", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const tech = (await call(mine, "POST", "/api/technicians", { name: "Carl" })).body;
    const job = (await call(mine, "POST", "/api/jobs", { customer_id: c.id, title: "Tune-up", technician_id: tech.id }))
      .body;
    const review = await call(mine, "POST", "/api/reviews", { job_id: job.id, rating: 5, comment: "Great" });
    expect(review.body).toMatchObject({ customer_id: c.id, technician_id: tech.id, rating: 5 });
    const rating = await call(mine, "POST", `/api/customers/${c.id}/technician-rating`, {
      technician_id: tech.id,
      job_id: job.id,
      rating: 4,
    });
    expect(rating.status, rating.raw).toBe(201);
    expect((await call(mine, "GET", `/api/technicians/${tech.id}`)).body.rating).toBe("4.50");
    expect((await call(mine, "GET", `/api/reviews?job_id=${job.id}`)).body).toMatchObject({ total: 1 });
    expect((await call(mine, "GET", `/api/reviews?customer_id=${c.id}`)).body.data[0].technician.name).toBe("Carl");
    const ratings = await call(mine, "GET", `/api/customers/${c.id}/technician-ratings`);
    expect(ratings.body).toMatchObject({ total: 1, data: [{ rating: 4, technician: { name: "Carl" } }] });

    const pref = await call(mine, "PUT", `/api/customers/${c.id}/preferred-technician`, { technician_id: tech.id });
    expect(pref.body.preferred_technician_id).toBe(tech.id);
    await call(mine, "PUT", `/api/technicians/${tech.id}`, { is_active: false });
    const inactive = await call(mine, "PUT", `/api/customers/${c.id}/preferred-technician`, { technician_id: tech.id });
    expect(inactive.status).toBe(400);
    expect(
      (await call(mine, "PUT", `/api/customers/${c.id}/preferred-technician`, { technician_id: null })).body
        .preferred_technician_id,
    ).toBeNull();
  });

  it("referrals: referred-by and the list", async () => {
    const a = await makeCustomer(w.prisma, { owner_id: me, name: "Ann" });
    const b = await makeCustomer(w.prisma, { owner_id: me, name: "Ben" });
    const c = await makeCustomer(w.prisma, { owner_id: me, name: "Cy" });
    for (const x of [b, c]) {
      expect((await call(mine, "PUT", `/api/customers/${x.id}/referred-by`, { referred_by_id: a.id })).status).toBe(
        200,
      );
    }
    const list = await call(mine, "GET", `/api/customers/${a.id}/referrals`);
    expect(list.body).toMatchObject({ referred_by: null, total: 2, page: 1, per_page: 50 });
    expect(list.body.data.map((r: { name: string }) => r.name).sort()).toEqual(["Ben", "Cy"]);
    expect((await call(mine, "GET", `/api/customers/${b.id}/referrals`)).body.referred_by).toMatchObject({
      name: "Ann",
    });
  });

  it("follow-ups: scheduled, answered, filtered by status and customer", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const job = (await call(mine, "POST", "/api/jobs", { customer_id: c.id, title: "Repair" })).body;
    const f = await call(mine, "POST", "/api/follow-ups", {
      job_id: job.id,
      status: "SCHEDULED",
      follow_up_date: "2026-01-08T17:00:00Z",
      channel: "sms",
    });
    expect(f.status, f.raw).toBe(201);
    expect(f.body).toMatchObject({ customer_id: c.id, status: "SCHEDULED" });
    expect((await call(mine, "GET", `/api/follow-ups?status=SCHEDULED&customer_id=${c.id}`)).body.total).toBe(1);
    const done = await call(mine, "PUT", `/api/follow-ups/${f.body.id}`, {
      status: "COMPLETED",
      satisfaction_rating: 5,
      feedback: "All good",
    });
    expect(done.body).toMatchObject({
      status: "COMPLETED",
      satisfaction_rating: 5,
      follow_up_date: "2026-01-08T17:00:00.000Z",
    });
    expect((await call(mine, "GET", `/api/follow-ups?status=SCHEDULED&customer_id=${c.id}`)).body.total).toBe(0);
    expect((await call(mine, "GET", "/api/follow-ups?status=LATER")).status).toBe(400);
  });

  it("communication preferences: the seed's contact-times shape is stored", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const prefs = {
      preferred_contact_method: "whatsapp",
      preferred_contact_times: { weekdays: ["morning", "afternoon"], weekends: ["any"], friday: ["18:00-20:00"] },
      communication_frequency_preference: "minimal",
      language_preference: "da",
    };
    const r = await call(mine, "PUT", `/api/customers/${c.id}/communication-preferences`, prefs);
    expect(r.status, r.raw).toBe(200);
    expect(r.body).toMatchObject(prefs);
  });
});
