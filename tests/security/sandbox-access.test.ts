/**
 * Issue 11, finding 1: the chat sandbox acts as any contractor or customer, so it answers only
 * an admin API key (the JSON API) or a signed-in panel admin (the Sandbox page), and only where
 * it is enabled (SANDBOX_ENABLED, default = DEMO_DATA). No NODE_ENV special case.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../admin/app.js";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxRoutes } from "../../bot/sandbox/routes.js";
import { sandboxPort } from "../../bot/sandbox/session.js";
import { parseConfig } from "../../core/config/config.js";
import type { CoreDeps } from "../../core/context.js";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor } from "../support/factories.js";

let w: TestWorld;
let on: FastifyInstance;
let off: FastifyInstance;
let contractorId: string;

/** The whole web app (panel + API) with the bot's sandbox API mounted, as main.ts wires it. */
async function webApp(deps: CoreDeps): Promise<FastifyInstance> {
  const chat = createChatApp(deps);
  const app = await buildApp({
    ...deps,
    sandbox: sandboxPort(deps, chat),
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => undefined,
  });
  await app.register(sandboxRoutes(deps, chat), { prefix: "/api/sandbox" });
  await app.ready();
  return app;
}

beforeAll(async () => {
  // NODE_ENV=test: the environment in which the sandbox used to be open to anyone.
  w = await createWorld();
  expect(w.deps.config.sandboxEnabled).toBe(true);
  on = await webApp(w.deps);
  off = await webApp({ ...w.deps, config: { ...w.deps.config, sandboxEnabled: false } });
  contractorId = (await makeContractor(w.prisma, { name: "Carla Cool" })).id;
});
afterAll(async () => {
  await on?.close();
  await off?.close();
  await w?.close();
});

const post = (app: FastifyInstance, headers: Record<string, string>, payload: unknown) =>
  app.inject({ method: "POST", url: "/api/sandbox/messages", headers, payload: payload as object });
const get = (app: FastifyInstance, headers: Record<string, string> = {}) =>
  app.inject({ method: "GET", url: "/api/sandbox/messages?session=sec-1", headers });

describe("the sandbox API (/api/sandbox/messages)", () => {
  it("refuses a caller without a key, with a wrong key or a contractor key — and writes nothing", async () => {
    const body = { session: "sec-1", as: `contractor:${contractorId}`, text: "/leads" };
    const none = await post(on, {}, body);
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: { code: "UNAUTHORIZED", message: expect.any(String), details: null } });
    expect((await post(on, { authorization: "Bearer lr_not-a-key" }, body)).statusCode).toBe(401);
    expect((await post(on, { authorization: "Basic YWRtaW46YWRtaW4=" }, body)).statusCode).toBe(401);
    const contractorKey = await apiKey(w, contractorId);
    const asContractor = await post(on, contractorKey, body);
    expect(asContractor.statusCode).toBe(403);
    expect(asContractor.json().error.code).toBe("FORBIDDEN");
    expect((await get(on)).statusCode).toBe(401);
    expect((await get(on, contractorKey)).statusCode).toBe(403);
    expect(await w.prisma.inboundMessage.count({ where: { channel: "sandbox" } })).toBe(0);
    expect(await w.prisma.channelIdentity.count({ where: { channel: "sandbox" } })).toBe(0);
  });

  it("checks the key before the body: no key and a bad body is a 401, not field details", async () => {
    const res = await post(on, {}, { session: "bad session!", as: "wizard", text: 42 });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.details).toBeNull();
  });

  it("answers an admin key", async () => {
    const admin = await apiKey(w);
    const sent = await post(on, admin, { session: "sec-1", as: `contractor:${contractorId}`, text: "/help" });
    expect(sent.statusCode, sent.body).toBe(201);
    expect((await get(on, admin)).statusCode).toBe(200);
    expect(await w.prisma.inboundMessage.count({ where: { channel: "sandbox" } })).toBe(1);
  });

  it("does not exist where the sandbox is off: 404 NOT_FOUND even for an admin key", async () => {
    const admin = await apiKey(w);
    const res = await post(off, admin, { session: "sec-2", as: "new", text: "hi" });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("NOT_FOUND");
    expect((await get(off, admin)).statusCode).toBe(404);
    expect(await w.prisma.inboundMessage.count({ where: { from_address: "sec-2" } })).toBe(0);
  });

  it("is on by default with the demo data and off with DEMO_DATA=false, unless SANDBOX_ENABLED says otherwise", () => {
    expect(parseConfig({}).sandboxEnabled).toBe(true);
    expect(parseConfig({ DEMO_DATA: "false" }).sandboxEnabled).toBe(false);
    expect(parseConfig({ DEMO_DATA: "false", SANDBOX_ENABLED: "true" }).sandboxEnabled).toBe(true);
    expect(parseConfig({ SANDBOX_ENABLED: "false" }).sandboxEnabled).toBe(false);
  });
});

describe("the panel's Sandbox page", () => {
  async function signedIn(app: FastifyInstance, role: "admin" | "sales_manager" | "read_only") {
    const c = new PanelClient(app);
    await c.login((await createPanelUser(w, role)).email ?? "");
    return c;
  }
  const navLink = /<a href="\/admin\/sandbox"/;

  it("is there for an admin: nav item, page and sending", async () => {
    const c = await signedIn(on, "admin");
    const home = await c.get("/admin");
    expect(home.body).toMatch(navLink);
    expect((await c.get("/admin/channels")).body).toContain('<a href="/admin/sandbox">Open the sandbox</a>');
    expect((await c.get("/admin/sandbox")).statusCode).toBe(200);
    const sent = await c.postForm("/admin/sandbox/send", { as: `contractor:${contractorId}`, text: "/strikes" });
    expect(sent.statusCode).toBe(303);
  });

  it("is refused to a sales manager and a read-only user (403), who do not see it in the nav", async () => {
    const before = await w.prisma.inboundMessage.count();
    for (const role of ["sales_manager", "read_only"] as const) {
      const c = await signedIn(on, role);
      expect((await c.get("/admin")).body).not.toMatch(navLink);
      expect((await c.get("/admin/channels")).body, role).not.toMatch(navLink);
      expect((await c.get("/admin/sandbox")).statusCode, role).toBe(403);
      expect((await c.get("/admin/sandbox/log?as=new")).statusCode, role).toBe(403);
      const sent = await c.postForm("/admin/sandbox/send", { as: `contractor:${contractorId}`, text: "/won 100" });
      expect(sent.statusCode, role).toBe(403);
    }
    expect(await w.prisma.inboundMessage.count()).toBe(before);
  });

  it("is hidden and 404 where the sandbox is off", async () => {
    const c = await signedIn(off, "admin");
    expect((await c.get("/admin")).body).not.toMatch(navLink);
    const channels = await c.get("/admin/channels");
    expect(channels.body).not.toMatch(navLink);
    expect(channels.body).toContain("SANDBOX_ENABLED");
    expect((await c.get("/admin/sandbox")).statusCode).toBe(404);
    const before = await w.prisma.inboundMessage.count();
    const sent = await c.postForm("/admin/sandbox/send", { as: "new", text: "hi" });
    expect(sent.statusCode).toBe(404);
    expect(await w.prisma.inboundMessage.count()).toBe(before);
  });
});
