import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeMessageTemplate, makeSequenceTemplate } from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let adminEmail: string;
let readOnlyEmail: string;
const XSS = "<script>alert(1)</script>";

beforeAll(async () => {
  w = await createWorld();
  app = await createTestApp(w);
  adminEmail = (await createPanelUser(w, "admin")).email ?? "";
  readOnlyEmail = (await createPanelUser(w, "read_only")).email ?? "";
});
afterAll(async () => {
  await app.close();
  await w.close();
});

async function admin() {
  const c = new PanelClient(app);
  await c.login(adminEmail);
  return c;
}

/** The form fields of a sequence template's steps editor. */
function seqForm(name: string, steps: Array<{ delay: string; channel: string; text: string }>, extra = {}) {
  const form: Record<string, string> = { name, trigger_type: "replacement", description: "" };
  steps.forEach((s, i) => {
    form[`steps.${i}.delay`] = s.delay;
    form[`steps.${i}.channel`] = s.channel;
    form[`steps.${i}.text`] = s.text;
  });
  return { ...form, ...extra };
}

describe("templates list", () => {
  it("lists the three kinds with their rows, names escaped", async () => {
    const seq = await makeSequenceTemplate(w.prisma, { name: `Seq ${XSS}` });
    const msg = await makeMessageTemplate(w.prisma, { name: "Tune-up blast" });
    await w.prisma.promptTemplate.create({
      data: {
        key: "nba",
        version: 1,
        name: "Next best action",
        system_prompt: "Coach.",
        user_template: "Contact: {{customer_name}}",
      },
    });
    const c = await admin();
    const res = await c.get("/admin/templates");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`id="tpl-${seq.id}"`);
    expect(res.body).toContain("Seq &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain("replacement · 3 steps");
    expect(res.body).toContain(`href="/admin/templates/messages/${msg.id}"`);
    expect(res.body).toContain("Next best action");
    expect(res.body).toContain("nba · v1");
  });

  it("deactivates and re-activates a sequence template; htmx gets only the row back", async () => {
    const seq = await makeSequenceTemplate(w.prisma);
    const c = await admin();
    await c.get("/admin/templates");
    const res = await c.request({
      method: "POST",
      url: `/admin/templates/sequences/${seq.id}/active`,
      headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
      payload: "active=false",
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.trim().startsWith(`<tr id="tpl-${seq.id}"`)).toBe(true);
    expect(res.body).toContain('data-state="inactive"');
    expect(res.body).not.toContain("<html");
    expect((await w.prisma.sequenceTemplate.findUniqueOrThrow({ where: { id: seq.id } })).is_active).toBe(false);
    const again = await c.postForm(`/admin/templates/sequences/${seq.id}/active`, { active: "true" });
    expect(again.statusCode).toBe(303);
    expect((await w.prisma.sequenceTemplate.findUniqueOrThrow({ where: { id: seq.id } })).is_active).toBe(true);
  });
});

describe("sequence templates", () => {
  it("creates a template from the steps editor and stores its steps", async () => {
    const c = await admin();
    await c.get("/admin/templates/sequences/new");
    const res = await c.postForm(
      "/admin/templates/sequences",
      seqForm("Spring check", [
        { delay: "0m", channel: "sms", text: "Hi {{first_name}}, spring check? {{link}}" },
        { delay: "2d", channel: "email", text: "Hi {{first_name}}, a reminder." },
      ]),
    );
    expect(res.statusCode).toBe(303);
    const id = String(res.headers.location).match(/sequences\/([0-9a-f-]{36})\?saved=1$/)?.[1] ?? "";
    const t = await w.prisma.sequenceTemplate.findUniqueOrThrow({ where: { id } });
    expect(t).toMatchObject({ name: "Spring check", trigger_type: "replacement", owner_id: null, is_active: true });
    expect(t.steps).toEqual([
      { delay: "0m", channel: "sms", text: "Hi {{first_name}}, spring check? {{link}}" },
      { delay: "2d", channel: "email", text: "Hi {{first_name}}, a reminder." },
    ]);
    const page = await c.get(String(res.headers.location));
    expect(page.body).toContain("data-saved");
    expect(page.body).toContain('name="steps.1.text"');
    expect(page.body).toContain("Hi Alex, spring check? http://"); // the preview, with sample data
  });

  it("adds, moves and removes steps without saving (htmx gets the editor fragment)", async () => {
    const seq = await makeSequenceTemplate(w.prisma);
    const c = await admin();
    await c.get(`/admin/templates/sequences/${seq.id}`);
    const form = seqForm(seq.name, [
      { delay: "0m", channel: "sms", text: "first" },
      { delay: "1d", channel: "email", text: "second" },
    ]);
    const hx = (op: string) =>
      c.request({
        method: "POST",
        url: `/admin/templates/sequences/${seq.id}`,
        headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ ...form, _op: op }).toString(),
      });
    const added = await hx("add");
    expect(added.statusCode).toBe(200);
    expect(added.body.trimStart().startsWith('<div id="editor"')).toBe(true);
    expect(added.body).toContain('name="steps.2.text"');
    const moved = await hx("down:0");
    expect(moved.body.indexOf(">second</textarea>")).toBeLessThan(moved.body.indexOf(">first</textarea>"));
    const removed = await hx("remove:1");
    expect(removed.body).toContain(">first</textarea>".replace("first", "first"));
    expect(removed.body).not.toContain(">second</textarea>");
    // Without JavaScript: the same operation as a plain form post re-renders the whole page.
    const plain = await c.postForm(`/admin/templates/sequences/${seq.id}`, { ...form, _op: "add" });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toContain("<html");
    expect(plain.body).toContain('name="steps.2.delay"');
    const stored = await w.prisma.sequenceTemplate.findUniqueOrThrow({ where: { id: seq.id } });
    expect(stored.steps).toEqual(seq.steps);
  });

  it("renders the preview fragment from the form, changing with the input", async () => {
    const c = await admin();
    await c.get("/admin/templates/sequences/new");
    const auditRows = await w.prisma.auditLog.count();
    const preview = (text: string) =>
      c.request({
        method: "POST",
        url: "/admin/templates/sequences/preview",
        headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(seqForm("x", [{ delay: "0m", channel: "sms", text }])).toString(),
      });
    const a = await preview("Hello {{first_name}} from {{company_name}}");
    expect(a.statusCode).toBe(200);
    expect(a.body).not.toContain("<html");
    expect(a.body).toContain("Hello Alex from Desert Breeze HVAC");
    const b = await preview("Bye {{first_name}} {{last_name}}");
    expect(b.body).toContain("Bye Alex Rivera");
    expect(b.body).not.toContain("Hello Alex");
    const bad = await preview("Hi {{frist_name}}");
    expect(bad.body).toContain("data-preview-errors");
    expect(bad.body).toContain("unknown placeholder {{frist_name}}");
    expect(await w.prisma.auditLog.count()).toBe(auditRows);
  });

  it("shows errors inline next to each field with 422 and saves nothing", async () => {
    const seq = await makeSequenceTemplate(w.prisma, { name: "Keep me" });
    const c = await admin();
    await c.get(`/admin/templates/sequences/${seq.id}`);
    const res = await c.postForm(
      `/admin/templates/sequences/${seq.id}`,
      seqForm("Changed name", [
        { delay: "0m", channel: "sms", text: "Hi {{frist_name}}" },
        { delay: "soon", channel: "email", text: "ok" },
        { delay: "1d", channel: "sms", text: "   " },
      ]),
    );
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('data-code="VALIDATION_FAILED"');
    expect(res.body).toMatch(/data-error-for="steps\.0\.text">[^<]*unknown placeholder \{\{frist_name\}\}/);
    expect(res.body).toMatch(/data-error-for="steps\.1\.delay">step 2: delay must look like/);
    expect(res.body).toMatch(/data-error-for="steps\.2\.text">step 3: text must not be empty/);
    expect(res.body).toContain('value="Changed name"'); // what was typed is kept
    const stored = await w.prisma.sequenceTemplate.findUniqueOrThrow({ where: { id: seq.id } });
    expect(stored.name).toBe("Keep me");
    expect(stored.steps).toEqual(seq.steps);
  });

  it("escapes a script in a template's name and text on the edit page and in the preview", async () => {
    const seq = await makeSequenceTemplate(w.prisma, {
      name: XSS,
      steps: [{ delay: "0m", channel: "email", text: `Hi {{first_name}} ${XSS}` }],
    });
    const c = await admin();
    const page = await c.get(`/admin/templates/sequences/${seq.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(XSS);
    expect(page.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});

describe("message and prompt templates", () => {
  it("saves a message template, previews it with sample values, rejects an unknown placeholder with 422", async () => {
    const t = await makeMessageTemplate(w.prisma, { name: "Offer notice", body: "New {{category}} lead" });
    const c = await admin();
    const page = await c.get(`/admin/templates/messages/${t.id}`);
    expect(page.body).toContain("New AC repair lead");
    const form = { key: t.key, name: "Offer notice", language: "en", channel: "email", subject: "For {{first_name}}" };
    const pre = await c.request({
      method: "POST",
      url: "/admin/templates/messages/preview",
      headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ ...form, body: `Price {{your_price}} ${XSS}` }).toString(),
    });
    expect(pre.body).toContain("Price $40.50");
    expect(pre.body).toContain("For Alex");
    expect(pre.body).toContain("data-preview-html");
    expect(pre.body).not.toContain(XSS);
    const bad = await c.postForm(`/admin/templates/messages/${t.id}`, { ...form, body: "Hi {{nope}}" });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/data-error-for="body">unknown placeholder \{\{nope\}\}/);
    expect((await w.prisma.messageTemplate.findUniqueOrThrow({ where: { id: t.id } })).body).toBe(
      "New {{category}} lead",
    );
    const good = await c.postForm(`/admin/templates/messages/${t.id}`, { ...form, body: "Hi {{first_name}}" });
    expect(good.statusCode).toBe(303);
    const saved = await w.prisma.messageTemplate.findUniqueOrThrow({ where: { id: t.id } });
    expect(saved).toMatchObject({ body: "Hi {{first_name}}", channel: "email", subject: "For {{first_name}}" });
  });

  it("creates a message template; a second one with the same key and language is refused on the key field", async () => {
    const c = await admin();
    await c.get("/admin/templates/messages/new");
    const form = {
      key: "spring_offer",
      name: "Spring offer",
      language: "en",
      channel: "",
      subject: "",
      body: "Hi {{first_name}}",
    };
    const res = await c.postForm("/admin/templates/messages", form);
    expect(res.statusCode).toBe(303);
    const t = await w.prisma.messageTemplate.findFirstOrThrow({ where: { key: "spring_offer" } });
    expect(t).toMatchObject({
      owner_id: null,
      channel: null,
      subject: null,
      body: "Hi {{first_name}}",
      is_active: true,
    });
    const dup = await c.postForm("/admin/templates/messages", { ...form, name: "Another" });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toMatch(
      /data-error-for="key">a template &quot;spring_offer&quot; in &quot;en&quot; already exists/,
    );
    expect(await w.prisma.messageTemplate.count({ where: { key: "spring_offer" } })).toBe(1);
  });

  it("saves a prompt edit as the next active version; an unknown placeholder is refused", async () => {
    const v1 = await w.prisma.promptTemplate.create({
      data: {
        key: "greet",
        version: 1,
        name: "Greeting",
        system_prompt: "Be warm.",
        user_template: "Customer: {{customer_name}} ({{language}})",
      },
    });
    const c = await admin();
    const page = await c.get(`/admin/templates/prompts/${v1.id}`);
    expect(page.body).toContain("Customer: Alex Rivera (en)");
    const form = { name: "Greeting", model: "gpt-4o-mini", system_prompt: "Be warm and brief." };
    const bad = await c.postForm(`/admin/templates/prompts/${v1.id}`, { ...form, user_template: "{{occasion}}" });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/data-error-for="user_template">unknown placeholder \{\{occasion\}\}/);
    expect(await w.prisma.promptTemplate.count({ where: { key: "greet" } })).toBe(1);
    const ok = await c.postForm(`/admin/templates/prompts/${v1.id}`, {
      ...form,
      user_template: "Hi {{customer_name}}",
    });
    expect(ok.statusCode).toBe(303);
    const versions = await w.prisma.promptTemplate.findMany({ where: { key: "greet" }, orderBy: { version: "asc" } });
    expect(versions.map((v) => [v.version, v.is_active, v.model])).toEqual([
      [1, false, null],
      [2, true, "gpt-4o-mini"],
    ]);
    const back = await c.postForm(`/admin/templates/prompts/${v1.id}/active`, { active: "true" });
    expect(back.statusCode).toBe(303);
    const after = await w.prisma.promptTemplate.findMany({ where: { key: "greet" }, orderBy: { version: "asc" } });
    expect(after.map((v) => v.is_active)).toEqual([true, false]);
  });

  it("lets a read-only person see a template but not save it", async () => {
    const t = await makeMessageTemplate(w.prisma);
    const c = new PanelClient(app);
    await c.login(readOnlyEmail);
    const page = await c.get(`/admin/templates/messages/${t.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("data-save");
    const res = await c.postForm(`/admin/templates/messages/${t.id}`, {
      key: t.key,
      name: "x",
      language: "en",
      body: "y",
    });
    expect(res.statusCode).toBe(403);
  });
});
