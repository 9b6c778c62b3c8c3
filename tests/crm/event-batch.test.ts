/**
 * Group commit of POST /api/events (core/crm/event-batcher.ts, event-write-batch.ts): 200
 * concurrent requests — two owners reusing each other's event ids, exact redeliveries, changed
 * bodies, new people — get the answers one-at-a-time processing gives, store what a sequential
 * run stores, and really share statements (rows written by one transaction share an `xmin`).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Batcher } from "../../core/crm/event-batcher.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeMarketer } from "./fixtures.js";
import { createCrmApp, HOUR } from "./support.js";

const OWNERS = 2;
const CUSTOMERS = 55;
const NAMES = ["VIDEO_SENT", "NO_SHOW", "MEETING_BOOKED", "INVITE_SENT", "LEAD_QUALIFIED", "PURCHASED"];

interface Side {
  w: TestWorld;
  app: FastifyInstance;
  keys: Array<{ authorization: string }>;
  owners: string[];
  customers: string[][];
}

async function side(): Promise<Side> {
  const w = await createWorld();
  const app = await createCrmApp(w);
  const owners: string[] = [];
  const keys: Array<{ authorization: string }> = [];
  const customers: string[][] = [];
  for (let o = 0; o < OWNERS; o++) {
    const owner = (await makeMarketer(w.prisma)).id;
    owners.push(owner);
    keys.push(await apiKey(w, owner));
    const mine: string[] = [];
    for (let i = 0; i < CUSTOMERS; i++) mine.push((await makeCustomer(w.prisma, { owner_id: owner })).id);
    customers.push(mine);
  }
  return { w, app, keys, owners, customers };
}

/** One request of the stream, independent of the world it is sent to. */
interface Req {
  owner: number;
  /** The customer index, or -1 for a new person (by e-mail). */
  customer: number;
  eventId: string;
  name: string;
  variant: number;
}

/** 200 requests: 110 distinct events, 10 about new people, 60 redeliveries, 20 changed bodies; shuffled. */
function stream(): Req[] {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const base: Req[] = [];
  for (let o = 0; o < OWNERS; o++) {
    // Both owners use the same event ids: idempotency is per owner.
    for (let i = 0; i < CUSTOMERS; i++) {
      base.push({ owner: o, customer: i, eventId: `evt-${i}`, name: NAMES[i % NAMES.length] as string, variant: 0 });
    }
    for (let j = 0; j < 5; j++) {
      base.push({ owner: o, customer: -1, eventId: `new-${j}`, name: "DM_STARTED", variant: 0 });
    }
  }
  const pick = () => base[Math.floor(rnd() * base.length)] as Req;
  const all = [...base];
  for (let k = 0; k < 60; k++) all.push({ ...pick() });
  for (let k = 0; k < 20; k++) all.push({ ...pick(), variant: k + 1 });
  for (let k = all.length - 1; k > 0; k--) {
    const j = Math.floor(rnd() * (k + 1));
    [all[k], all[j]] = [all[j] as Req, all[k] as Req];
  }
  return all;
}

function send(s: Side, r: Req) {
  const at = new Date(s.w.clock.now().getTime() - HOUR).toISOString();
  const who =
    r.customer >= 0
      ? { customer_id: s.customers[r.owner]?.[r.customer] }
      : { customer: { email: `new-${r.eventId}@batch.example`, name: `New ${r.eventId}` } };
  return s.app.inject({
    method: "POST",
    url: "/api/events",
    headers: s.keys[r.owner],
    payload: {
      event_id: r.eventId,
      event_name: r.name,
      timestamp: at,
      source: "ig",
      properties: { variant: r.variant },
      ...who,
    },
  });
}

/** What each customer ended with, by owner and customer index (new people by e-mail), world-independent. */
async function state(s: Side) {
  const out: Record<string, unknown> = {};
  for (let o = 0; o < OWNERS; o++) {
    const rows = await s.w.prisma.customer.findMany({
      where: { owner_id: s.owners[o] },
      include: { reminders: true },
    });
    const events = await s.w.prisma.eventLog.findMany({ where: { owner_id: s.owners[o] } });
    for (const c of rows) {
      const i = s.customers[o]?.indexOf(c.id) ?? -1;
      const key = i >= 0 ? `${o}:${i}` : `${o}:${c.email}`;
      out[key] = {
        pipeline: c.pipeline_status,
        next_action: c.next_action,
        reminders: c.reminders.map((r) => `${r.type}@${r.scheduled_for.toISOString()}`).sort(),
        events: events
          .filter((e) => e.customer_id === c.id)
          .map((e) => `${e.event_name}:${e.event_id}`)
          .sort(),
      };
    }
  }
  return out;
}

let a: Side;
let b: Side;
beforeAll(async () => {
  [a, b] = await Promise.all([side(), side()]);
});
afterAll(async () => {
  for (const s of [a, b]) {
    await s?.app.close();
    await s?.w.close();
  }
});

describe("POST /api/events: group commit", () => {
  it("200 concurrent requests answer as one at a time would, store the same, and share statements", async () => {
    const reqs = stream();
    const concurrent = await Promise.all(reqs.map((r) => send(a, r)));
    const sequential: typeof concurrent = [];
    for (const r of reqs) sequential.push(await send(b, r));

    // Per owner and event id: exactly one 201; a redelivery of the winner's body 200 with the
    // winner's answer, any other body 409 — and where every body was the same, exactly the
    // answers of the sequential run.
    const groups = new Map<string, number[]>();
    reqs.forEach((r, i) => {
      const k = `${r.owner}:${r.eventId}`;
      groups.set(k, [...(groups.get(k) ?? []), i]);
    });
    expect(groups.size).toBe(OWNERS * (CUSTOMERS + 5));
    for (const idx of groups.values()) {
      const codes = idx.map((i) => concurrent[i]?.statusCode);
      expect(
        codes.filter((c) => c === 201),
        JSON.stringify(codes),
      ).toHaveLength(1);
      const winner = idx.find((i) => concurrent[i]?.statusCode === 201) as number;
      for (const i of idx) {
        if (i === winner) continue;
        const same = reqs[i]?.variant === reqs[winner]?.variant;
        expect(concurrent[i]?.statusCode).toBe(same ? 200 : 409);
        if (same) expect(concurrent[i]?.json()).toEqual(concurrent[winner]?.json());
      }
      if (idx.every((i) => reqs[i]?.variant === reqs[idx[0] as number]?.variant)) {
        // Which of identical deliveries came "first" is the race's to decide; the answers are not.
        expect([...codes].sort()).toEqual(idx.map((i) => sequential[i]?.statusCode).sort());
      }
    }
    expect(concurrent.filter((r) => r.statusCode >= 500)).toEqual([]);

    // The rows equal the sequential run's, customer by customer.
    const [got, want] = await Promise.all([state(a), state(b)]);
    expect(Object.keys(got)).toHaveLength(OWNERS * (CUSTOMERS + 5));
    expect(got).toEqual(want);

    // ...and a recount: one row per owner and event id, plus one STATUS_CHANGED per move.
    const moves = Object.values(got).filter((c) => (c as { pipeline: string }).pipeline !== "lead").length;
    const stored = await a.w.prisma.eventLog.count({ where: { owner_id: { in: a.owners } } });
    const statusRows = await a.w.prisma.eventLog.count({
      where: { owner_id: { in: a.owners }, event_name: "STATUS_CHANGED" },
    });
    expect(stored - statusRows).toBe(groups.size);
    expect(statusRows).toBeGreaterThanOrEqual(moves);

    // Group commit really happened: some transaction wrote events about several customers.
    const shared = await a.w.prisma.$queryRaw<Array<{ n: number }>>`
      SELECT count(DISTINCT customer_id)::int AS n FROM event_logs
      WHERE event_name <> 'STATUS_CHANGED' AND owner_id = ANY(${a.owners}::uuid[])
      GROUP BY xmin::text ORDER BY n DESC LIMIT 1`;
    expect(shared[0]?.n ?? 0).toBeGreaterThan(1);
  }, 120_000);
});

describe("Batcher", () => {
  /** A timer the test fires by hand. */
  function manualTimer() {
    const due: Array<() => void> = [];
    return {
      timer: {
        after: (_ms: number, fn: () => void) => {
          due.push(fn);
          return () => {
            const i = due.indexOf(fn);
            if (i >= 0) due.splice(i, 1);
          };
        },
      },
      fire: () => {
        for (const fn of due.splice(0)) fn();
      },
      armed: () => due.length,
    };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it("flushes a full batch at once, the rest on the timer; keys never share a batch nor overtake", async () => {
    const t = manualTimer();
    const batches: string[][] = [];
    const release: Array<() => void> = [];
    const batcher = new Batcher<string, string>({
      maxBatch: 3,
      maxWaitMs: 2,
      maxPending: 100,
      maxInFlight: 1,
      keysOf: (s) => [s.split(".")[0] as string],
      flush: async (items) => {
        batches.push([...items]);
        await new Promise<void>((r) => release.push(r));
        return items.map((i) => `ok ${i}`);
      },
      timer: t.timer,
    });
    const done: string[] = [];
    const submit = (s: string) => batcher.submit(s).then((o) => done.push(o));
    const all = ["a.1", "b.1", "a.2", "c.1", "d.1", "a.3"].map(submit);
    await tick();
    // a.2 waits behind a.1; a, b, c fill the first batch without the timer.
    expect(batches).toEqual([["a.1", "b.1", "c.1"]]);
    expect(done).toEqual([]);
    release.shift()?.();
    await tick();
    await tick();
    expect(done).toEqual(["ok a.1", "ok b.1", "ok c.1"]);
    // a.2 and d.1 are ready (a.3 waits behind a.2): fewer than maxBatch, so the timer decides.
    expect(batches).toHaveLength(1);
    expect(t.armed()).toBe(1);
    t.fire();
    expect(batches[1]).toEqual(["a.2", "d.1"]);
    release.shift()?.();
    await tick();
    t.fire();
    expect(batches[2]).toEqual(["a.3"]);
    release.shift()?.();
    await Promise.all(all);
    expect(done).toHaveLength(6);
  });

  it("a full buffer makes submit wait (back-pressure); a failed flush fails only its batch", async () => {
    const t = manualTimer();
    let fail = true;
    const batcher = new Batcher<number, number>({
      maxBatch: 2,
      maxWaitMs: 2,
      maxPending: 2,
      maxInFlight: 1,
      keysOf: (n) => [String(n)],
      flush: async (items) => {
        if (fail) {
          fail = false;
          throw new Error("boom");
        }
        return items.map((n) => n * 10);
      },
      timer: t.timer,
    });
    const first = batcher.submit(1);
    const second = batcher.submit(2);
    const third = batcher.submit(3);
    await expect(first).rejects.toThrow("boom");
    await expect(second).rejects.toThrow("boom");
    await tick();
    expect(batcher.pending).toBe(1);
    const fourth = batcher.submit(4);
    const fifth = batcher.submit(5);
    await tick();
    // 3 and 4 filled a batch; 5 waits for room or the timer.
    t.fire();
    expect(await Promise.all([third, fourth, fifth])).toEqual([30, 40, 50]);
  });
});
