/**
 * Group commit for events about new people (core/crm/event-create.ts createWithEvents, through
 * event-write-batch.ts): a burst of first events about people the owner has no customer for —
 * by e-mail, phone or handle, with reminders and status moves, plus a second event about one of
 * them and an exact redelivery — answers and stores what one-at-a-time processing does, and
 * the new leads really share a transaction.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeMarketer } from "./fixtures.js";
import { createCrmApp, HOUR } from "./support.js";

const PEOPLE = 18;
const NAMES = ["DM_STARTED", "VIDEO_SENT", "MEETING_BOOKED", "NO_SHOW"];

interface Side {
  w: TestWorld;
  app: FastifyInstance;
  key: { authorization: string };
  owner: string;
}

async function side(): Promise<Side> {
  const w = await createWorld();
  const app = await createCrmApp(w);
  const owner = (await makeMarketer(w.prisma)).id;
  return { w, app, key: await apiKey(w, owner), owner };
}

/** Person i, named by e-mail, phone or Instagram handle. */
function who(i: number) {
  const name = `Person ${i}`;
  if (i % 3 === 0) return { name, email: `person${i}@group.example` };
  if (i % 3 === 1) return { name, phone: `+4791${String(i).padStart(6, "0")}` };
  return { name, handle: `@person${i}` };
}

/** Every person's first event; person 0 twice (another event id), person 1's delivered twice. */
function stream() {
  const reqs = Array.from({ length: PEOPLE }, (_, i) => ({
    eventId: `first-${i}`,
    name: NAMES[i % NAMES.length] as string,
    person: i,
  }));
  return [...reqs, { eventId: "second-0", name: "DM_STARTED", person: 0 }, { ...(reqs[1] as (typeof reqs)[0]) }];
}

function send(s: Side, r: ReturnType<typeof stream>[number]) {
  return s.app.inject({
    method: "POST",
    url: "/api/events",
    headers: s.key,
    payload: {
      event_id: r.eventId,
      event_name: r.name,
      timestamp: new Date(s.w.clock.now().getTime() - HOUR).toISOString(),
      source: "ig",
      customer: who(r.person),
    },
  });
}

/** Each customer by name: canonical status, next action, reminders, events, identities. */
async function state(s: Side) {
  const rows = await s.w.prisma.customer.findMany({
    where: { owner_id: s.owner },
    include: { reminders: true, identities: true, events: true },
  });
  return Object.fromEntries(
    rows.map((c) => [
      c.name,
      {
        email: c.email,
        phone: c.phone,
        handles: c.handles,
        pipeline: c.pipeline_status,
        next_action: c.next_action,
        reminders: c.reminders.map((r) => `${r.type}@${r.scheduled_for.toISOString()}`).sort(),
        identities: c.identities.map((x) => `${x.channel}:${x.address}`).sort(),
        events: c.events.map((e) => `${e.event_name}:${e.event_id}`).sort(),
      },
    ]),
  );
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

describe("POST /api/events: new people together", () => {
  it("answer and store as one at a time would, one lead per person, in shared transactions", async () => {
    const reqs = stream();
    const concurrent = await Promise.all(reqs.map((r) => send(a, r)));
    const sequential = [];
    for (const r of reqs) sequential.push(await send(b, r));

    expect(concurrent.map((r) => r.statusCode)).toEqual(sequential.map((r) => r.statusCode));
    expect(concurrent.filter((r) => r.statusCode === 201)).toHaveLength(PEOPLE + 1);
    // The redelivery answers the original, with the lead it made.
    const [first, again] = [concurrent[1], concurrent.at(-1)];
    expect(again?.statusCode).toBe(200);
    expect(again?.json()).toEqual(first?.json());
    expect(first?.json().customer_id).toEqual(expect.any(String));
    expect(first?.json().result.customer_id).toBe(first?.json().customer_id);

    const [got, want] = await Promise.all([state(a), state(b)]);
    expect(Object.keys(got)).toHaveLength(PEOPLE);
    expect(got).toEqual(want);
    expect(got["Person 0"]?.events).toEqual(["DM_STARTED:first-0", "DM_STARTED:second-0"]);

    // Several new leads were written by one transaction (they share an xmin).
    const shared = await a.w.prisma.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM customers WHERE owner_id = ${a.owner}::uuid
      GROUP BY xmin::text ORDER BY n DESC LIMIT 1`;
    expect(shared[0]?.n ?? 0).toBeGreaterThan(1);
  }, 60_000);
});
