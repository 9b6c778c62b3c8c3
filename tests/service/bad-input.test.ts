import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Customer, Job, Technician } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeJob, makeTechnician } from "../support/factories.js";
import { caller, type Headers, serviceSetup } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let mine: Headers;
let me: string;
let other: string;
let call: ReturnType<typeof caller>;
let customer: Customer;
let job: Job;
let tech: Technician;

beforeAll(async () => {
  w = await createWorld();
  ({ app, mine, me, other } = await serviceSetup(w));
  call = caller(app);
  customer = await makeCustomer(w.prisma, { owner_id: me });
  tech = await makeTechnician(w.prisma, { owner_id: me });
  job = await makeJob(w.prisma, { owner_id: me, customer_id: customer.id, technician_id: tech.id });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

/** Every row a refused request could have written (and the audit trail). */
async function snapshot() {
  const p = w.prisma;
  const [payments, expenses, appliances, reviews, ratings, followUps, jobs, audits, customers] = await Promise.all([
    p.payment.count(),
    p.expense.count(),
    p.appliance.count(),
    p.review.count(),
    p.customerTechnicianRating.count(),
    p.serviceFollowUp.count(),
    p.job.count(),
    p.auditLog.count(),
    p.customer.findMany({
      orderBy: { id: "asc" },
      select: { id: true, referred_by_id: true, preferred_contact_times: true, preferred_technician_id: true },
    }),
  ]);
  return { payments, expenses, appliances, reviews, ratings, followUps, jobs, audits, customers };
}

/** The request is refused with `status`, `code` and an error naming `field`, and nothing is written. */
async function refused(
  req: [string, string, unknown],
  expected: { status: number; code: string; field: string },
  headers: Headers = mine,
) {
  const before = await snapshot();
  const res = await call(headers, req[0] as "POST", req[1], req[2]);
  expect(res.status, res.raw).toBe(expected.status);
  expect(res.body.error.code).toBe(expected.code);
  const fields = (res.body.error.details ?? []).map((d: { field: string | null }) => d.field ?? "");
  expect(
    fields.some((f: string) => f.startsWith(expected.field)),
    res.raw,
  ).toBe(true);
  expect(res.body.error.message).toContain(expected.field);
  expect(await snapshot()).toEqual(before);
}

const bad = (field: string) => ({ status: 400, code: "VALIDATION_FAILED", field });

describe("bad input is refused, naming the field, with nothing written", () => {
  it.each([0, 6, 2.5, "5"])("a review rating of %j", async (rating) => {
    await refused(["POST", "/api/reviews", { job_id: job.id, rating }], bad("rating"));
  });

  it.each([0, 6])("a technician rating of %j", async (rating) => {
    await refused(
      ["POST", `/api/customers/${customer.id}/technician-rating`, { technician_id: tech.id, job_id: job.id, rating }],
      bad("rating"),
    );
  });

  it("a satisfaction rating of 6 on a follow-up", async () => {
    await refused(["POST", "/api/follow-ups", { job_id: job.id, satisfaction_rating: 6 }], bad("satisfaction_rating"));
  });

  it.each([-5, "-0.01", "1.005", 12.345, "10000000.01", 0, "ten"])("a payment amount of %j", async (amount) => {
    await refused(["POST", "/api/payments", { customer_id: customer.id, amount }], bad("amount"));
  });

  it.each([-1, "3.999"])("an expense amount of %j", async (amount) => {
    await refused(["POST", "/api/expenses", { customer_id: customer.id, amount }], bad("amount"));
  });

  it("a 3-decimal correction of an existing payment", async () => {
    const p = await call(mine, "POST", "/api/payments", { customer_id: customer.id, amount: "10.00" });
    expect(p.status).toBe(201);
    await refused(["PUT", `/api/payments/${p.body.id}`, { amount: "10.001" }], bad("amount"));
  });

  it.each(["bitcoin", "CASH", ""])("an unknown payment method %j", async (payment_method) => {
    await refused(
      ["POST", "/api/payments", { customer_id: customer.id, amount: "10.00", payment_method }],
      bad("payment_method"),
    );
  });

  it.each([
    { weekdays: "morning" },
    { weekdays: ["midnight"] },
    { weekdays: ["morning", "morning"] },
    { mondays: ["any"] },
    {},
    ["morning"],
    "mornings",
  ])("contact times of the wrong shape: %j", async (preferred_contact_times) => {
    await refused(
      ["PUT", `/api/customers/${customer.id}/communication-preferences`, { preferred_contact_times }],
      bad("preferred_contact_times"),
    );
    await refused(
      ["PUT", `/api/customers/${customer.id}`, { preferred_contact_times }],
      bad("preferred_contact_times"),
    );
  });

  it("a self-referral", async () => {
    const body = { referred_by_id: customer.id };
    await refused(["PUT", `/api/customers/${customer.id}/referred-by`, body], bad("referred_by_id"));
    await refused(["PUT", `/api/customers/${customer.id}`, body], bad("referred_by_id"));
  });

  it("a referral cycle, direct or through others", async () => {
    const a = await makeCustomer(w.prisma, { owner_id: me });
    const b = await makeCustomer(w.prisma, { owner_id: me });
    const c = await makeCustomer(w.prisma, { owner_id: me });
    // b referred a, a referred c: a chain c → a → b.
    expect((await call(mine, "PUT", `/api/customers/${a.id}/referred-by`, { referred_by_id: b.id })).status).toBe(200);
    expect((await call(mine, "PUT", `/api/customers/${c.id}`, { referred_by_id: a.id })).status).toBe(200);
    await refused(["PUT", `/api/customers/${b.id}/referred-by`, { referred_by_id: a.id }], bad("referred_by_id"));
    await refused(["PUT", `/api/customers/${b.id}/referred-by`, { referred_by_id: c.id }], bad("referred_by_id"));
    await refused(["PUT", `/api/customers/${b.id}`, { referred_by_id: c.id }], bad("referred_by_id"));
    // Not a cycle: c may be re-pointed at b (c → b).
    expect((await call(mine, "PUT", `/api/customers/${c.id}/referred-by`, { referred_by_id: b.id })).status).toBe(200);
  });

  it("a job for another owner's customer is 404, like a missing one", async () => {
    const theirs = await makeCustomer(w.prisma, { owner_id: other });
    await refused(["POST", "/api/jobs", { customer_id: theirs.id, title: "Not mine" }], {
      status: 404,
      code: "NOT_FOUND",
      field: "customer_id",
    });
    const missing = await call(mine, "POST", "/api/jobs", {
      customer_id: "00000000-0000-4000-8000-000000000000",
      title: "Nobody",
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe("customer_id: customer not found");
  });

  it("another owner's technician on my job is 404", async () => {
    const theirTech = await makeTechnician(w.prisma, { owner_id: other });
    await refused(["POST", "/api/jobs", { customer_id: customer.id, title: "X", technician_id: theirTech.id }], {
      status: 404,
      code: "NOT_FOUND",
      field: "technician_id",
    });
  });

  it.each(["2026-01-07", "2030-01-01T00:00:00Z"])("an appliance installed in the future (%s)", async (install_date) => {
    await refused(["POST", "/api/appliances", { customer_id: customer.id, type: "water_heater", install_date }], {
      ...bad("install_date"),
    });
  });

  it("a completion date on a job that is not completed, or in the future", async () => {
    await refused(
      ["POST", "/api/jobs", { customer_id: customer.id, title: "X", completion_date: "2026-01-01T00:00:00Z" }],
      bad("completion_date"),
    );
    await refused(
      [
        "POST",
        "/api/jobs",
        { customer_id: customer.id, title: "X", status: "completed", completion_date: "2026-02-01T00:00:00Z" },
      ],
      bad("completion_date"),
    );
  });

  it("a SCHEDULED follow-up without its time", async () => {
    await refused(["POST", "/api/follow-ups", { job_id: job.id, status: "SCHEDULED" }], bad("follow_up_date"));
  });
});
