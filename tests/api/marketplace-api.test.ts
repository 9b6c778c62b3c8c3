import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";

const MIN = 60_000;
const APP_SECRET = "capi-test-secret";
let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };

beforeAll(async () => {
  w = await createWorld({ CAPI_APP_SECRET: APP_SECRET, CAPI_VERIFY_TOKEN: "verify-me" });
  app = await createTestApp(w);
  admin = await apiKey(w);
  await w.prisma.category.create({ data: { slug: "hvac", display_name: "HVAC" } });
  for (const slug of ["website", "facebook_leads"]) {
    await w.prisma.leadSource.create({ data: { slug, display_name: slug, bidding_window_seconds: 900 } });
  }
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

async function contractor(n: number) {
  const res = await app.inject({
    method: "POST",
    url: "/api/contractors",
    headers: admin,
    payload: {
      name: `Pro ${n}`,
      email: `pro${n}@example.com`,
      service_area_zip_codes: ["85004"],
      categories: ["hvac"],
      profile_rating: 4.5,
    },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

const leadBody = (phone: string) => ({
  category: "hvac",
  title: "AC not cooling",
  customer_name: "Anna Jensen",
  customer_phone: phone,
  customer_zip_code: "85004",
});

async function lead(phone: string) {
  const res = await app.inject({ method: "POST", url: "/api/leads", headers: admin, payload: leadBody(phone) });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

/** Count rows that bad requests must not create. */
const counts = async () => ({
  leads: await w.prisma.lead.count(),
  bids: await w.prisma.bid.count(),
  appeals: await w.prisma.banAppeal.count(),
  messages: await w.prisma.message.count(),
});

describe("marketplace API: happy path", () => {
  it("publishes an OpenAPI document and a browsable reference", async () => {
    const doc = await app.inject({ url: "/api/openapi.json" });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toEqual(
      expect.arrayContaining(["/api/leads", "/api/leads/{id}/bids", "/api/appeals"]),
    );
    expect((await app.inject({ url: "/api/docs/" })).statusCode).toBe(200);
  });

  it("lead → bid → close → contact, with the timeline", async () => {
    const c = await contractor(1);
    const key = await apiKey(w, c);
    const id = await lead("+16025550101");
    const bid = await app.inject({
      method: "POST",
      url: `/api/leads/${id}/bids`,
      headers: key,
      payload: { bid_multiplier: 1.2 },
    });
    expect(bid.statusCode).toBe(201);
    expect(bid.json().final_bid_amount).toBe("27"); // base 25.00 × 1.2 × 0.90 (rating 4.5 discount)
    // Before its window opens a contractor does not see the customer's phone.
    const before = await app.inject({ url: `/api/leads/${id}`, headers: key });
    expect(before.json().customer_phone).toBeNull();
    const listed = await app.inject({ url: "/api/leads?status=ACTIVE", headers: key });
    expect(listed.json().data.map((l: { id: string }) => l.id)).toContain(id);
    // A contractor who does not serve this ZIP cannot see it at all.
    const outsider = await app.inject({
      method: "POST",
      url: "/api/contractors",
      headers: admin,
      payload: { name: "Far Away", email: "far@example.com", service_area_zip_codes: ["10001"], categories: ["hvac"] },
    });
    expect(
      (await app.inject({ url: `/api/leads/${id}`, headers: await apiKey(w, outsider.json().id) })).statusCode,
    ).toBe(404);
    await w.advance(15 * MIN);
    const after = await app.inject({ url: `/api/leads/${id}`, headers: key });
    expect(after.json().status).toBe("PENDING_RESPONSE_1");
    expect(after.json().customer_phone).toBe("+16025550101");
    const msg = await app.inject({
      method: "POST",
      url: `/api/leads/${id}/messages`,
      headers: key,
      payload: { message_text: "Hi Anna, I can come today." },
    });
    expect(msg.statusCode).toBe(201);
    expect(msg.json().contacted).toBe(true);
    const timeline = (await app.inject({ url: `/api/leads/${id}`, headers: admin }))
      .json()
      .timeline.map((t: { type: string }) => t.type);
    expect(timeline).toEqual([
      "created",
      "bid",
      "window_opened",
      "responded",
      "message_outbound",
      "conversion_contacted",
    ]);
    const metrics = await app.inject({ url: `/api/contractors/${c}/metrics`, headers: key });
    expect(metrics.json().total_leads_contacted).toBe(1);
  });
});

describe("marketplace API: bad input gets a clear 4xx and writes nothing", () => {
  it("no key → 401; a contractor key cannot act as another contractor → 403", async () => {
    const before = await counts();
    const id = await lead("+16025550102");
    expect((await app.inject({ url: "/api/leads" })).json().error.code).toBe("UNAUTHORIZED");
    expect((await app.inject({ url: "/api/leads", headers: { authorization: "Bearer nope" } })).statusCode).toBe(401);
    const mine = await contractor(2);
    const other = await contractor(3);
    const res = await app.inject({
      method: "POST",
      url: `/api/leads/${id}/bids`,
      headers: await apiKey(w, mine),
      payload: { contractor_id: other, bid_multiplier: 1 },
    });
    expect(res.statusCode).toBe(403);
    expect((await counts()).bids).toBe(before.bids);
  });

  it("unknown category → 422 CATEGORY_UNKNOWN", async () => {
    const before = await counts();
    const res = await app.inject({
      method: "POST",
      url: "/api/leads",
      headers: admin,
      payload: { ...leadBody("+16025550103"), category: "ufo-repair" },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe("CATEGORY_UNKNOWN");
    expect(await counts()).toEqual(before);
  });

  it("missing fields, a bad phone, malformed JSON → 400 with the field named", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/leads",
      headers: admin,
      payload: { ...leadBody("12"), title: "" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("VALIDATION_FAILED");
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(["title"]));
    const bad = await app.inject({
      method: "POST",
      url: "/api/leads",
      headers: { ...admin, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("INVALID_JSON");
    const notUuid = await app.inject({ url: "/api/leads/123", headers: admin });
    expect(notUuid.statusCode).toBe(404);
  });

  it("multiplier 3 → 422; bid after close → 409 BID_WINDOW_CLOSED", async () => {
    const c = await contractor(4);
    const key = await apiKey(w, c);
    const id = await lead("+16025550104");
    const before = await counts();
    const high = await app.inject({
      method: "POST",
      url: `/api/leads/${id}/bids`,
      headers: key,
      payload: { bid_multiplier: 3 },
    });
    expect(high.statusCode).toBe(422);
    expect(high.json().error.code).toBe("BID_MULTIPLIER_OUT_OF_RANGE");
    await w.advance(16 * MIN);
    const late = await app.inject({
      method: "POST",
      url: `/api/leads/${id}/bids`,
      headers: key,
      payload: { bid_multiplier: 1 },
    });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe("BID_WINDOW_CLOSED");
    expect((await counts()).bids).toBe(before.bids);
  });

  it("answer after the window → 409; second pending appeal → 409; 4-character appeal → 422", async () => {
    const c = await contractor(5);
    const key = await apiKey(w, c);
    await w.prisma.user.update({ where: { id: c }, data: { strike_count: 2 } });
    const id = await lead("+16025550105");
    await app.inject({ method: "POST", url: `/api/leads/${id}/bids`, headers: key, payload: { bid_multiplier: 1 } });
    await w.advance(15 * MIN);
    await w.advance(121 * MIN);
    const before = await counts();
    const late = await app.inject({
      method: "POST",
      url: `/api/leads/${id}/messages`,
      headers: key,
      payload: { message_text: "Sorry, late" },
    });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe("BID_WINDOW_CLOSED");
    expect((await counts()).messages).toBe(before.messages);

    const short = await app.inject({
      method: "POST",
      url: "/api/appeals",
      headers: key,
      payload: { appeal_reason: "pls" + "!" },
    });
    expect(short.statusCode).toBe(422);
    expect(short.json().error.code).toBe("APPEAL_TOO_SHORT");
    const first = await app.inject({
      method: "POST",
      url: "/api/appeals",
      headers: key,
      payload: { appeal_reason: "My phone died that afternoon." },
    });
    expect(first.statusCode).toBe(201);
    const second = await app.inject({
      method: "POST",
      url: "/api/appeals",
      headers: key,
      payload: { appeal_reason: "Please review my appeal soon." },
    });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe("APPEAL_PENDING");
    expect((await counts()).appeals).toBe(before.appeals + 1);

    const approve = await app.inject({
      method: "POST",
      url: `/api/appeals/${first.json().id}/approve`,
      headers: key,
      payload: {},
    });
    expect(approve.statusCode).toBe(403);
    const ok = await app.inject({
      method: "POST",
      url: `/api/appeals/${first.json().id}/approve`,
      headers: admin,
      payload: { note: "ok" },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe("APPROVED");
    const again = await app.inject({
      method: "POST",
      url: `/api/appeals/${first.json().id}/reject`,
      headers: admin,
      payload: {},
    });
    expect(again.json().error.code).toBe("APPEAL_ALREADY_DECIDED");
  });
});

describe("CAPI lead webhook", () => {
  const payload = (leadgen: string) =>
    JSON.stringify({
      object: "page",
      entry: [
        {
          id: "1",
          time: 1,
          changes: [
            {
              field: "leadgen",
              value: {
                leadgen_id: leadgen,
                form_id: "f1",
                field_data: [
                  { name: "full_name", values: ["Mia Lund"] },
                  { name: "phone_number", values: ["+1 480 555 0199"] },
                  { name: "zip_code", values: ["85004"] },
                  { name: "service", values: ["hvac"] },
                ],
              },
            },
          ],
        },
      ],
    });
  const sign = (body: string, secret = APP_SECRET) =>
    `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

  it("answers Meta's verification handshake", async () => {
    const ok = await app.inject({
      url: "/api/hooks/capi/lead?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42",
    });
    expect(ok.body).toBe("42");
    expect(
      (await app.inject({ url: "/api/hooks/capi/lead?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1" }))
        .statusCode,
    ).toBe(403);
  });

  it("a bad or missing signature → 401 and nothing written; a good one → a lead, once", async () => {
    const body = payload("lg-1");
    const before = await counts();
    for (const sig of [undefined, sign(body, "wrong"), "sha256=abc"]) {
      const res = await app.inject({
        method: "POST",
        url: "/api/hooks/capi/lead",
        headers: { "content-type": "application/json", ...(sig ? { "x-hub-signature-256": sig } : {}) },
        payload: body,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe("SIGNATURE_INVALID");
    }
    expect(await counts()).toEqual(before);
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({
        method: "POST",
        url: "/api/hooks/capi/lead",
        headers: { "content-type": "application/json", "x-hub-signature-256": sign(body) },
        payload: body,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().results[0].deduplicated).toBe(i === 1);
    }
    expect((await counts()).leads).toBe(before.leads + 1);
    const created = await w.prisma.lead.findFirstOrThrow({ where: { external_id: "lg-1" } });
    expect(created.customer_phone).toBe("+14805550199");
    expect(created.lead_source).toBe("facebook_leads");
  });
});
