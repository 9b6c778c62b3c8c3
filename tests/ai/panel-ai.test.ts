/**
 * The panel's AI page (admins only): the model and base URL (never the key), the circuit
 * breaker, usage and cost per day with cache hit rate and failures, and a switch per feature that
 * the features honour — switched off, the API answers from rules without calling the model; each
 * switch is audited as the signed-in admin. Also the AI's other panel surfaces: drafts on the
 * customer card and coaching on the dashboard.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAiFeature } from "../../core/ai/ai-settings.js";
import type { Llm } from "../../core/ports.js";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeMarketer } from "../support/factories.js";
import { FakeOpenAi } from "../support/fake-openai.js";
import { appWith, fakeLlm, makeScene, seedPrompts, validAnswerFor } from "./ai-support.js";

let w: TestWorld;
let fake: FakeOpenAi;
let llm: Llm;
let app: FastifyInstance;
let admin: PanelClient;
let adminId: string;
const SECRET = "sk-very-secret-key";

beforeAll(async () => {
  w = await createWorld();
  await seedPrompts(w);
  fake = await FakeOpenAi.start();
  fake.fallback = (req) => validAnswerFor(req);
  llm = fakeLlm(fake.baseUrl);
  // Configured as main.ts would be from OPENAI_*: the page reads the model and base URL from config.
  const openai = { ...w.deps.config.openai, apiKey: SECRET, baseUrl: fake.baseUrl, model: "gpt-4o-mini" };
  app = await createTestApp({ ...w, deps: { ...w.deps, llm, config: { ...w.deps.config, openai } } });
  const user = await createPanelUser(w, "admin");
  adminId = user.id;
  admin = new PanelClient(app);
  await admin.login(user.email ?? "");
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
  await w?.close();
});

describe("the AI page", () => {
  it("shows the model and base URL but never the key, the breaker, and usage per day", async () => {
    const s = await makeScene(w);
    const headers = await apiKey(w);
    const url = `/api/customers/${s.customer.id}/timeline-summary`;
    expect((await app.inject({ method: "POST", url, headers })).json().engine).toBe("llm");
    expect((await app.inject({ method: "POST", url, headers })).json().engine).toBe("llm"); // a cache hit
    const page = await admin.get("/admin/ai");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="/admin/ai" aria-current="page">AI</a>');
    expect(page.body).toMatch(/data-ai="model">gpt-4o-mini</);
    expect(page.body).toContain(`data-ai="base-url">${fake.baseUrl}<`);
    expect(page.body).not.toContain(SECRET);
    expect(page.body).not.toContain("very-secret");
    expect(page.body).toMatch(/data-ai="breaker">closed</);
    expect(page.body).toMatch(/data-ai="requests">2</);
    expect(page.body).toMatch(/data-ai="cache-hit-rate">50\.0%</);
    const today = w.clock.now().toISOString().slice(0, 10);
    expect(page.body).toMatch(new RegExp(`<tr data-day="${today}"><td>${today}</td><td>2</td><td>1</td><td>0</td>`));
  });

  it("a feature switched off answers from rules without calling the model; the switch is audited", async () => {
    const s = await makeScene(w);
    const headers = await apiKey(w);
    const url = `/api/customers/${s.customer.id}/analyze-sentiment`;
    expect((await app.inject({ method: "POST", url, headers })).json()).toMatchObject({ engine: "llm" });
    const calls = fake.requests.length;

    const off = await admin.postForm("/admin/ai/features/analyze_sentiment", { enabled: "false" });
    expect(off.statusCode).toBe(303);
    const audit = await w.prisma.auditLog.findFirstOrThrow({ where: { action: "ai.feature_disabled" } });
    expect(audit).toMatchObject({ actor_kind: "panel_user", actor_user_id: adminId, entity_id: "ai.features" });
    expect((await admin.get("/admin/ai")).body).toMatch(
      /id="ai-feature-analyze_sentiment"[\s\S]*?off — rules only[\s\S]*?Turn on/,
    );

    const ruled = await app.inject({ method: "POST", url, headers });
    expect(ruled.statusCode).toBe(200);
    expect(ruled.json()).toMatchObject({ engine: "rules", sentiment: "positive" });
    expect(fake.requests.length).toBe(calls);
    // Other features still use the model.
    const other = await app.inject({
      method: "POST",
      url: `/api/customers/${s.customer.id}/generate-greeting`,
      headers,
    });
    expect(other.json().engine).toBe("llm");

    await admin.postForm("/admin/ai/features/analyze_sentiment", { enabled: "true" });
    expect((await app.inject({ method: "POST", url, headers })).json().engine).toBe("llm");
    expect(await w.prisma.auditLog.count({ where: { action: { startsWith: "ai.feature_" } } })).toBe(2);
  });

  it("refuses an unknown feature with a 400 and writes nothing; a no-op switch writes no audit row", async () => {
    const before = await w.prisma.auditLog.count();
    const res = await admin.postForm("/admin/ai/features/launch_rockets", { enabled: "false" });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain("VALIDATION_FAILED");
    const same = await setAiFeature(w.deps, "nba", true, { kind: "system" });
    expect(same).toMatchObject({ ok: true, value: { changed: false } });
    expect(await w.prisma.auditLog.count()).toBe(before);
  });

  it("shows the circuit breaker open after a 500 storm", async () => {
    const storm = fakeLlm(fake.baseUrl);
    const stormApp = await appWith(w, storm);
    const stormAdmin = new PanelClient(stormApp);
    const u = await createPanelUser(w, "admin");
    await stormAdmin.login(u.email ?? "");
    const s = await makeScene(w);
    const headers = await apiKey(w);
    fake.answer({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    await stormApp.inject({ method: "POST", url: `/api/customers/${s.customer.id}/profitability-analysis`, headers });
    await stormApp.inject({ method: "POST", url: `/api/customers/${s.customer.id}/generate-greeting`, headers });
    const page = await stormAdmin.get("/admin/ai");
    expect(page.body).toMatch(/data-ai="breaker">open</);
    expect(page.body).toMatch(/data-ai="failures">[1-9]/);
    await stormApp.close();
  });

  it("is for admins only: no page and no nav entry for a sales manager", async () => {
    const u = await createPanelUser(w, "sales_manager");
    const manager = new PanelClient(app);
    await manager.login(u.email ?? "");
    expect((await manager.get("/admin/ai")).statusCode).toBe(403);
    expect((await manager.get("/admin")).body).not.toContain('href="/admin/ai"');
    const post = await manager.postForm("/admin/ai/features/nba", { enabled: "false" });
    expect(post.statusCode).toBe(403);
    expect(await w.prisma.setting.findUnique({ where: { key: "ai.features" } })).toMatchObject({ value: {} });
  });
});

describe("the AI on other panel pages", () => {
  it("the customer card lists drafts awaiting approval", async () => {
    const s = await makeScene(w);
    await w.prisma.aiDraft.create({
      data: {
        owner_id: s.owner.id,
        customer_id: s.customer.id,
        kind: "followup",
        text: "Hej Rosa, virker anlægget stadig fint?",
        engine: "rules",
        channel: "whatsapp",
      },
    });
    const card = await admin.get(`/admin/customers/${s.customer.id}`);
    expect(card.statusCode).toBe(200);
    expect(card.body).toMatch(
      /Suggested follow-ups[\s\S]*data-kind="followup"[\s\S]*Hej Rosa, virker anlægget stadig fint\?/,
    );
  });

  it("the dashboard coaches the selected marketer from the rules, phrased by the model", async () => {
    const mona = await makeMarketer(w.prisma, { name: "Mona Coach" });
    await makeCustomer(w.prisma, { owner_id: mona.id, name: "Prospect P" });
    fake.answer({
      json: { tips: ["Keep going: send 5 more invites today.", "Five follow-ups today.", "Talk to 3 new people."] },
    });
    const page = await admin.get(`/admin?marketer=${mona.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/data-kpi="dmo_coaching" data-engine="llm"/);
    expect(page.body).toContain("Keep going: send 5 more invites today.");
    await admin.postForm("/admin/ai/features/coaching", { enabled: "false" });
    const ruled = await admin.get(`/admin/dashboard/dmo?marketer=${mona.id}`);
    expect(ruled.body).toMatch(/data-kpi="dmo_coaching" data-engine="rules"/);
    expect(ruled.body).toMatch(/<li data-tip="invites_short">Send 5 more invites today \(0 of 5 so far\)\.<\/li>/);
  });
});
