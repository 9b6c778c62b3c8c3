/**
 * Issue 11, findings 2, 3 and 11: every 5xx is logged with its request id; text PostgreSQL cannot
 * store (NUL, lone surrogates), JSON nested too deep and out-of-range dates are refused at the
 * boundary with a 4xx and nothing written; webhook bodies are schema-checked after the signature;
 * the API key is checked before the body; router errors keep the API's error shape.
 */
import { createHmac } from "node:crypto";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../admin/app.js";
import { findUnsafeText } from "../../core/text-safety.js";
import { createPanelUser, PASSWORD, PanelClient } from "../panel/support.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";

const CAPI_SECRET = "capi-boundary-secret";
let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };
let mine: { authorization: string };
let contractorId: string;

beforeAll(async () => {
  w = await createWorld({ CAPI_APP_SECRET: CAPI_SECRET });
  app = await createTestApp(w);
  admin = await apiKey(w);
  contractorId = (await makeContractor(w.prisma)).id;
  mine = await apiKey(w, contractorId);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

/** Row counts that a refused request must leave as they were. */
async function fingerprint() {
  const [customers, pipelines, stages, reminders, leads, audit] = await Promise.all([
    w.prisma.customer.count(),
    w.prisma.dealPipeline.count(),
    w.prisma.dealStage.count(),
    w.prisma.reminder.count(),
    w.prisma.lead.count(),
    w.prisma.auditLog.count(),
  ]);
  return { customers, pipelines, stages, reminders, leads, audit };
}

function post(url: string, raw: string, headers: Record<string, string> = mine) {
  return app.inject({ method: "POST", url, headers: { "content-type": "application/json", ...headers }, payload: raw });
}

function expectShape(res: { statusCode: number; json(): unknown }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  const body = res.json() as { error: { code: string; message: string; details: unknown } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error).toHaveProperty("details");
}

describe("the pure checker", () => {
  it("finds NUL, lone surrogates (either half) and depth, and passes paired surrogates", () => {
    expect(findUnsafeText({ a: ["ok", "x\u0000"] })).toMatchObject({ field: "a.1", problem: "nul" });
    expect(findUnsafeText({ a: "\ud800x" })).toMatchObject({ field: "a", problem: "surrogate" });
    expect(findUnsafeText({ a: "x\udc00" })).toMatchObject({ problem: "surrogate" });
    expect(findUnsafeText({ "k\u0000": 1 })).toMatchObject({ problem: "nul" });
    expect(findUnsafeText({ a: "😀 \ud83d\ude00" })).toBeNull();
    expect(findUnsafeText(JSON.parse(`${"[".repeat(10_000)}${"]".repeat(10_000)}`))).toMatchObject({
      problem: "depth",
    });
    expect(findUnsafeText(JSON.parse(`${"[".repeat(32)}${"]".repeat(32)}`))).toBeNull();
  });
});

describe("text PostgreSQL cannot store → 400, nothing written", () => {
  it("refuses NUL in a text field, a JSON field, a JSON key and a query value", async () => {
    const before = await fingerprint();
    const cases = [
      post("/api/customers", JSON.stringify({ name: "Ann\u0000Lee" })),
      post("/api/customers", JSON.stringify({ name: "Ann", utm: { source: "a\u0000" } })),
      post("/api/customers", JSON.stringify({ name: "Ann", metadata: { "k\u0000": 1 } })),
      post("/api/customers", JSON.stringify({ name: "Ann", handles: { x: "\u0000" } })),
      app.inject({ method: "GET", url: "/api/customers?search=%00", headers: mine }),
      app.inject({ method: "GET", url: "/api/leads?status=ACTIVE%00", headers: admin }),
      app.inject({ method: "GET", url: "/api/customers/%00", headers: mine }),
    ];
    const answers = await Promise.all(cases);
    for (const res of answers) expectShape(res, 400, "VALIDATION_FAILED");
    expect(answers[0]?.json().error.details[0].field).toBe("name");
    expect(await fingerprint()).toEqual(before);
  });

  it("refuses a lone surrogate inside a JSON field (raw \\ud800 escape on the wire)", async () => {
    const before = await fingerprint();
    const res = await post("/api/customers", '{"name":"Ann","consent":{"sms":"\\ud800"}}');
    expectShape(res, 400, "VALIDATION_FAILED");
    expect(res.json().error.details[0].field).toBe("consent.sms");
    expect(await fingerprint()).toEqual(before);
  });

  it("refuses JSON nested 10,000 deep inside a JSON field (never reaches Prisma's serializer)", async () => {
    const before = await fingerprint();
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const res = await post("/api/customers", `{"name":"Ann","utm":${deep}}`);
    expectShape(res, 400, "VALIDATION_FAILED");
    expect(res.json().error.message).toMatch(/nested deeper/);
    expect(await fingerprint()).toEqual(before);
  });

  it("refuses year-0000 and year-99999 dates, accepts an ordinary one", async () => {
    const customer = await makeCustomer(w.prisma, { owner_id: contractorId });
    const before = await fingerprint();
    for (const when of ["0000-01-01T00:00:00Z", "99999-01-01T00:00:00Z", "1899-12-31T23:00:00Z"]) {
      const r = await post("/api/reminders", JSON.stringify({ customer_id: customer.id, scheduled_for: when }));
      expectShape(r, 400, "VALIDATION_FAILED");
      const c = await app.inject({
        method: "PUT",
        url: `/api/customers/${customer.id}`,
        headers: mine,
        payload: { next_action_date: when },
      });
      expectShape(c, 400, "VALIDATION_FAILED");
    }
    expect(await fingerprint()).toEqual(before);
    const ok = await post(
      "/api/reminders",
      JSON.stringify({ customer_id: customer.id, scheduled_for: "2026-03-01T09:00:00Z" }),
    );
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it("two stage names that would collide after U+FFFD replacement are refused, not a 500", async () => {
    const before = await fingerprint();
    const res = await post(
      "/api/pipelines",
      JSON.stringify({ name: "Collide", stages: [{ name: "Won\ud800" }, { name: "Won\ud801" }] }),
      admin,
    );
    expectShape(res, 400, "VALIDATION_FAILED");
    expect(await fingerprint()).toEqual(before);
  });

  it("POST /admin/login with a NUL in the e-mail is a clean 4xx, no session needed", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/admin/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "email=a%00b%40example.test&password=x",
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });

  it("a signed-in panel form with NUL in a field is refused and changes nothing", async () => {
    const user = await createPanelUser(w, "admin");
    const c = new PanelClient(app);
    await c.login(user.email ?? "", PASSWORD);
    const customer = await makeCustomer(w.prisma, { owner_id: contractorId });
    const before = await fingerprint();
    const res = await c.postForm(`/admin/customers/${customer.id}/reminders`, {
      type: "custom",
      message: "call\u0000back",
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain("VALIDATION_FAILED");
    expect(await fingerprint()).toEqual(before);
  });
});

describe("authentication before the body", () => {
  it("no key + bad body → 401, not 400 with field details", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/customers",
      headers: { "content-type": "application/json" },
      payload: '{"name": 5, "x": "\\u0000"}',
    });
    expectShape(res, 401, "UNAUTHORIZED");
    const bad = await app.inject({
      method: "POST",
      url: "/api/leads",
      headers: { "content-type": "application/json", authorization: "Bearer lr_nope" },
      payload: "{not json",
    });
    expectShape(bad, 401, "UNAUTHORIZED");
  });
});

describe("router errors keep the documented shape", () => {
  it("`%ff` in a path → 400 INVALID_URL; a 101-character id → 414 PARAM_TOO_LONG", async () => {
    expectShape(await app.inject({ url: "/api/customers/%ff", headers: mine }), 400, "INVALID_URL");
    expectShape(await app.inject({ method: "POST", url: "/api/leads/%ff/bids", headers: mine }), 400, "INVALID_URL");
    expectShape(await app.inject({ url: `/api/customers/${"a".repeat(101)}`, headers: mine }), 414, "PARAM_TOO_LONG");
  });
});

describe("CAPI lead webhook bodies are schema-checked after the signature", () => {
  const sign = (body: string) => `sha256=${createHmac("sha256", CAPI_SECRET).update(body).digest("hex")}`;
  const capi = (body: string, signature = sign(body)) =>
    app.inject({
      method: "POST",
      url: "/api/hooks/capi/lead",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      payload: body,
    });

  it("entry not an array, a null body, a null leadgen value → 400 VALIDATION_FAILED", async () => {
    const before = await fingerprint();
    for (const body of [
      '{"object":"page","entry":{"changes":[]}}',
      "null",
      '{"entry":"x"}',
      "[]",
      '{"entry":[{"changes":[{"field":"leadgen","value":null}]}]}',
      '{"entry":[{"changes":[{"field":"leadgen","value":{"field_data":"x"}}]}]}',
      '{"entry":[null]}',
    ]) {
      expectShape(await capi(body), 400, "VALIDATION_FAILED");
    }
    expect(await fingerprint()).toEqual(before);
  });

  it("an unsigned bad body is 401 SIGNATURE_INVALID (the signature is checked first)", async () => {
    expectShape(await capi("null", "sha256=00"), 401, "SIGNATURE_INVALID");
    expectShape(await capi('{"entry":[{"x":"\\u0000"}]}', "sha256=00"), 401, "SIGNATURE_INVALID");
  });
});

describe("every 5xx is logged with its request id", () => {
  it("logs request id, method, route and cause through the process logger", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logged = await buildApp({
      ...w.deps,
      loggerInstance: pino({ level: "info" }, sink),
      version: "test",
      dbMode: "embedded",
      queueMode: "embedded",
      checkReady: async () => undefined,
    });
    logged.get("/api/test-boom/:id", async () => {
      throw new Error("kaboom in the handler");
    });
    try {
      const res = await logged.inject({ url: "/api/test-boom/7" });
      expectShape(res, 500, "INTERNAL");
      const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        reqId: expect.any(String),
        method: "GET",
        route: "/api/test-boom/:id",
        err: { message: "kaboom in the handler" },
      });
      // The same request id is on the request's other lines (incoming / completed).
      const ids = lines.map((l) => JSON.parse(l)).filter((l) => l.reqId === errors[0].reqId);
      expect(ids.length).toBeGreaterThanOrEqual(3);
    } finally {
      await logged.close();
    }
  });
});
