import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer } from "../support/factories.js";
import { caller, type Headers, serviceSetup } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let admin: Headers;
let mine: Headers;
let theirs: Headers;
let me: string;
let other: string;
let call: ReturnType<typeof caller>;
/** The other contractor's records, made through the API with their key. */
const t: Record<string, string> = {};

beforeAll(async () => {
  w = await createWorld();
  ({ app, admin, mine, theirs, me, other } = await serviceSetup(w));
  call = caller(app);
  const ok = async (method: "POST" | "PUT", url: string, body: object) => {
    const r = await call(theirs, method, url, body);
    expect(r.status, r.raw).toBeLessThan(300);
    return r.body.id as string;
  };
  t.customer = (await makeCustomer(w.prisma, { owner_id: other })).id;
  t.technician = await ok("POST", "/api/technicians", { name: "Their tech" });
  t.job = await ok("POST", "/api/jobs", { customer_id: t.customer, title: "Their job", technician_id: t.technician });
  t.payment = await ok("POST", "/api/payments", { customer_id: t.customer, amount: "10.00", job_id: t.job });
  t.expense = await ok("POST", "/api/expenses", { job_id: t.job, amount: "1.00" });
  t.appliance = await ok("POST", "/api/appliances", { customer_id: t.customer, type: "furnace" });
  t.review = await ok("POST", "/api/reviews", { job_id: t.job, rating: 5 });
  t.followUp = await ok("POST", "/api/follow-ups", { job_id: t.job });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("owner isolation", () => {
  it("a contractor key cannot read another's records: 404, and lists leave them out", async () => {
    const reads = [
      `/api/technicians/${t.technician}`,
      `/api/jobs/${t.job}`,
      `/api/jobs/${t.job}/financials`,
      `/api/payments/${t.payment}`,
      `/api/expenses/${t.expense}`,
      `/api/appliances/${t.appliance}`,
      `/api/reviews/${t.review}`,
      `/api/follow-ups/${t.followUp}`,
      `/api/customers/${t.customer}/referrals`,
      `/api/customers/${t.customer}/technician-ratings`,
      `/api/customers/${t.customer}`,
    ];
    for (const url of reads) {
      const r = await call(mine, "GET", url);
      expect(r.status, url).toBe(404);
      expect(r.body.error.code).toBe("NOT_FOUND");
      expect((await call(theirs, "GET", url)).status, url).toBe(200);
    }
    const lists = ["technicians", "jobs", "payments", "expenses", "appliances", "reviews", "follow-ups"];
    for (const list of lists) {
      const r = await call(mine, "GET", `/api/${list}?customer_id=${t.customer}`);
      expect(r.status, list).toBe(200);
      expect(r.body, list).toMatchObject({ data: [], total: 0 });
      expect((await call(theirs, "GET", `/api/${list}`)).body.total, list).toBeGreaterThan(0);
      expect((await call(admin, "GET", `/api/${list}`)).body.total, list).toBeGreaterThan(0);
    }
  });

  it("a contractor key cannot write to another's records, and nothing changes", async () => {
    const mineCustomer = (await makeCustomer(w.prisma, { owner_id: me })).id;
    const before = await w.prisma.auditLog.count();
    const writes: Array<[string, string, object | undefined]> = [
      ["PUT", `/api/technicians/${t.technician}`, { name: "Hijacked" }],
      ["PUT", `/api/jobs/${t.job}`, { title: "Hijacked" }],
      ["PUT", `/api/payments/${t.payment}`, { amount: "0.01" }],
      ["DELETE", `/api/payments/${t.payment}`, undefined],
      ["PUT", `/api/expenses/${t.expense}`, { amount: "0.01" }],
      ["DELETE", `/api/expenses/${t.expense}`, undefined],
      ["PUT", `/api/appliances/${t.appliance}`, { brand: "Hijacked" }],
      ["DELETE", `/api/appliances/${t.appliance}`, undefined],
      ["PUT", `/api/follow-ups/${t.followUp}`, { status: "COMPLETED" }],
      ["POST", "/api/payments", { customer_id: t.customer, amount: "1.00" }],
      ["POST", "/api/payments", { customer_id: mineCustomer, amount: "1.00", job_id: t.job }],
      ["POST", "/api/expenses", { job_id: t.job, amount: "1.00" }],
      ["POST", "/api/appliances", { customer_id: t.customer, type: "furnace" }],
      ["POST", "/api/reviews", { job_id: t.job, rating: 1 }],
      ["POST", "/api/follow-ups", { job_id: t.job }],
      ["POST", "/api/jobs", { customer_id: t.customer, title: "Mine now" }],
      ["POST", "/api/jobs", { customer_id: mineCustomer, title: "With their tech", technician_id: t.technician }],
      ["PUT", `/api/customers/${mineCustomer}/preferred-technician`, { technician_id: t.technician }],
      ["PUT", `/api/customers/${mineCustomer}/referred-by`, { referred_by_id: t.customer }],
      ["PUT", `/api/customers/${t.customer}/referred-by`, { referred_by_id: null }],
      [
        "POST",
        `/api/customers/${t.customer}/technician-rating`,
        { technician_id: t.technician, job_id: t.job, rating: 1 },
      ],
    ];
    for (const [method, url, body] of writes) {
      const r = await call(mine, method as "PUT", url, body);
      expect(r.status, `${method} ${url} ${r.raw}`).toBe(404);
    }
    expect(await w.prisma.auditLog.count()).toBe(before);
    const job = await call(theirs, "GET", `/api/jobs/${t.job}/financials`);
    expect(job.body).toMatchObject({ payments_total: "10.00", expenses_total: "1.00", profit: "9.00" });
    expect((await call(theirs, "GET", `/api/technicians/${t.technician}`)).body.name).toBe("Their tech");
  });

  it("a contractor key cannot act as another owner; an admin key must name one for a technician", async () => {
    const asOther = await call(mine, "POST", "/api/technicians", { name: "X", owner_id: other });
    expect(asOther.status).toBe(403);
    const noOwner = await call(admin, "POST", "/api/technicians", { name: "X" });
    expect(noOwner.status).toBe(400);
    expect(noOwner.body.error.details).toEqual([{ field: "owner_id" }]);
    const named = await call(admin, "POST", "/api/technicians", { name: "Admin-made", owner_id: me });
    expect(named.status).toBe(201);
    expect(named.body.owner_id).toBe(me);
    // An admin naming an owner whose customer it is not: 404 for the customer.
    const wrong = await call(admin, "POST", "/api/payments", { customer_id: t.customer, amount: "1.00", owner_id: me });
    expect(wrong.status).toBe(404);
    const right = await call(admin, "POST", "/api/payments", { customer_id: t.customer, amount: "1.00" });
    expect(right.status).toBe(201);
    expect(right.body.owner_id).toBe(other);
  });
});
