import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeMarketer } from "./fixtures.js";
import { createCrmApp } from "./support.js";

const SECRET = "dm-hook-secret-for-tests";
let w: TestWorld;
let app: FastifyInstance;
let owner: string;

beforeAll(async () => {
  w = await createWorld({ HOOKS_SECRET: SECRET });
  app = await createCrmApp(w);
  owner = (await makeMarketer(w.prisma)).id;
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const sign = (raw: string, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
const dm = (raw: string, headers: Record<string, string>) =>
  app.inject({
    method: "POST",
    url: "/api/hooks/dm",
    headers: { "content-type": "application/json", ...headers },
    payload: raw,
  });

describe("POST /api/hooks/dm", () => {
  it("with the shared secret: DM_STARTED for the named owner, creating the customer once", async () => {
    const raw = JSON.stringify({ owner_id: owner, source: "ig", customer: { name: "Mia", handle: "mia.dk" } });
    const first = await dm(raw, { "x-hook-secret": SECRET });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ event_name: "DM_STARTED", owner_id: owner, source: "ig" });
    expect(first.json().result.customer_created).toBe(true);
    const customer = await w.prisma.customer.findUniqueOrThrow({ where: { id: first.json().customer_id } });
    expect(customer).toMatchObject({
      owner_id: owner,
      status: "lead",
      pipeline_status: "lead",
      lead_source: "ig",
      handles: { ig: "mia.dk" },
    });
    // Redelivered later, without event_id or timestamp: recognised as the same DM.
    w.clock.advance(60_000);
    const again = await dm(raw, { "x-hook-secret": SECRET });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await w.prisma.customer.count({ where: { owner_id: owner } })).toBe(1);
  });

  it("with an HMAC signature over the raw body", async () => {
    const raw = JSON.stringify({
      owner_id: owner,
      event_id: "dm-42",
      source: "whatsapp",
      customer: { phone: "+16025550177" },
    });
    const res = await dm(raw, { "x-signature-256": sign(raw) });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().event_id).toBe("dm-42");
  });

  it("a wrong secret, a bad or missing signature → 401 SIGNATURE_INVALID and nothing stored", async () => {
    const raw = JSON.stringify({ owner_id: owner, customer: { email: "x@example.com" } });
    const before = await w.prisma.eventLog.count();
    const attempts: Array<Record<string, string>> = [
      { "x-hook-secret": "wrong" },
      { "x-hook-secret": `${SECRET}x` },
      { "x-signature-256": sign(raw, "other-secret") },
      { "x-signature-256": sign(`${raw} `) },
      { "x-signature-256": "sha256=zz" },
      {},
    ];
    for (const headers of attempts) {
      const res = await dm(raw, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json().error.code).toBe("SIGNATURE_INVALID");
    }
    expect(await w.prisma.eventLog.count()).toBe(before);
  });

  it("authentic but invalid bodies → 400 (no owner, unknown owner, no contact)", async () => {
    for (const body of [
      { customer: { handle: "a" } },
      { owner_id: "6a3e1c9e-1111-4222-8333-444455556666", customer: { handle: "a" } },
      { owner_id: owner, customer: { name: "No Contact" } },
    ]) {
      const res = await dm(JSON.stringify(body), { "x-hook-secret": SECRET });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("POST /api/hooks/dm without HOOKS_SECRET", () => {
  it("answers 503 NOT_CONFIGURED", async () => {
    const w2 = await createWorld();
    const app2 = await createCrmApp(w2);
    try {
      const res = await app2.inject({
        method: "POST",
        url: "/api/hooks/dm",
        headers: { "content-type": "application/json", "x-hook-secret": "" },
        payload: "{}",
      });
      expect(res.statusCode).toBe(503);
    } finally {
      await app2.close();
      await w2.close();
    }
  });
});
