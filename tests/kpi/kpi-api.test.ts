import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoutesApp } from "../segments/routes-app.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeEvent, makeMarketer, makeSequence } from "../support/factories.js";

const HOUR = 3_600_000;
const NOW = new Date("2026-01-08T18:00:00.000Z");
let w: TestWorld;
let app: FastifyInstance;
let a: string;
let m: string;
let keyA: { authorization: string };
let keyM: { authorization: string };
let admin: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  app = await createRoutesApp(w);
  a = (await makeContractor(w.prisma, { timezone: "America/Phoenix" })).id;
  m = (await makeMarketer(w.prisma, { timezone: "Europe/Copenhagen" })).id;
  keyA = await apiKey(w, a);
  keyM = await apiKey(w, m);
  admin = await apiKey(w);
  for (const [owner, revenue] of [
    [a, "1200.00"],
    [a, "800.00"],
    [m, "500.00"],
  ] as const) {
    await makeSequence(w.prisma, {
      owner_id: owner,
      started_at: new Date(NOW.getTime() - 48 * HOUR),
      status: "completed",
      outcome: "converted",
      outcome_at: new Date(NOW.getTime() - HOUR),
      revenue_usd: revenue,
      est_value_usd: "2000.00",
    });
  }
  await makeEvent(w.prisma, { owner_id: m, event_name: "INVITE_SENT", timestamp: new Date(NOW.getTime() - HOUR) });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const get = (url: string, headers: { authorization: string }) => app.inject({ url, headers });

describe("KPI API", () => {
  it("scopes every dashboard to the key's owner; an admin sees all or names one", async () => {
    expect((await get("/api/kpi/pulse", keyA)).json()).toEqual({
      enrolled_7_days: 2,
      active_now: 0,
      engaged_24h: 0,
      converted: 2,
    });
    expect((await get("/api/kpi/pulse", admin)).json().converted).toBe(3);
    expect((await get(`/api/kpi/pulse?owner_id=${m}`, admin)).json().converted).toBe(1);
    expect((await get(`/api/kpi/pulse?owner_id=${m}`, keyA)).statusCode).toBe(403);

    const weekly = (await get("/api/kpi/weekly", keyA)).json();
    expect(weekly).toMatchObject({
      jobs_booked: 2,
      revenue_usd: 2000,
      timezone: "America/Phoenix",
      trend: null,
      trend_label: "new",
    });
    expect((await get("/api/kpi/value", keyA)).json()).toMatchObject({
      est_value_usd: 4000,
      revenue_usd: 2000,
      pitch: "We generated $4k in opportunities. You closed $2k. Let's go get the rest.",
    });
    const activity = (await get("/api/kpi/activity?per_page=3", keyA)).json().data;
    expect(activity).toHaveLength(3);
    expect(activity[0]).toMatchObject({ type: "booked", sequence_type: "replacement_urgent" });
    expect((await get("/api/kpi/activity?per_page=500", keyA)).statusCode).toBe(400);
    const market = (await get("/api/kpi/marketplace?weeks=4", keyA)).json();
    expect(market).toMatchObject({ won: 0, contact_rate: 0, first_response_minutes: { median: null, count: 0 } });
    expect(market.revenue_per_week).toHaveLength(4);
  });

  it("DMO: a marketer's own, or any user's for an admin who names them", async () => {
    const own = (await get("/api/kpi/dmo", keyM)).json();
    expect(own).toMatchObject({ user_id: m, timezone: "Europe/Copenhagen", invites: { today: 1, week: 1, goal: 5 } });
    expect((await get(`/api/kpi/dmo?user_id=${a}`, keyM)).statusCode).toBe(403);
    expect((await get("/api/kpi/dmo", admin)).statusCode).toBe(400);
    expect((await get(`/api/kpi/dmo?user_id=${m}`, admin)).json().invites.today).toBe(1);
    expect((await get("/api/kpi/dmo?user_id=00000000-0000-4000-8000-000000000000", admin)).statusCode).toBe(404);
    const ticker = (await get("/api/kpi/ticker?event=INVITE_SENT", keyM)).json().data;
    expect(ticker).toEqual([expect.objectContaining({ event_name: "INVITE_SENT" })]);
    expect((await get("/api/kpi/ticker", keyA)).json().data).toEqual([]);
  });

  it("needs a key", async () => {
    expect((await app.inject({ url: "/api/kpi/pulse" })).statusCode).toBe(401);
  });
});
