import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeDeal, makePipeline } from "./fixtures.js";
import { createCrmApp, DAY } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };
let me: string;
let mine: { authorization: string };
let theirs: { authorization: string };
let theirId: string;

beforeAll(async () => {
  w = await createWorld();
  app = await createCrmApp(w);
  admin = await apiKey(w);
  me = (await makeContractor(w.prisma)).id;
  theirId = (await makeContractor(w.prisma)).id;
  mine = await apiKey(w, me);
  theirs = await apiKey(w, theirId);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

async function myPipeline() {
  const res = await app.inject({
    method: "POST",
    url: "/api/pipelines",
    headers: mine,
    payload: {
      name: `Recruiting ${Math.random()}`,
      vocabulary: "recruiting",
      stages: [
        { name: "New", probability: 10, canonical_status: "New" },
        { name: "Booked", probability: 40, canonical_status: "Booked" },
        { name: "Held", probability: 60, canonical_status: "Held" },
        { name: "Won", probability: 100, canonical_status: "Won", is_won: true },
        { name: "Lost", probability: 0, is_lost: true },
      ],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; stages: Array<{ id: string; name: string; canonical_status: string | null }> };
}

describe("pipelines and stages", () => {
  it("creates a pipeline with stages mapped to canonical statuses; names unique per owner", async () => {
    const p = await myPipeline();
    expect(p.stages.map((s) => [s.name, s.canonical_status])).toEqual([
      ["New", "lead"],
      ["Booked", "qualified"],
      ["Held", "presentation_sent"],
      ["Won", "signed_up"],
      ["Lost", null],
    ]);
    const again = await app.inject({
      method: "POST",
      url: "/api/pipelines",
      headers: mine,
      payload: { name: "Dup" },
    });
    expect(again.statusCode).toBe(201);
    const dup = await app.inject({ method: "POST", url: "/api/pipelines", headers: mine, payload: { name: "Dup" } });
    expect(dup.statusCode).toBe(409);
    const bad = await app.inject({
      method: "POST",
      url: "/api/pipelines",
      headers: mine,
      payload: { name: "Bad", stages: [{ name: "A", probability: 101 }] },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("adds a stage at a position, moves and deletes it; probability 0–100", async () => {
    const p = await myPipeline();
    const add = await app.inject({
      method: "POST",
      url: `/api/pipelines/${p.id}/stages`,
      headers: mine,
      payload: { name: "Qualified", probability: 25, position: 1, canonical_status: "qualified" },
    });
    expect(add.statusCode).toBe(201);
    const names = async () =>
      (await app.inject({ url: "/api/pipelines", headers: mine }))
        .json()
        .data.find((x: { id: string }) => x.id === p.id)
        .stages.map((s: { name: string; position: number }) => `${s.position}:${s.name}`);
    expect(await names()).toEqual(["0:New", "1:Qualified", "2:Booked", "3:Held", "4:Won", "5:Lost"]);
    const moved = await app.inject({
      method: "PUT",
      url: `/api/pipelines/${p.id}/stages/${add.json().id}`,
      headers: mine,
      payload: { position: 3, probability: 30 },
    });
    expect(moved.json().probability).toBe(30);
    expect(await names()).toEqual(["0:New", "1:Booked", "2:Held", "3:Qualified", "4:Won", "5:Lost"]);
    expect(
      (
        await app.inject({
          method: "POST",
          url: `/api/pipelines/${p.id}/stages`,
          headers: mine,
          payload: { name: "X", probability: -1 },
        })
      ).statusCode,
    ).toBe(400);
    const del = await app.inject({
      method: "DELETE",
      url: `/api/pipelines/${p.id}/stages/${add.json().id}`,
      headers: mine,
    });
    expect(del.statusCode).toBe(200);
    expect(await names()).toEqual(["0:New", "1:Booked", "2:Held", "3:Won", "4:Lost"]);
  });

  it("shared pipelines are visible to all, changed only by admins; own pipelines are private (404)", async () => {
    const shared = await makePipeline(w.prisma);
    const p = await myPipeline();
    const theirList = (await app.inject({ url: "/api/pipelines", headers: theirs }))
      .json()
      .data.map((x: { id: string }) => x.id);
    expect(theirList).toContain(shared.id);
    expect(theirList).not.toContain(p.id);
    expect((await app.inject({ url: `/api/pipelines/${p.id}/board`, headers: theirs })).statusCode).toBe(404);
    expect(
      (
        await app.inject({
          method: "POST",
          url: `/api/pipelines/${p.id}/stages`,
          headers: theirs,
          payload: { name: "Z" },
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await app.inject({
          method: "POST",
          url: `/api/pipelines/${shared.id}/stages`,
          headers: mine,
          payload: { name: "Z" },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await app.inject({
          method: "POST",
          url: `/api/pipelines/${shared.id}/stages`,
          headers: admin,
          payload: { name: "Z" },
        })
      ).statusCode,
    ).toBe(201);
  });
});

describe("deals on the Kanban", () => {
  it("create, move (days in stage resets, customer moves forward), won with revenue; board sums", async () => {
    const p = await myPipeline();
    const stage = (name: string) => p.stages.find((s) => s.name === name)?.id as string;
    const anna = await makeCustomer(w.prisma, { owner_id: me, name: "Anna" });
    const bo = await makeCustomer(w.prisma, { owner_id: me, name: "Bo" });
    const deal = (payload: object) => app.inject({ method: "POST", url: "/api/deals", headers: mine, payload });
    const a = await deal({ customer_id: anna.id, pipeline_id: p.id, title: "Starter pack", value_usd: "1200.10" });
    expect(a.statusCode, a.body).toBe(201);
    expect(a.json()).toMatchObject({ stage_id: stage("New"), status: "open", owner_id: me });
    await deal({ customer_id: bo.id, pipeline_id: p.id, stage_id: stage("New"), title: "Team", value_usd: 800.25 });
    await deal({ customer_id: bo.id, pipeline_id: p.id, stage_id: stage("Held"), title: "Second", value_usd: 1000 });
    w.clock.advance(4 * DAY);
    let board = (await app.inject({ url: `/api/pipelines/${p.id}/board`, headers: mine })).json();
    const col = (name: string) => board.stages.find((s: { name: string }) => s.name === name);
    expect(col("New")).toMatchObject({ deal_count: 2, value_usd: "2000.35", weighted_value_usd: "200.04" });
    expect(col("Held")).toMatchObject({ deal_count: 1, value_usd: "1000.00", weighted_value_usd: "600.00" });
    const annaCard = col("New").deals.find((d: { customer: { name: string } }) => d.customer.name === "Anna");
    expect(annaCard).toMatchObject({ days_in_stage: 4, urgency: "aging", value_usd: "1200.1" });
    expect(board.totals).toEqual({ deal_count: 3, value_usd: "3000.35", weighted_value_usd: "800.04" });

    const moved = await app.inject({
      method: "POST",
      url: `/api/deals/${a.json().id}/move`,
      headers: mine,
      payload: { stage_id: stage("Booked") },
    });
    expect(moved.statusCode).toBe(200);
    expect(new Date(moved.json().stage_entered_at)).toEqual(w.clock.now());
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: anna.id } })).pipeline_status).toBe("qualified");
    const won = await app.inject({
      method: "POST",
      url: `/api/deals/${a.json().id}/move`,
      headers: mine,
      payload: { stage_id: stage("Won"), revenue_usd: 1250 },
    });
    expect(won.json()).toMatchObject({ status: "won", revenue_usd: "1250" });
    expect(won.json().closed_at).not.toBeNull();
    const lost = await app.inject({
      method: "PUT",
      url: `/api/deals/${a.json().id}`,
      headers: mine,
      payload: { status: "lost", lost_reason: "Went elsewhere" },
    });
    expect(lost.json()).toMatchObject({ status: "lost", lost_reason: "Went elsewhere" });
    board = (await app.inject({ url: `/api/pipelines/${p.id}/board`, headers: mine })).json();
    expect(board.stages.find((s: { name: string }) => s.name === "Won").deals[0].days_in_stage).toBe(0);

    const other = await makePipeline(w.prisma);
    const wrong = await app.inject({
      method: "POST",
      url: `/api/deals/${a.json().id}/move`,
      headers: mine,
      payload: { stage_id: other.stages[0]?.id },
    });
    expect(wrong.json().error.code).toBe("STAGE_NOT_IN_PIPELINE");
  });

  it("another contractor cannot see, create on, edit or move my deals (404), nor see them on a shared board", async () => {
    const shared = await makePipeline(w.prisma);
    const c = await makeCustomer(w.prisma, { owner_id: me });
    const d = await makeDeal(w.prisma, { customer_id: c.id, pipeline_id: shared.id, value_usd: "999.00" });
    const board = (await app.inject({ url: `/api/pipelines/${shared.id}/board`, headers: theirs })).json();
    expect(board.totals.deal_count).toBe(0);
    expect(
      (await app.inject({ url: `/api/pipelines/${shared.id}/board`, headers: mine })).json().totals.deal_count,
    ).toBe(1);
    for (const [method, url, payload] of [
      ["POST", "/api/deals", { customer_id: c.id, pipeline_id: shared.id, title: "steal" }],
      ["PUT", `/api/deals/${d.id}`, { title: "x" }],
      ["POST", `/api/deals/${d.id}/move`, { stage_id: shared.stages[1]?.id }],
    ] as Array<[string, string, object]>) {
      expect(
        (await app.inject({ method: method as "POST", url, headers: theirs, payload })).statusCode,
        `${method} ${url}`,
      ).toBe(404);
    }
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: d.id } })).title).toBe(d.title);
  });
});
