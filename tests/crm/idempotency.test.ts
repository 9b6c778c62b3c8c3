/**
 * Idempotency is per owner (issue 12): two marketers' tools pick their event ids on their own, so
 * the same `event_id` from two owners is two events — 201 and 201 — each with its own reminders;
 * each owner's redelivery answers 200 with that owner's original, a changed body 409. On every
 * write path: a known customer (one statement), a new person (one statement after a lock), the
 * transactional path (UNSUBSCRIBED), racing deliveries, and the DM webhook.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeMarketer } from "./fixtures.js";
import { createCrmApp, HOUR } from "./support.js";

const SECRET = "idempotency-hook-secret";
let w: TestWorld;
let app: FastifyInstance;
let ann: string;
let bob: string;
let anns: { authorization: string };
let bobs: { authorization: string };

beforeAll(async () => {
  w = await createWorld({ HOOKS_SECRET: SECRET });
  app = await createCrmApp(w);
  ann = (await makeMarketer(w.prisma)).id;
  bob = (await makeMarketer(w.prisma)).id;
  anns = await apiKey(w, ann);
  bobs = await apiKey(w, bob);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

let seq = 0;
const iso = (ms: number) => new Date(ms).toISOString();
const post = (payload: object, headers: { authorization: string }) =>
  app.inject({ method: "POST", url: "/api/events", headers, payload });
const rowsOf = (eventId: string) =>
  w.prisma.eventLog.findMany({ where: { event_id: eventId }, select: { owner_id: true, customer_id: true } });

describe("the same event_id from two owners", () => {
  it("about known customers: 201 and 201, each owner's replay 200 with their own original, changed 409", async () => {
    const annsCustomer = await makeCustomer(w.prisma, { owner_id: ann, name: "Alma Ann" });
    const bobsCustomer = await makeCustomer(w.prisma, { owner_id: bob, name: "Bert Bob" });
    const event = {
      event_id: `shared-${++seq}`,
      event_name: "VIDEO_SENT",
      timestamp: iso(w.clock.now().getTime() - HOUR),
      source: "ig",
    };
    const a = await post({ ...event, customer_id: annsCustomer.id }, anns);
    expect(a.statusCode, a.body).toBe(201);
    const b = await post({ ...event, customer_id: bobsCustomer.id }, bobs);
    expect(b.statusCode, b.body).toBe(201);
    expect(a.json()).toMatchObject({ owner_id: ann, customer_id: annsCustomer.id });
    expect(b.json()).toMatchObject({ owner_id: bob, customer_id: bobsCustomer.id });

    // Each owner's automations ran: two reminders each, with the same dedupe keys under two owners.
    for (const [owner, customer] of [
      [ann, annsCustomer.id],
      [bob, bobsCustomer.id],
    ] as const) {
      const reminders = await w.prisma.reminder.findMany({
        where: { customer_id: customer },
        orderBy: { type: "asc" },
      });
      expect(reminders.map((r) => [r.owner_id, r.dedupe_key])).toEqual([
        [owner, `evt:${event.event_id}:follow_up_24h`],
        [owner, `evt:${event.event_id}:follow_up_48h`],
      ]);
    }

    w.clock.advance(60_000);
    const againA = await post({ ...event, customer_id: annsCustomer.id }, anns);
    const againB = await post({ ...event, customer_id: bobsCustomer.id }, bobs);
    expect([againA.statusCode, againB.statusCode]).toEqual([200, 200]);
    expect(againA.json()).toEqual(a.json());
    expect(againB.json()).toEqual(b.json());

    const changedA = await post({ ...event, customer_id: annsCustomer.id, source: "web" }, anns);
    const changedB = await post({ ...event, customer_id: bobsCustomer.id, properties: { x: 1 } }, bobs);
    expect([changedA.statusCode, changedB.statusCode]).toEqual([409, 409]);
    expect(changedA.json().error.code).toBe("IDEMPOTENCY_CONFLICT");
    expect(JSON.stringify(changedB.json())).not.toContain(annsCustomer.id);

    const rows = await rowsOf(event.event_id);
    expect(rows.map((r) => r.owner_id).sort()).toEqual([ann, bob].sort());
    // The status move each event caused is logged once per owner too.
    const moves = await rowsOf(`${event.event_id}:status`);
    expect(moves.map((r) => r.owner_id).sort()).toEqual([ann, bob].sort());
  });

  it("about new people and on the transactional path (UNSUBSCRIBED): 201 and 201, then 200, then 409", async () => {
    const event = {
      event_id: `shared-new-${++seq}`,
      event_name: "DM_STARTED",
      timestamp: iso(w.clock.now().getTime()),
    };
    const person = { customer: { name: "Nina New", email: "nina@example.com" } };
    const a = await post({ ...event, ...person }, anns);
    const b = await post({ ...event, ...person }, bobs);
    expect([a.statusCode, b.statusCode], a.body + b.body).toEqual([201, 201]);
    expect(a.json().customer_id).not.toBe(b.json().customer_id);
    expect((await post({ ...event, ...person }, bobs)).json()).toEqual(b.json());
    expect((await post({ ...event, ...person }, anns)).statusCode).toBe(200);
    expect((await post({ ...event, customer: { email: "other@example.com" } }, anns)).statusCode).toBe(409);

    const stop = { event_id: `shared-stop-${++seq}`, event_name: "UNSUBSCRIBED", timestamp: event.timestamp };
    const sa = await post({ ...stop, customer_id: a.json().customer_id }, anns);
    const sb = await post({ ...stop, customer_id: b.json().customer_id }, bobs);
    expect([sa.statusCode, sb.statusCode], sa.body + sb.body).toEqual([201, 201]);
    expect(sb.json().result).toMatchObject({ opted_out: true });
    expect((await post({ ...stop, customer_id: b.json().customer_id }, bobs)).statusCode).toBe(200);
    expect((await post({ ...stop, customer_id: a.json().customer_id, source: "web" }, anns)).statusCode).toBe(409);
    expect(await rowsOf(stop.event_id)).toHaveLength(2);
  });

  it("racing deliveries from two owners store one event per owner, each answered with its own", async () => {
    const annsCustomer = await makeCustomer(w.prisma, { owner_id: ann });
    const bobsCustomer = await makeCustomer(w.prisma, { owner_id: bob });
    const event = { event_id: `shared-race-${++seq}`, event_name: "NO_SHOW", timestamp: iso(w.clock.now().getTime()) };
    const all = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? post({ ...event, customer_id: annsCustomer.id }, anns)
          : post({ ...event, customer_id: bobsCustomer.id }, bobs),
      ),
    );
    const byOwner = (owner: string) => all.filter((r) => r.json().owner_id === owner);
    for (const owner of [ann, bob]) {
      const answers = byOwner(owner);
      expect(answers).toHaveLength(5);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(new Set(answers.map((r) => r.body)).size).toBe(1);
    }
    expect(await rowsOf(event.event_id)).toHaveLength(2);
    expect(await w.prisma.reminder.count({ where: { dedupe_key: { startsWith: `evt:${event.event_id}:` } } })).toBe(4);
  });
});

describe("the DM webhook follows the same rule", () => {
  const dm = (body: object) =>
    app.inject({
      method: "POST",
      url: "/api/hooks/dm",
      headers: { "content-type": "application/json", "x-hook-secret": SECRET },
      payload: JSON.stringify(body),
    });

  it("the same event_id for two owners: 201 and 201; each redelivery 200; a changed body 409", async () => {
    const event_id = `dm-shared-${++seq}`;
    const body = (owner: string) => ({ owner_id: owner, event_id, source: "ig", customer: { handle: "same.handle" } });
    const a = await dm(body(ann));
    const b = await dm(body(bob));
    expect([a.statusCode, b.statusCode], a.body + b.body).toEqual([201, 201]);
    expect([a.json().owner_id, b.json().owner_id]).toEqual([ann, bob]);
    w.clock.advance(60_000);
    const againA = await dm(body(ann));
    const againB = await dm(body(bob));
    expect([againA.statusCode, againB.statusCode]).toEqual([200, 200]);
    expect(againA.json()).toEqual(a.json());
    expect(againB.json()).toEqual(b.json());
    expect((await dm({ ...body(bob), source: "messenger" })).statusCode).toBe(409);
  });
});
