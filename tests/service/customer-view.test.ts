import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CARD_LIST_LIMIT } from "../../core/crm/customer-card.js";
import type { Customer } from "../../prisma/generated/client.js";
import { FACTORY_NOW, makeCustomer, makeTechnician } from "../support/factories.js";
import { caller, createCountingWorld, type Headers, serviceSetup } from "./support.js";

let w: Awaited<ReturnType<typeof createCountingWorld>>;
let app: FastifyInstance;
let mine: Headers;
let me: string;
let call: ReturnType<typeof caller>;

beforeAll(async () => {
  w = await createCountingWorld();
  ({ app, mine, me } = await serviceSetup(w));
  call = caller(app);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

/** A customer with `n` of every history row seed 004's view shows (jobs, payments, expenses…). */
async function customerWithHistory(n: number): Promise<Customer> {
  const p = w.prisma;
  const c = await makeCustomer(p, { owner_id: me, preferred_contact_times: { weekdays: ["morning"] } });
  const tech = await makeTechnician(p, { owner_id: me });
  await p.customer.update({ where: { id: c.id }, data: { preferred_technician_id: tech.id } });
  const at = (i: number) => new Date(FACTORY_NOW.getTime() - i * 60_000);
  await p.job.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      owner_id: me,
      customer_id: c.id,
      technician_id: tech.id,
      title: `Job ${i}`,
      status: "completed" as const,
      completion_date: at(i),
      created_at: at(i),
    })),
  });
  const jobs = await p.job.findMany({ where: { customer_id: c.id }, select: { id: true } });
  const jobOf = (i: number) => (jobs[i % jobs.length] as { id: string }).id;
  await p.payment.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      owner_id: me,
      customer_id: c.id,
      job_id: jobOf(i),
      amount: "0.10",
      payment_method: "card" as const,
      paid_at: at(i),
    })),
  });
  await p.expense.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      owner_id: me,
      job_id: jobOf(i),
      customer_id: i % 2 === 0 ? c.id : null,
      amount: "0.03",
      incurred_at: at(i),
    })),
  });
  await p.appliance.createMany({
    data: Array.from({ length: n }, (_, i) => ({ customer_id: c.id, type: `unit ${i}` })),
  });
  await p.review.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      customer_id: c.id,
      job_id: jobOf(i),
      technician_id: tech.id,
      rating: 5,
    })),
  });
  await p.customerTechnicianRating.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      customer_id: c.id,
      job_id: jobOf(i),
      technician_id: tech.id,
      rating: 4,
    })),
  });
  await p.serviceFollowUp.createMany({
    data: Array.from({ length: n }, (_, i) => ({ customer_id: c.id, job_id: jobOf(i), status: "COMPLETED" as const })),
  });
  await p.customer.createMany({
    data: Array.from({ length: n }, (_, i) => ({ owner_id: me, name: `Referred ${i}`, referred_by_id: c.id })),
  });
  return c;
}

/** The SQL statements one GET /api/customers/:id sends. */
async function queriesFor(id: string) {
  const before = w.queries.length;
  const res = await call(mine, "GET", `/api/customers/${id}`);
  expect(res.status, res.raw).toBe(200);
  return { count: w.queries.length - before, card: res.body };
}

describe("the customer view (GET /api/customers/:id)", () => {
  it("issues the same, bounded number of queries at 10 and at 1,000 records of each kind", async () => {
    const small = await customerWithHistory(10);
    const large = await customerWithHistory(1_000);
    // Warm both up once (API-key bookkeeping), then count.
    await queriesFor(small.id);
    await queriesFor(large.id);
    const a = await queriesFor(small.id);
    const b = await queriesFor(large.id);
    expect(b.count).toBe(a.count);
    expect(a.count).toBeGreaterThan(0);
    expect(a.count).toBeLessThanOrEqual(30);

    // The whole view in one response: lists capped, counts and money over the whole history.
    expect(b.card.payments).toHaveLength(CARD_LIST_LIMIT);
    expect(b.card.counts).toMatchObject({
      jobs: 1_000,
      payments: 1_000,
      expenses: 1_000,
      appliances: 1_000,
      reviews: 1_000,
      technician_ratings: 1_000,
      follow_ups: 1_000,
      referrals: 1_000,
    });
    expect(b.card.financials).toMatchObject({ payments_total: "100.00", expenses_total: "30.00", profit: "70.00" });
    expect(a.card.financials).toMatchObject({ payments_total: "1.00", expenses_total: "0.30", profit: "0.70" });
    for (const key of ["jobs", "payments", "expenses", "appliances", "reviews", "technician_ratings", "follow_ups"]) {
      expect(a.card[key], key).toHaveLength(10);
    }
    expect(a.card.referrals).toHaveLength(10);
    expect(a.card.preferred_technician).toMatchObject({ id: expect.any(String) });
    expect(a.card.preferred_contact_times).toEqual({ weekdays: ["morning"] });
    expect(a.card.language_preference).toBe("en");
    expect(a.card.jobs[0]).toMatchObject({ technician: { name: expect.any(String) }, reviews: expect.any(Array) });
    expect(a.card.technician_ratings[0]).toMatchObject({ rating: 4, technician: { name: expect.any(String) } });
  });
});
