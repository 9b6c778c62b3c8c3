import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isStaleEstimate, stageUrgency, staleEstimateWhere } from "../../core/crm/deal-rules.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { linkChat, makeContractor, makeCustomer, makeDeal, makeJob, makePipeline, makeTechnician } from "./fixtures.js";
import { createCrmApp, DAY } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let me: string;
let mine: { authorization: string };
let theirs: { authorization: string };
let theirId: string;

beforeAll(async () => {
  w = await createWorld();
  app = await createCrmApp(w);
  me = (await makeContractor(w.prisma)).id;
  theirId = (await makeContractor(w.prisma)).id;
  mine = await apiKey(w, me);
  theirs = await apiKey(w, theirId);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("stale estimates and the tech-upsell loop", () => {
  it("a deal in 'Sent' for more than 3 days with no activity is stale (pure rule and query agree)", async () => {
    const now = w.clock.now();
    const old = new Date(now.getTime() - 3 * DAY - 1);
    const base = { status: "open", stage_name: "Sent", stage_entered_at: old, last_activity_at: old };
    expect(isStaleEstimate(base, now)).toBe(true);
    expect(isStaleEstimate({ ...base, stage_name: "sent " }, now)).toBe(true);
    expect(isStaleEstimate({ ...base, last_activity_at: now }, now)).toBe(false);
    expect(isStaleEstimate({ ...base, stage_name: "Negotiation" }, now)).toBe(false);
    expect(isStaleEstimate({ ...base, status: "won" }, now)).toBe(false);
    // The boundary: strictly more than 3 days; at exactly 3 days neither the stage nor the quiet counts.
    const exactly = new Date(now.getTime() - 3 * DAY);
    expect(isStaleEstimate({ ...base, stage_entered_at: exactly }, now)).toBe(false);
    expect(isStaleEstimate({ ...base, last_activity_at: exactly }, now)).toBe(false);
    expect([2, 5, 9].map(stageUrgency)).toEqual(["fresh", "aging", "stale"]);
    const p = await makePipeline(w.prisma);
    const sent = p.stages.find((s) => s.name === "Sent")?.id as string;
    const stale = await makeDeal(w.prisma, {
      owner_id: me,
      pipeline_id: p.id,
      stage_id: sent,
      stage_entered_at: old,
      last_activity_at: old,
    });
    await makeDeal(w.prisma, {
      owner_id: me,
      pipeline_id: p.id,
      stage_id: sent,
      stage_entered_at: old,
      last_activity_at: now,
    });
    const atBoundary = await makeDeal(w.prisma, {
      owner_id: me,
      pipeline_id: p.id,
      stage_id: sent,
      stage_entered_at: old,
      last_activity_at: new Date(now.getTime() - 3 * DAY),
    });
    const found = await w.prisma.deal.findMany({ where: { ...staleEstimateWhere(now), pipeline_id: p.id } });
    expect(found.map((d) => d.id)).toEqual([stale.id]);
    // The query and the predicate agree on both sides of the boundary, one millisecond apart.
    const later = new Date(now.getTime() + 1);
    expect(isStaleEstimate({ ...base, last_activity_at: atBoundary.last_activity_at }, later)).toBe(true);
    const foundLater = await w.prisma.deal.findMany({ where: { ...staleEstimateWhere(later), pipeline_id: p.id } });
    expect(foundLater.map((d) => d.id).sort()).toEqual([stale.id, atBoundary.id].sort());
  });

  it("closing a job as 'Equipment End of Life' makes one Replacements deal and tells the sales manager once", async () => {
    const manager = await makeContractor(w.prisma, { role: "sales_manager", name: "Sam Manager" });
    await linkChat(w.prisma, manager.id);
    await w.prisma.user.update({ where: { id: me }, data: { manager_id: manager.id } });
    const tech = await makeTechnician(w.prisma, { owner_id: me, name: "John" });
    const c = await makeCustomer(w.prisma, { owner_id: me, property_address: "123 Main St", property_city: "Phoenix" });
    const job = await makeJob(w.prisma, { customer_id: c.id, technician_id: tech.id, title: "AC check" });
    const close = () =>
      app.inject({
        method: "POST",
        url: `/api/jobs/${job.id}/close`,
        headers: mine,
        payload: { resolution: "Equipment End of Life" },
      });
    const first = await close();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      created: true,
      job: { status: "completed", resolution: "Equipment End of Life" },
    });
    const again = await Promise.all([close(), close()]);
    expect(again.map((r) => r.json().created)).toEqual([false, false]);
    const pipeline = await w.prisma.dealPipeline.findFirstOrThrow({
      where: { owner_id: null, name: "Replacements" },
      include: { stages: true },
    });
    const deals = await w.prisma.deal.findMany({ where: { pipeline_id: pipeline.id, customer_id: c.id } });
    expect(deals).toHaveLength(1);
    expect(deals[0]?.stage_id).toBe(pipeline.stages.find((s) => s.position === 0)?.id);
    const notices = await w.prisma.outboundMessage.findMany({ where: { kind: "tech_upsell" } });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      user_id: manager.id,
      body: "Tech John just flagged a system for replacement at 123 Main St, Phoenix.",
    });
    // An ordinary resolution does nothing; another contractor cannot close my job.
    const other = await makeJob(w.prisma, { customer_id: c.id });
    const fixed = await app.inject({
      method: "POST",
      url: `/api/jobs/${other.id}/close`,
      headers: mine,
      payload: { resolution: "Fixed" },
    });
    expect(fixed.json()).toMatchObject({ created: false, deal: null });
    const stranger = await app.inject({
      method: "POST",
      url: `/api/jobs/${other.id}/close`,
      headers: theirs,
      payload: { resolution: "Equipment End of Life" },
    });
    expect(stranger.statusCode).toBe(404);
    expect(await w.prisma.deal.count({ where: { pipeline_id: pipeline.id } })).toBe(1);
  });

  it("without a sales manager the owner is told", async () => {
    await linkChat(w.prisma, theirId);
    const c = await makeCustomer(w.prisma, { owner_id: theirId, name: "Solo" });
    const job = await makeJob(w.prisma, { customer_id: c.id });
    const r = await app.inject({
      method: "POST",
      url: `/api/jobs/${job.id}/close`,
      headers: theirs,
      payload: { resolution: "equipment end of life" },
    });
    expect(r.json().created).toBe(true);
    const n = await w.prisma.outboundMessage.findFirstOrThrow({ where: { kind: "tech_upsell", user_id: theirId } });
    expect(n.body).toBe("Tech (unassigned) just flagged a system for replacement at Solo's property.");
  });
});
