import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor } from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let c: PanelClient;
let as: string;

beforeAll(async () => {
  w = await createWorld();
  app = await createTestApp(w, { sandbox: true });
  const contractor = await makeContractor(w.prisma, { name: "Dana <b>Fix</b>", company_name: "Dana <b>Fix</b>" });
  as = `contractor:${contractor.id}`;
  c = new PanelClient(app);
  await c.login((await createPanelUser(w, "admin")).email ?? "");
});
afterAll(async () => {
  await app.close();
  await w.close();
});

describe("the panel's chat sandbox", () => {
  it("lists the people one can talk as, names escaped", async () => {
    const page = await c.get("/admin/sandbox");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`value="${as}"`);
    expect(page.body).toContain("Dana &lt;b&gt;Fix&lt;/b&gt;");
    expect(page.body).not.toContain("<b>Fix</b>");
  });

  it("sends a message as the contractor and shows the bot's answer as a fragment", async () => {
    const res = await c.request({
      method: "POST",
      url: "/admin/sandbox/send",
      headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ as, text: "/help" }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("<html");
    expect(res.body).toContain('id="chat-log"');
    expect(res.body).toMatch(/class="msg me"[^>]*>\/help/);
    expect(res.body).toMatch(/class="msg bot"/);
    const sessions = await w.prisma.inboundMessage.findMany({ where: { channel: "sandbox" } });
    expect(sessions.map((m) => m.text)).toContain("/help");
  });

  it("without JavaScript, posts the form and lands back on the page", async () => {
    const res = await c.postForm("/admin/sandbox/send", { as, text: "/strikes" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/sandbox?as=${encodeURIComponent(as)}`);
    const page = await c.get(res.headers.location as string);
    expect(page.body).toContain("/strikes");
  });

  it("answers an empty message or an unknown persona with a 400, sending nothing", async () => {
    const before = await w.prisma.inboundMessage.count();
    const empty = await c.postForm("/admin/sandbox/send", { as, text: "   " });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('data-code="VALIDATION_FAILED"');
    const bad = await c.postForm("/admin/sandbox/send", { as: "wizard:1", text: "hi" });
    expect(bad.statusCode).toBe(400);
    expect(await w.prisma.inboundMessage.count()).toBe(before);
  });
});
