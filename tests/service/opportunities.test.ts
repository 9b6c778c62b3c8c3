import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeJob } from "../../core/crm/tech-upsell.service.js";
import { nurtureStaleEstimates, STALE_ESTIMATE_TEMPLATE } from "../../core/nurturing/triggers.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import {
  makeContractor,
  makeCustomer,
  makeDeal,
  makeJob,
  makeMessageTemplate,
  makePipeline,
  makeSequenceTemplate,
  makeTechnician,
} from "../support/factories.js";

const DAY = 86_400_000;

let w: TestWorld;
let app: FastifyInstance;
let me: string;
let mine: { authorization: string };
let theirs: { authorization: string };
let admin: { authorization: string };
let customerId: string;
let theirCustomerId: string;

beforeAll(async () => {
  w = await createWorld();
  w.clock.set("2026-01-07T18:00:00.000Z");
  app = await createTestApp(w);
  me = (await makeContractor(w.prisma)).id;
  const them = (await makeContractor(w.prisma)).id;
  mine = await apiKey(w, me);
  theirs = await apiKey(w, them);
  admin = await apiKey(w);
  customerId = (
    await makeCustomer(w.prisma, {
      owner_id: me,
      name: "Ruth Whitaker",
      email: "ruth@example.com",
      phone: "+16025550101",
      property_address: "12 E Palm Ln",
      property_city: "Phoenix",
      property_state: "AZ",
      property_zip: "85004",
    })
  ).id;
  theirCustomerId = (await makeCustomer(w.prisma, { owner_id: them })).id;
  await makeSequenceTemplate(w.prisma, { name: "replacement_urgent", trigger_type: "replacement" });
  await makeSequenceTemplate(w.prisma, { name: "code_violation", trigger_type: "code_violation" });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const post = (url: string, headers: { authorization: string }, payload: unknown) =>
  app.inject({ method: "POST", url, headers, payload: payload as object });
const get = (url: string, headers: { authorization: string }) => app.inject({ method: "GET", url, headers });

describe("opportunities by hand, through the API", () => {
  it("a customer id, a type and what is known of the asset are enough; contact and property are copied; the sequence is enrolled", async () => {
    const res = await post("/api/opportunities", mine, {
      customer_id: customerId,
      opportunity_type: "replacement",
      asset_brand: "Rheem",
      asset_age_years: 12.5,
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      owner_id: me,
      customer_id: customerId,
      customer_name: "Ruth Whitaker",
      customer_email: "ruth@example.com",
      customer_phone: "+16025550101",
      property_address: "12 E Palm Ln",
      property_city: "Phoenix",
      property_zip: "85004",
      opportunity_type: "replacement",
      priority: "high",
      source: "manual",
      asset_brand: "Rheem",
      status: "nurturing",
    });
    expect(Number(body.est_value_usd)).toBe(18000);
    expect(Number(body.asset_age_years)).toBe(12.5);
    expect(body.sequence).toMatchObject({ status: "active", sequence_type: "replacement_urgent" });
    expect(body.enrolment.sequenceId).toBe(body.sequence.id);
    expect(await w.prisma.nurturingSequence.count({ where: { opportunity_id: body.id } })).toBe(1);
  });

  it("refuses bad input with a 4xx naming the field, and writes nothing", async () => {
    const before = await w.prisma.opportunity.count();
    const unknownType = await post("/api/opportunities", mine, { customer_id: customerId, opportunity_type: "solar" });
    expect(unknownType.statusCode).toBe(400);
    expect(unknownType.json().error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(unknownType.json().error.details)).toContain("opportunity_type");
    const theirCustomer = await post("/api/opportunities", mine, {
      customer_id: theirCustomerId,
      opportunity_type: "maintenance",
    });
    expect(theirCustomer.statusCode).toBe(404);
    expect(theirCustomer.json().error.code).toBe("NOT_FOUND");
    const badId = await post("/api/opportunities", mine, { customer_id: "nope", opportunity_type: "maintenance" });
    expect(badId.statusCode).toBe(400);
    const negative = await post("/api/opportunities", mine, {
      customer_id: customerId,
      opportunity_type: "maintenance",
      est_value_usd: "-5.00",
    });
    expect(negative.statusCode).toBe(400);
    const threeDecimals = await post("/api/opportunities", mine, {
      customer_id: customerId,
      opportunity_type: "maintenance",
      est_value_usd: "5.001",
    });
    expect(threeDecimals.statusCode).toBe(400);
    const extra = await post("/api/opportunities", mine, {
      customer_id: customerId,
      opportunity_type: "maintenance",
      owner_id: "x",
    });
    expect(extra.statusCode).toBe(400);
    const noKey = await app.inject({ method: "POST", url: "/api/opportunities", payload: {} });
    expect(noKey.statusCode).toBe(401);
    expect(await w.prisma.opportunity.count()).toBe(before);
  });

  it("lists with ?status=, ?opportunity_type=, ?customer_id= in {data,total,page,per_page}; owners see only theirs", async () => {
    const code = await post("/api/opportunities", mine, {
      customer_id: customerId,
      opportunity_type: "code_violation",
    });
    expect(code.statusCode).toBe(201);
    const theirsMade = await post("/api/opportunities", theirs, {
      customer_id: theirCustomerId,
      opportunity_type: "maintenance",
    });
    expect(theirsMade.statusCode).toBe(201);
    expect(theirsMade.json().status).toBe("pending"); // no maintenance template: nothing to enrol

    const all = await get("/api/opportunities", mine);
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 2, page: 1, per_page: 50 });
    expect(all.json().data.every((o: { owner_id: string }) => o.owner_id === me)).toBe(true);
    const byType = await get("/api/opportunities?opportunity_type=code_violation", mine);
    expect(byType.json().data.map((o: { id: string }) => o.id)).toEqual([code.json().id]);
    const byStatus = await get("/api/opportunities?status=nurturing&per_page=1", mine);
    expect(byStatus.json()).toMatchObject({ total: 2, per_page: 1 });
    expect(byStatus.json().data).toHaveLength(1);
    const byCustomer = await get(`/api/opportunities?customer_id=${theirCustomerId}`, mine);
    expect(byCustomer.json().total).toBe(0);
    const adminSees = await get(`/api/opportunities?customer_id=${theirCustomerId}`, admin);
    expect(adminSees.json().total).toBe(1);
    expect((await get("/api/opportunities?status=open", mine)).statusCode).toBe(400);
    expect((await get("/api/opportunities?opportunity_type=solar", mine)).statusCode).toBe(400);
    expect((await get(`/api/opportunities/${theirsMade.json().id}`, mine)).statusCode).toBe(404);
  });

  it("updates an open one; closes it won with revenue (through its sequence) or lost; closing twice is 409", async () => {
    // A customer of their own: one already running the replacement template is not enrolled twice.
    const fresh = await makeCustomer(w.prisma, { owner_id: me });
    const made = await post("/api/opportunities", mine, { customer_id: fresh.id, opportunity_type: "replacement" });
    expect(made.json().sequence).not.toBeNull();
    const id = made.json().id as string;
    const upd = await app.inject({
      method: "PUT",
      url: `/api/opportunities/${id}`,
      headers: mine,
      payload: { priority: "critical" },
    });
    expect(upd.statusCode).toBe(200);
    expect(upd.json().priority).toBe("critical");
    const closeByUpdate = await app.inject({
      method: "PUT",
      url: `/api/opportunities/${id}`,
      headers: mine,
      payload: { status: "converted" },
    });
    expect(closeByUpdate.statusCode).toBe(400);
    expect((await post(`/api/opportunities/${id}/close`, theirs, { outcome: "won" })).statusCode).toBe(404);
    expect(
      (await post(`/api/opportunities/${id}/close`, mine, { outcome: "lost", revenue_usd: "10.00" })).statusCode,
    ).toBe(400);
    expect(
      (await post(`/api/opportunities/${id}/close`, mine, { outcome: "won", revenue_usd: "9000.505" })).statusCode,
    ).toBe(400);
    expect((await post(`/api/opportunities/${id}/close`, mine, { outcome: "maybe" })).statusCode).toBe(400);

    const won = await post(`/api/opportunities/${id}/close`, mine, { outcome: "won", revenue_usd: "9000.50" });
    expect(won.statusCode).toBe(200);
    expect(won.json()).toMatchObject({ status: "converted" });
    expect(won.json().revenue_usd).toBe("9000.5");
    expect(won.json().closed_at).toBe(w.clock.now().toISOString());
    const seq = await w.prisma.nurturingSequence.findFirstOrThrow({ where: { opportunity_id: id } });
    expect(seq).toMatchObject({ status: "completed", outcome: "converted" });
    expect(Number(seq.revenue_usd)).toBe(9000.5);
    expect((await post(`/api/opportunities/${id}/close`, mine, { outcome: "lost" })).statusCode).toBe(409);
    const closedUpdate = await app.inject({
      method: "PUT",
      url: `/api/opportunities/${id}`,
      headers: mine,
      payload: { priority: "low" },
    });
    expect(closedUpdate.statusCode).toBe(409);

    // No sequence behind it: closed on the opportunity alone.
    const plain = await post("/api/opportunities", theirs, {
      customer_id: theirCustomerId,
      opportunity_type: "maintenance",
    });
    const lost = await post(`/api/opportunities/${plain.json().id}/close`, theirs, {
      outcome: "lost",
      reason: "went elsewhere",
    });
    expect(lost.statusCode).toBe(200);
    expect(lost.json()).toMatchObject({ status: "lost", close_reason: "went elsewhere", revenue_usd: null });
  });

  it("POST /api/appliances/:id/forensics scores an appliance now; another owner's is 404", async () => {
    const appliance = await w.prisma.appliance.create({
      data: {
        customer_id: customerId,
        type: "water_heater",
        install_date: new Date(w.clock.now().getTime() - 10 * 365.25 * DAY),
        last_service_date: new Date(w.clock.now().getTime() - 10 * DAY),
      },
    });
    const res = await app.inject({ method: "POST", url: `/api/appliances/${appliance.id}/forensics`, headers: mine });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: appliance.id, health_score: 60, verdict: "maintain" });
    expect(res.json().forensics).toMatchObject({ failProbability12m: 0.1559, bioAgeYears: 10 });
    expect(res.json().opportunity).toMatchObject({ type: "maintenance", created: true });
    const other = await app.inject({
      method: "POST",
      url: `/api/appliances/${appliance.id}/forensics`,
      headers: theirs,
    });
    expect(other.statusCode).toBe(404);
  });
});

describe("opportunities from real work", () => {
  it("the tech-upsell loop: a job closed as End of Life makes one replacement opportunity (linked to its deal) and enrols once", async () => {
    const customer = await makeCustomer(w.prisma, { owner_id: me });
    const tech = await makeTechnician(w.prisma, { owner_id: me });
    const job = await makeJob(w.prisma, {
      owner_id: me,
      customer_id: customer.id,
      technician_id: tech.id,
      title: "No hot water",
    });
    await w.prisma.appliance.create({
      data: {
        customer_id: customer.id,
        job_id: job.id,
        type: "water_heater",
        brand: "Bradford White",
        install_date: new Date(w.clock.now().getTime() - 14 * 365.25 * DAY),
      },
    });
    const scope = { kind: "contractor" as const, ownerId: me };
    const first = await closeJob(w.deps, scope, job.id, { resolution: "Equipment End of Life" });
    const again = await closeJob(w.deps, scope, job.id, { resolution: "Equipment End of Life" });
    expect(first.ok && again.ok).toBe(true);
    const opps = await w.prisma.opportunity.findMany({ where: { source: "tech_upsell", customer_id: customer.id } });
    expect(opps).toHaveLength(1);
    expect(opps[0]).toMatchObject({
      opportunity_type: "replacement",
      asset_brand: "Bradford White",
      status: "nurturing",
    });
    expect(Math.round(Number(opps[0]?.asset_age_years))).toBe(14);
    expect(first.ok && first.value.deal?.opportunity_id).toBe(opps[0]?.id);
    expect(await w.prisma.nurturingSequence.count({ where: { opportunity_id: opps[0]?.id } })).toBe(1);
  });

  it("a stale estimate becomes one stale_estimate opportunity linked to its deal (its nurture is the stale e-mail)", async () => {
    await makeMessageTemplate(w.prisma, {
      key: STALE_ESTIMATE_TEMPLATE,
      subject: "Your quote",
      body: "Hi {{first_name}}",
    });
    const p = await makePipeline(w.prisma);
    const sent = p.stages.find((s) => s.name === "Sent")?.id as string;
    const old = new Date(w.clock.now().getTime() - 4 * DAY);
    const deal = await makeDeal(w.prisma, {
      owner_id: me,
      customer_id: customerId,
      pipeline_id: p.id,
      stage_id: sent,
      stage_entered_at: old,
      last_activity_at: old,
      value_usd: "7200.00",
    });
    await nurtureStaleEstimates(w.deps);
    await nurtureStaleEstimates(w.deps);
    const opps = await w.prisma.opportunity.findMany({ where: { source: "stale_estimate" } });
    expect(opps).toHaveLength(1);
    expect(opps[0]).toMatchObject({ opportunity_type: "stale_estimate", customer_id: customerId, status: "nurturing" });
    expect(Number(opps[0]?.est_value_usd)).toBe(7200);
    expect(opps[0]?.nurture_checked_at).not.toBeNull();
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: deal.id } })).opportunity_id).toBe(opps[0]?.id);
    expect(await w.prisma.nurturingSequence.count({ where: { opportunity_id: opps[0]?.id } })).toBe(0);
  });
});
