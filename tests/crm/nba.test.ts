import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NbaInput, nextBestActions } from "../../core/nba/rules.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeMarketer } from "./fixtures.js";
import { createCrmApp, DAY, HOUR } from "./support.js";

const NOW = new Date("2026-01-05T09:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const customer = (o: Partial<NbaInput["customer"]> = {}): NbaInput["customer"] => ({
  name: "Anna",
  status: "lead",
  pipeline_status: "invited",
  opted_out_at: null,
  last_activity_at: ago(HOUR),
  stage_entered_at: ago(DAY),
  next_action: null,
  next_action_date: null,
  ...o,
});
const actions = (input: Partial<NbaInput>) =>
  nextBestActions({ customer: customer(), reminders: [], events: [], now: NOW, ...input }).map((a) => a.action);

describe("NBA rules (pure)", () => {
  it("opt-out wins over everything", () => {
    const r = nextBestActions({
      customer: customer({ opted_out_at: ago(HOUR) }),
      reminders: [{ type: "follow_up_2h", scheduled_for: ago(5 * HOUR), completed: false, message: "" }],
      events: [{ event_name: "NO_SHOW", timestamp: ago(HOUR) }],
      now: NOW,
    });
    expect(r.map((a) => a.action)).toEqual(["do_not_contact"]);
  });

  it("ranks overdue reminders, due next actions, no-shows, fresh videos and silence", () => {
    expect(
      actions({
        customer: customer({
          next_action: "Send presentation",
          next_action_date: ago(HOUR),
          last_activity_at: ago(8 * DAY),
        }),
        reminders: [
          { type: "follow_up_24h", scheduled_for: ago(3 * HOUR), completed: false, message: "Ask about the video" },
        ],
        events: [{ event_name: "NO_SHOW", timestamp: ago(2 * HOUR) }],
      }),
    ).toEqual(["follow_up_now", "next_action", "rebook", "reconnect", "qualify"]);
    expect(actions({ events: [{ event_name: "VIDEO_SENT", timestamp: ago(DAY) }] })).toEqual([
      "ask_feedback",
      "qualify",
    ]);
    // A meeting booked after the no-show means it was rebooked.
    expect(
      actions({
        events: [
          { event_name: "NO_SHOW", timestamp: ago(2 * DAY) },
          { event_name: "MEETING_BOOKED", timestamp: ago(DAY) },
        ],
      }),
    ).toEqual(["qualify"]);
    expect(actions({ customer: customer({ pipeline_status: "qualified" }) })).toEqual(["send_presentation"]);
  });
});

let w: TestWorld;
let app: FastifyInstance;
let me: string;
let mine: { authorization: string };
let theirs: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  app = await createCrmApp(w);
  me = (await makeMarketer(w.prisma)).id;
  mine = await apiKey(w, me);
  theirs = await apiKey(w, (await makeContractor(w.prisma)).id);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("NBA API", () => {
  it("GET /nba?customer_id and the overview; POST /nba/analyze stores suggestions; others get 404", async () => {
    const c = await makeCustomer(w.prisma, { owner_id: me, pipeline_status: "qualified" });
    await app.inject({
      method: "POST",
      url: "/api/events",
      headers: mine,
      payload: { event_id: "nba-1", event_name: "NO_SHOW", timestamp: w.clock.now().toISOString(), customer_id: c.id },
    });
    const one = (await app.inject({ url: `/api/nba?customer_id=${c.id}`, headers: mine })).json();
    expect(one).toMatchObject({ customer_id: c.id, engine: "rules" });
    expect(one.actions[0]).toMatchObject({ action: "rebook" });
    const overview = (await app.inject({ url: "/api/nba", headers: mine })).json();
    expect(overview.data[0]).toMatchObject({ customer: { id: c.id }, top: { action: "rebook" } });
    expect((await app.inject({ url: "/api/nba", headers: theirs })).json().data).toHaveLength(0);
    expect((await app.inject({ url: `/api/nba?customer_id=${c.id}`, headers: theirs })).statusCode).toBe(404);
    const analyze = (body: object, headers = mine) =>
      app.inject({ method: "POST", url: "/api/nba/analyze", headers, payload: body });
    expect((await analyze({ customer_id: c.id }, theirs)).statusCode).toBe(404);
    expect((await analyze({ customer_id: c.id })).statusCode).toBe(200);
    expect((await analyze({ customer_ids: [c.id] })).json().results[0].actions[0].action).toBe("rebook");
    const open = await w.prisma.suggestion.findMany({ where: { customer_id: c.id, kind: "nba", dismissed_at: null } });
    expect(open.map((s) => (s.payload as { action: string }).action)).toEqual(
      one.actions.map((a: { action: string }) => a.action),
    );
    expect((await analyze({})).statusCode).toBe(400);
  });
});
