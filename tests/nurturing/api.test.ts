import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeMessageTemplate } from "../support/factories.js";
import { contractorAndCustomer, fire, nurturingApp, PHOENIX_MORNING, stepMessages } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(PHOENIX_MORNING);
  app = await nurturingApp(w);
  admin = await apiKey(w);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const steps = [
  { delay: "0m", channel: "sms", text: "Hi {{first_name}}, options: {{link}}" },
  { delay: "2d", channel: "email", subject: "About your {{asset_brand}}", text: "Hi {{first_name}}" },
];

async function call(method: "GET" | "POST" | "PUT", url: string, headers: object, payload?: unknown) {
  return app.inject({ method, url, headers: headers as Record<string, string>, payload: payload as object });
}

describe("sequence templates API", () => {
  it("creates, lists, edits and previews; validation errors name the step", async () => {
    const created = await call("POST", "/api/sequence-templates", admin, {
      name: "Replacement",
      trigger_type: "replacement",
      steps,
    });
    expect(created.statusCode).toBe(201);
    const t = created.json();
    expect(t).toMatchObject({ name: "Replacement", owner_id: null, is_active: true });

    const bad = await call("POST", "/api/sequence-templates", admin, {
      name: "Bad",
      trigger_type: "replacement",
      steps: [steps[0], { delay: "someday", channel: "sms", text: "x" }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: "VALIDATION_FAILED",
      message: expect.stringMatching(/^step 2: delay/),
    });

    const list = await call("GET", "/api/sequence-templates?trigger_type=replacement", admin);
    expect(list.json().data.map((x: { id: string }) => x.id)).toContain(t.id);

    const edit = await call("PUT", `/api/sequence-templates/${t.id}`, admin, { is_active: false });
    expect(edit.statusCode).toBe(200);
    expect(edit.json().is_active).toBe(false);
    await call("PUT", `/api/sequence-templates/${t.id}`, admin, { is_active: true });

    const preview = await call("POST", `/api/sequence-templates/${t.id}/preview`, admin, {
      sample: { first_name: "Maria", asset_brand: "A.O. Smith <b>" },
    });
    expect(preview.statusCode).toBe(200);
    const p = preview.json();
    expect(p.errors).toEqual([]);
    expect(p.steps[0]).toMatchObject({ step: 1, channel: "sms", offset_ms: 0 });
    expect(p.steps[0].text).toMatch(/^Hi Maria, options: http/);
    expect(p.steps[1]).toMatchObject({ subject: "About your A.O. Smith <b>", offset_ms: 2 * 86_400_000 });
    expect(p.steps[1].html).toBe("Hi Maria");

    const plain = await call("POST", `/api/sequence-templates/${t.id}/preview`, admin);
    expect(plain.statusCode).toBe(200);
    expect(plain.json().steps[0].text).toMatch(/^Hi Alex, options: /);

    const unsaved = await call("POST", "/api/sequence-templates/preview", admin, {
      steps: [{ delay: "0m", channel: "sms", text: "Hi {{firstname}}" }],
    });
    expect(unsaved.json().errors[0].message).toMatch(/^step 1: unknown placeholder \{\{firstname\}\}/);
    expect(unsaved.json().steps[0].text).toBe("Hi {{firstname}}");
  });

  it("a contractor sees platform templates and its own, edits only its own", async () => {
    const { contractor } = await contractorAndCustomer(w);
    const other = await contractorAndCustomer(w);
    const key = await apiKey(w, contractor.id);
    const own = await call("POST", "/api/sequence-templates", key, { name: "Mine", trigger_type: "mine", steps });
    expect(own.statusCode).toBe(201);
    expect(own.json().owner_id).toBe(contractor.id);
    const theirs = await call("POST", "/api/sequence-templates", admin, {
      name: "Theirs",
      trigger_type: "mine",
      steps,
      owner_id: other.contractor.id,
    });
    const platform = await call("GET", "/api/sequence-templates", key);
    const ids = platform.json().data.map((x: { id: string }) => x.id);
    expect(ids).toContain(own.json().id);
    expect(ids).not.toContain(theirs.json().id);
    const pt = platform.json().data.find((x: { owner_id: string | null }) => x.owner_id === null);
    expect((await call("PUT", `/api/sequence-templates/${pt.id}`, key, { name: "x" })).statusCode).toBe(403);
    expect((await call("PUT", `/api/sequence-templates/${theirs.json().id}`, key, { name: "x" })).statusCode).toBe(404);
    const forge = await call("POST", "/api/sequence-templates", key, {
      name: "Forged",
      trigger_type: "x",
      steps,
      owner_id: other.contractor.id,
    });
    expect(forge.statusCode).toBe(403);
  });
});

describe("sequences API", () => {
  it("enrols, lists by status, shows events, pauses, resumes, stops; others' sequences are 404", async () => {
    const { contractor, customer } = await contractorAndCustomer(w);
    const other = await contractorAndCustomer(w);
    const mine = await apiKey(w, contractor.id);
    const theirs = await apiKey(w, other.contractor.id);
    const t = (await call("POST", "/api/sequence-templates", admin, { name: "S", trigger_type: "s", steps })).json();

    const enrolled = await call("POST", "/api/sequences", mine, { customer_id: customer.id, template_id: t.id });
    expect(enrolled.statusCode).toBe(201);
    const seq = enrolled.json();
    expect(seq.events).toHaveLength(2);
    expect(seq.events[0].scheduled_at).toBe(PHOENIX_MORNING.toISOString());
    const dup = await call("POST", "/api/sequences", mine, { customer_id: customer.id, template_id: t.id });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe("SEQUENCE_ALREADY_ACTIVE");
    const foreign = await call("POST", "/api/sequences", theirs, { customer_id: customer.id, template_id: t.id });
    expect(foreign.statusCode).toBe(404);

    await fire(w);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);

    const got = await call("GET", `/api/sequences/${seq.id}`, mine);
    expect(got.statusCode).toBe(200);
    expect(got.json().events.map((e: { status: string }) => e.status)).toEqual(["sent", "pending"]);
    expect(got.json().customer.name).toBe("Anna Jensen");
    expect((await call("GET", `/api/sequences/${seq.id}`, theirs)).statusCode).toBe(404);
    expect((await call("GET", "/api/sequences/not-a-uuid", mine)).statusCode).toBe(404);

    const listed = await call("GET", "/api/sequences?status=active", mine);
    expect(listed.json()).toMatchObject({ total: 1, page: 1 });
    expect((await call("GET", "/api/sequences?status=active", theirs)).json().total).toBe(0);
    expect((await call("GET", "/api/sequences", admin)).json().total).toBeGreaterThanOrEqual(1);

    for (const op of ["pause", "resume", "stop"]) {
      expect((await call("POST", `/api/sequences/${seq.id}/${op}`, theirs)).statusCode).toBe(404);
    }
    expect((await call("POST", `/api/sequences/${seq.id}/pause`, mine)).json().status).toBe("paused");
    expect((await call("GET", "/api/sequences?status=paused", mine)).json().total).toBe(1);
    expect((await call("POST", `/api/sequences/${seq.id}/resume`, mine)).json().status).toBe("active");
    const stopped = await call("POST", `/api/sequences/${seq.id}/stop`, mine, { reason: "booked by phone" });
    expect(stopped.json()).toMatchObject({
      status: "cancelled",
      outcome: "stopped",
      outcome_reason: "booked by phone",
    });
    const late = await call("POST", `/api/sequences/${seq.id}/pause`, mine);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe("SEQUENCE_ENDED");
  });

  it("records an outcome with revenue; revenue with lost is refused", async () => {
    const { contractor, customer } = await contractorAndCustomer(w);
    const key = await apiKey(w, contractor.id);
    const t = (await call("POST", "/api/sequence-templates", admin, { name: "O", trigger_type: "o", steps })).json();
    const seq = (await call("POST", "/api/sequences", key, { customer_id: customer.id, template_id: t.id })).json();
    const lost = await call("POST", `/api/sequences/${seq.id}/outcome`, key, { outcome: "lost", revenue_usd: 50 });
    expect(lost.statusCode).toBe(400);
    const won = await call("POST", `/api/sequences/${seq.id}/outcome`, key, {
      outcome: "converted",
      revenue_usd: 9000,
      reason: "Full replacement",
    });
    expect(won.statusCode).toBe(200);
    expect(won.json()).toMatchObject({ status: "completed", outcome: "converted", revenue_usd: "9000" });
  });
});

describe("message templates API", () => {
  it("creates, lists, edits; duplicates conflict and unknown placeholders are refused", async () => {
    await makeMessageTemplate(w.prisma, { key: "stale_estimate_nurture", body: "Hi {{first_name}}", subject: "Quote" });
    const body = {
      key: "welcome",
      name: "Welcome",
      language: "en",
      channel: "email",
      subject: "Hi",
      body: "Hi {{first_name}}",
    };
    const created = await call("POST", "/api/message-templates", admin, body);
    expect(created.statusCode).toBe(201);
    expect((await call("POST", "/api/message-templates", admin, body)).statusCode).toBe(409);
    const bad = await call("POST", "/api/message-templates", admin, { ...body, key: "bad", body: "Hi {{nick}}" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/unknown placeholder \{\{nick\}\}/);
    const edited = await call("PUT", `/api/message-templates/${created.json().id}`, admin, { body: "Hello {{name}}" });
    expect(edited.json().body).toBe("Hello {{name}}");
    const list = await call("GET", "/api/message-templates?language=en", admin);
    expect(list.json().data.map((t: { key: string }) => t.key)).toEqual(
      expect.arrayContaining(["stale_estimate_nurture", "welcome"]),
    );
    const { contractor } = await contractorAndCustomer(w);
    const key = await apiKey(w, contractor.id);
    expect((await call("PUT", `/api/message-templates/${created.json().id}`, key, { body: "x" })).statusCode).toBe(403);
    const own = await call("POST", "/api/message-templates", key, body);
    expect(own.statusCode).toBe(201);
    expect(own.json().owner_id).toBe(contractor.id);
  });

  it("needs an API key", async () => {
    expect((await call("GET", "/api/sequences", {})).statusCode).toBe(401);
  });
});
