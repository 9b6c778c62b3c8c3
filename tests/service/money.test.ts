import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_AMOUNT_CENTS, parseAmountCents } from "../../core/money.js";
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

describe("amounts in cents", () => {
  it.each([
    ["0.10", 10],
    [0.1, 10],
    [0.2, 20],
    ["100.07", 10_007],
    [100.07, 10_007],
    ["1.500", 150],
    ["450", 45_000],
    [" 12.3 ", 1_230],
    ["10000000.00", MAX_AMOUNT_CENTS],
    ["0", 0],
  ])("%j is %d cents", (input, cents) => {
    expect(parseAmountCents(input)).toEqual({ ok: true, cents });
  });

  it.each([
    ["1.005", "too_many_decimals"],
    [1.005, "too_many_decimals"],
    ["0.001", "too_many_decimals"],
    ["-1", "negative"],
    [-0.01, "negative"],
    ["10000000.01", "too_large"],
    [1e12, "too_large"],
    ["1e3", "not_an_amount"],
    ["12,50", "not_an_amount"],
    [Number.NaN, "not_an_amount"],
    [null, "not_an_amount"],
  ])("%j is refused: %s", (input, problem) => {
    expect(parseAmountCents(input)).toEqual({ ok: false, problem });
  });
});

describe("financials exact to the cent", () => {
  it("job and customer profit on 0.10 + 0.20 + 100.07 − 0.03 − 10.01", async () => {
    // The float sum is not 90.33: the service must not add floats.
    expect(0.1 + 0.2 + 100.07 - 0.03 - 10.01).not.toBe(90.33);
    const customer = await makeCustomer(w.prisma, { owner_id: me });
    const job = await call(mine, "POST", "/api/jobs", { customer_id: customer.id, title: "Water heater flush" });
    expect(job.status, job.raw).toBe(201);
    const jobId = job.body.id;

    const pay = (body: object) => call(mine, "POST", "/api/payments", { customer_id: customer.id, ...body });
    const spend = (body: object) => call(mine, "POST", "/api/expenses", body);
    for (const r of [
      await pay({ amount: 0.1, payment_method: "cash" }),
      await pay({ amount: "0.20", payment_method: "card", job_id: jobId }),
      await pay({ amount: 100.07, payment_method: "bank_transfer", job_id: jobId }),
      await spend({ customer_id: customer.id, amount: "0.03", description: "parking" }),
      await spend({ job_id: jobId, amount: 10.01, description: "anode rod" }),
    ]) {
      expect(r.status, r.raw).toBe(201);
    }

    const jobFin = await call(mine, "GET", `/api/jobs/${jobId}/financials`);
    expect(jobFin.status).toBe(200);
    expect(jobFin.body).toMatchObject({
      job_id: jobId,
      customer_id: customer.id,
      payments_total: "100.27",
      payments_count: 2,
      expenses_total: "10.01",
      expenses_count: 1,
      profit: "90.26",
    });

    const fin = await call(mine, "GET", `/api/customers/${customer.id}/financials`);
    expect(fin.body).toMatchObject({
      payments_total: "100.37",
      expenses_total: "10.04",
      expenses_count: 2,
      profit: "90.33",
      net: "90.33",
    });
    expect(fin.body.payments_by_method).toEqual({ cash: "0.10", card: "0.20", transfer: "100.07" });

    const card = await call(mine, "GET", `/api/customers/${customer.id}`);
    expect(card.body.financials).toMatchObject({ profit: "90.33" });
    expect(card.body.payments.map((p: { amount: string }) => p.amount).sort()).toEqual(["0.10", "0.20", "100.07"]);
    expect(card.body.counts).toMatchObject({ payments: 3, expenses: 2, jobs: 1 });

    const list = await call(mine, "GET", `/api/expenses?customer_id=${customer.id}`);
    expect(list.body).toMatchObject({ total: 2, page: 1, per_page: 50 });
    expect(list.body.data.map((e: { amount: string }) => e.amount).sort()).toEqual(["0.03", "10.01"]);
  });

  it("a corrected amount changes the profit; a deleted payment leaves it", async () => {
    const customer = await makeCustomer(w.prisma, { owner_id: me });
    const p = await call(mine, "POST", "/api/payments", { customer_id: customer.id, amount: "99.99" });
    expect(p.body).toMatchObject({ amount: "99.99", payment_method: null, owner_id: me });
    const put = await call(mine, "PUT", `/api/payments/${p.body.id}`, {
      amount: "100.01",
      payment_method: "financing",
    });
    expect(put.body).toMatchObject({ amount: "100.01", payment_method: "financing" });
    expect((await call(mine, "GET", `/api/customers/${customer.id}/financials`)).body.profit).toBe("100.01");
    expect((await call(mine, "DELETE", `/api/payments/${p.body.id}`)).status).toBe(200);
    expect((await call(mine, "GET", `/api/customers/${customer.id}/financials`)).body.profit).toBe("0.00");
    expect((await call(mine, "GET", `/api/payments/${p.body.id}`)).status).toBe(404);
  });
});
