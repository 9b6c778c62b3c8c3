import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";
import { createRoutesApp } from "./routes-app.js";

let w: TestWorld;
let app: FastifyInstance;
let a: string;
let b: string;
let keyA: { authorization: string };
let keyB: { authorization: string };
let admin: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  app = await createRoutesApp(w);
  a = (await makeContractor(w.prisma)).id;
  b = (await makeContractor(w.prisma)).id;
  keyA = await apiKey(w, a);
  keyB = await apiKey(w, b);
  admin = await apiKey(w);
  for (const [i, city] of ["Phoenix", "Phoenix", "Mesa", "Tempe"].entries()) {
    await makeCustomer(w.prisma, { owner_id: a, property_city: city, opted_out_at: i === 1 ? w.clock.now() : null });
  }
  await makeCustomer(w.prisma, { owner_id: b, property_city: "Phoenix" });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const phoenix = { field: "city", op: "=", value: "Phoenix" };

async function createSegment(headers: { authorization: string }, name: string, filter: unknown = phoenix) {
  const res = await app.inject({ method: "POST", url: "/api/segments", headers, payload: { name, filter } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe("segments API", () => {
  it("needs an API key", async () => {
    expect((await app.inject({ url: "/api/segments" })).statusCode).toBe(401);
  });

  it("creates, lists, renames and previews a contractor's own segments", async () => {
    const id = await createSegment(keyA, "Phoenix customers");
    const dup = await app.inject({
      method: "POST",
      url: "/api/segments",
      headers: keyA,
      payload: { name: "Phoenix customers", filter: phoenix },
    });
    expect(dup.statusCode).toBe(409);
    const list = await app.inject({ url: "/api/segments", headers: keyA });
    expect(list.json().data.map((s: { id: string }) => s.id)).toContain(id);
    expect((await app.inject({ url: "/api/segments", headers: keyB })).json().data).toEqual([]);

    const preview = await app.inject({ url: `/api/segments/${id}/preview`, headers: keyA });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().count).toBe(2); // the opted-out one is shown in a preview
    expect(preview.json().customers.some((c: { opted_out: boolean }) => c.opted_out)).toBe(true);

    const put = await app.inject({
      method: "PUT",
      url: `/api/segments/${id}`,
      headers: keyA,
      payload: { name: "Valley", filter: { field: "city", op: "in", value: ["Phoenix", "Mesa"] } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ name: "Valley", filter: { field: "city", op: "in" } });
    expect((await app.inject({ url: `/api/segments/${id}/preview`, headers: keyA })).json().count).toBe(3);
  });

  it("rejects malicious filters with the offending path, and the customers table is intact", async () => {
    const before = await w.prisma.customer.count();
    for (const field of ["name; DROP TABLE customers", "__proto__", "owner_id"]) {
      const res = await app.inject({
        method: "POST",
        url: "/api/segments",
        headers: keyA,
        payload: { name: `bad ${field}`, filter: { all: [phoenix, { field, op: "=", value: "x" }] } },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ field: "filter.all.1.field" }] });
    }
    const raw = await app.inject({
      method: "POST",
      url: "/api/segments/preview",
      headers: { ...keyA, "content-type": "application/json" },
      payload: '{"filter":{"field":"city","op":"=","value":"Phoenix","__proto__":{"field":"owner_id"}}}',
    });
    expect(raw.statusCode).toBe(400);
    const evil = await app.inject({
      method: "POST",
      url: "/api/segments/preview",
      headers: keyA,
      payload: {
        filter: {
          any: [
            { field: "city", op: "=", value: "' OR 1=1 --" },
            { field: "name", op: "contains", value: "'; DROP TABLE customers; --" },
          ],
        },
      },
    });
    expect(evil.statusCode).toBe(200);
    expect(evil.json()).toEqual({ count: 0, customers: [] });
    expect(await w.prisma.customer.count()).toBe(before);
    expect((await app.inject({ url: "/api/segments/fields", headers: keyA })).json().data).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: "equipment_age", type: "number" })]),
    );
  });

  it("keeps contractors apart", async () => {
    const id = await createSegment(keyA, "Mine");
    for (const req of [
      { method: "GET" as const, url: `/api/segments/${id}` },
      { method: "GET" as const, url: `/api/segments/${id}/preview` },
      { method: "PUT" as const, url: `/api/segments/${id}`, payload: { name: "Stolen" } },
      { method: "DELETE" as const, url: `/api/segments/${id}` },
      { method: "POST" as const, url: "/api/campaigns", payload: { segment_id: id, body: "hi" } },
    ]) {
      const res = await app.inject({ ...req, headers: keyB });
      expect(res.statusCode, `${req.method} ${req.url}`).toBe(404);
    }
    const spy = await app.inject({
      method: "POST",
      url: "/api/segments/preview",
      headers: keyB,
      payload: { filter: { all: [] }, owner_id: a },
    });
    expect(spy.statusCode).toBe(403);
    const own = await app.inject({
      method: "POST",
      url: "/api/segments/preview",
      headers: keyB,
      payload: { filter: { all: [] } },
    });
    expect(own.json().count).toBe(1);
  });

  it("an admin names the owner of a new segment and sees everyone's", async () => {
    const missing = await app.inject({
      method: "POST",
      url: "/api/segments",
      headers: admin,
      payload: { name: "x", filter: phoenix },
    });
    expect(missing.statusCode).toBe(400);
    const res = await app.inject({
      method: "POST",
      url: "/api/segments",
      headers: admin,
      payload: { name: "B's Phoenix", filter: phoenix, owner_id: b },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().owner_id).toBe(b);
    expect((await app.inject({ url: `/api/segments/${res.json().id}/preview`, headers: admin })).json().count).toBe(1);
    const all = await app.inject({
      method: "POST",
      url: "/api/segments/preview",
      headers: admin,
      payload: { filter: phoenix },
    });
    expect(all.json().count).toBe(3);
  });
});

describe("campaigns API", () => {
  it("creates a draft, needs confirm: true to send, sends once", async () => {
    const segment = await createSegment(keyA, "Blast me");
    const bad = await app.inject({
      method: "POST",
      url: "/api/campaigns",
      headers: keyA,
      payload: { segment_id: segment, body: "hi", message_template_id: "00000000-0000-4000-8000-000000000000" },
    });
    expect(bad.statusCode).toBe(400);
    const created = await app.inject({
      method: "POST",
      url: "/api/campaigns",
      headers: keyA,
      payload: { segment_id: segment, body: "Hi {{first_name}}", subject: "Hello", channel: "email" },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(created.json()).toMatchObject({ status: "draft", owner_id: a });

    const unconfirmed = await app.inject({
      method: "POST",
      url: `/api/campaigns/${id}/send`,
      headers: keyA,
      payload: {},
    });
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.json().error.message).toContain("up to 2 customers");
    expect(await w.prisma.outboundMessage.count({ where: { campaign_id: id } })).toBe(0);

    const stolen = await app.inject({
      method: "POST",
      url: `/api/campaigns/${id}/send`,
      headers: keyB,
      payload: { confirm: true },
    });
    expect(stolen.statusCode).toBe(404);

    const sent = await app.inject({
      method: "POST",
      url: `/api/campaigns/${id}/send`,
      headers: keyA,
      payload: { confirm: true },
    });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({
      already_sent: false,
      matched: 2,
      queued: 1,
      skipped: { opted_out: 1, unreachable: 0 },
      campaign: { status: "sent", recipient_count: 1, skipped_count: 1 },
    });
    const again = await app.inject({
      method: "POST",
      url: `/api/campaigns/${id}/send`,
      headers: keyA,
      payload: { confirm: true },
    });
    expect(again.json()).toMatchObject({ already_sent: true, queued: 0 });
    expect(await w.prisma.outboundMessage.count({ where: { campaign_id: id } })).toBe(1);

    const list = await app.inject({ url: "/api/campaigns", headers: keyA });
    expect(list.json().data[0]).toMatchObject({ id, segment: { id: segment, name: "Blast me" } });
    expect((await app.inject({ url: "/api/campaigns", headers: keyB })).json().data).toEqual([]);

    // Deleting is soft (issue 15): a blasted segment leaves the list, its campaigns keep their history.
    const del = await app.inject({ method: "DELETE", url: `/api/segments/${segment}`, headers: keyA });
    expect(del.statusCode).toBe(204);
    expect((await app.inject({ url: "/api/campaigns", headers: keyA })).json().data[0]).toMatchObject({ id });
    expect((await app.inject({ url: `/api/segments/${segment}`, headers: keyA })).statusCode).toBe(404);
    const unused = await createSegment(keyA, "Unused");
    expect((await app.inject({ method: "DELETE", url: `/api/segments/${unused}`, headers: keyA })).statusCode).toBe(
      204,
    );
  });
});
