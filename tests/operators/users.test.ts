/**
 * Panel users (issue 15): an admin creates or invites users with a role, changes roles, resets
 * passwords and disables people — through `/api/users` and the Users page. An e-mail in use is a
 * 409 naming `email`, an unknown role a 400 naming `role`, the last admin cannot be demoted or
 * disabled (409), disabling revokes the sessions and blocks sign-in, a reset password works once
 * shown and ends the old sessions; every change leaves an audit row, a refusal leaves nothing.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPanelUser, PASSWORD, PanelClient } from "../panel/support.js";
import { apiKey, apiWorld, closeTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import { makeContractor } from "../support/factories.js";

let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };

beforeAll(async () => {
  ({ w, app, admin } = await apiWorld(new Date("2026-04-01T15:00:00Z")));
});
afterAll(() => closeTestApp(app, w));

const api = (method: "GET" | "POST" | "PATCH", url: string, payload?: object, headers = admin) =>
  app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const audits = (id: string) =>
  w.prisma.auditLog.findMany({
    where: { entity_type: "user", entity_id: id, action: { startsWith: "user." } },
    orderBy: { created_at: "asc" },
  });
let seq = 0;
const email = () => `person${++seq}@users.test`;

describe("/api/users", () => {
  it("creates a user with a role, lists it in the one list shape, and audits the change", async () => {
    const res = await api("POST", "/api/users", { email: "Dana@Users.test", name: "Dana", role: "sales_manager" });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({ email: "dana@users.test", role: "sales_manager", disabled: false });
    expect(body.password).toMatch(/^\S{12,}$/); // invited: a generated password, shown once
    expect(JSON.stringify(body)).not.toContain("password_hash");
    const list = (await api("GET", "/api/users?per_page=200")).json();
    expect(Object.keys(list).sort()).toEqual(["data", "page", "per_page", "total"]);
    expect(list.data.map((u: { email: string }) => u.email)).toContain("dana@users.test");
    const rows = await audits(body.user.id);
    expect(rows.map((r) => [r.action, r.actor_kind])).toEqual([["user.created", "api_key"]]);
    expect(JSON.stringify(rows[0]?.after)).not.toContain(body.password);
    // The new person can sign in with the password they were handed.
    const c = new PanelClient(app);
    expect((await c.login("dana@users.test", body.password)).statusCode).toBe(303);
  });

  it("an e-mail in use (any case) is a 409 naming email; an unknown role a 400 naming role; nothing written", async () => {
    const first = await api("POST", "/api/users", { email: "same@users.test", name: "A", role: "read_only" });
    expect(first.statusCode).toBe(201);
    const before = await w.prisma.user.count();
    const dup = await api("POST", "/api/users", { email: "SAME@users.test", name: "B", role: "admin" });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: "CONFLICT", details: [{ field: "email" }] });
    expect(dup.json().error.message).toMatch(/^email:/);
    const role = await api("POST", "/api/users", { email: email(), name: "C", role: "superuser" });
    expect(role.statusCode).toBe(400);
    expect(role.json().error.details[0].field).toBe("role");
    const bad = await api("POST", "/api/users", { email: "not-an-email", name: "D", role: "admin" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe("email");
    expect(await w.prisma.user.count()).toBe(before);
  });

  it("needs an admin key", async () => {
    const contractor = await makeContractor(w.prisma);
    const key = await apiKey(w, contractor.id);
    expect((await api("GET", "/api/users", undefined, key)).statusCode).toBe(403);
    expect((await api("POST", "/api/users", { email: email(), name: "X", role: "admin" }, key)).statusCode).toBe(403);
  });

  it("the last admin cannot be demoted or disabled (409); with a second admin they can", async () => {
    // Only one active admin on the platform: disable every other admin first.
    await w.prisma.user.updateMany({ where: { role: "admin" }, data: { account_status: "disabled" } });
    const only = (await api("POST", "/api/users", { email: email(), name: "Solo", role: "admin" })).json().user;
    for (const change of [{ role: "read_only" }, { disabled: true }]) {
      const res = await api("PATCH", `/api/users/${only.id}`, change);
      expect(res.statusCode, JSON.stringify(change)).toBe(409);
      expect(res.json().error.message).toMatch(/last admin/);
    }
    expect(await w.prisma.user.findUniqueOrThrow({ where: { id: only.id } })).toMatchObject({
      role: "admin",
      account_status: "active",
    });
    expect((await audits(only.id)).map((r) => r.action)).toEqual(["user.created"]);
    await api("POST", "/api/users", { email: email(), name: "Second", role: "admin" });
    const demoted = await api("PATCH", `/api/users/${only.id}`, { role: "read_only" });
    expect(demoted.statusCode).toBe(200);
    expect(demoted.json().role).toBe("read_only");
  });

  it("disabling revokes the sessions and blocks sign-in; enabling lets them back in", async () => {
    const person = await createPanelUser(w, "read_only");
    const c = new PanelClient(app);
    await c.login(person.email ?? "");
    expect((await c.get("/admin/customers")).statusCode).toBe(200);
    const res = await api("PATCH", `/api/users/${person.id}`, { disabled: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ disabled: true, account_status: "disabled" });
    expect((await c.get("/admin/customers")).statusCode).toBe(303); // the open session is gone
    expect(await w.prisma.panelSession.count({ where: { user_id: person.id, revoked_at: null } })).toBe(0);
    await expect(new PanelClient(app).login(person.email ?? "")).rejects.toThrow(/login failed/);
    const rows = await audits(person.id);
    expect(rows.map((r) => r.action)).toEqual(["user.disabled"]);
    expect(rows[0]?.after).toMatchObject({ sessions_revoked: 1 });
    await api("PATCH", `/api/users/${person.id}`, { disabled: false });
    expect((await new PanelClient(app).login(person.email ?? "")).statusCode).toBe(303);
  });

  it("a password reset answers a new password once, ends the old sessions and is audited without the password", async () => {
    const person = await createPanelUser(w, "sales_manager");
    const c = new PanelClient(app);
    await c.login(person.email ?? "");
    const res = await api("POST", `/api/users/${person.id}/reset-password`);
    expect(res.statusCode).toBe(200);
    const { password } = res.json();
    expect(password).toMatch(/^\S{12,}$/);
    expect((await c.get("/admin/customers")).statusCode).toBe(303);
    await expect(new PanelClient(app).login(person.email ?? "", PASSWORD)).rejects.toThrow(/login failed/);
    expect((await new PanelClient(app).login(person.email ?? "", password)).statusCode).toBe(303);
    const rows = await audits(person.id);
    expect(rows.map((r) => r.action)).toEqual(["user.password_reset"]);
    expect(JSON.stringify(rows)).not.toContain(password);
    const contractor = await makeContractor(w.prisma);
    expect((await api("POST", `/api/users/${contractor.id}/reset-password`)).statusCode).toBe(404);
  });
});

describe("the Users page", () => {
  it("is for admins only, and is in their navigation", async () => {
    const boss = new PanelClient(app);
    await boss.login((await createPanelUser(w, "admin")).email ?? "");
    const page = await boss.get("/admin/users");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/admin/users"');
    const manager = new PanelClient(app);
    await manager.login((await createPanelUser(w, "sales_manager")).email ?? "");
    expect((await manager.get("/admin/users")).statusCode).toBe(403);
    expect((await manager.get("/admin")).body).not.toContain('href="/admin/users"');
  });

  it("creates, refuses a duplicate, changes a role, resets a password and disables — each audited as the panel user", async () => {
    const me = await createPanelUser(w, "admin");
    const c = new PanelClient(app);
    await c.login(me.email ?? "");
    await c.get("/admin/users");
    const address = email();
    const created = await c.postForm("/admin/users", { email: address, name: "Panel Made", role: "read_only" });
    expect(created.statusCode).toBe(200);
    const shown = /<code class="secret">([^<]+)<\/code>/.exec(created.body)?.[1];
    expect(shown).toBeTruthy();
    const user = await w.prisma.user.findUniqueOrThrow({ where: { email: address } });
    const dup = await c.postForm("/admin/users", { email: address.toUpperCase(), name: "Again", role: "admin" });
    expect(dup.statusCode).toBe(409);
    expect(dup.body).toContain("email: a user with this e-mail already exists");
    expect((await c.postForm(`/admin/users/${user.id}`, { role: "sales_manager" })).statusCode).toBe(200);
    const reset = await c.postForm(`/admin/users/${user.id}/password`, {});
    expect(reset.statusCode).toBe(200);
    expect(reset.body).toMatch(/<code class="secret">[^<]+<\/code>/);
    expect((await c.postForm(`/admin/users/${user.id}/disable`, {})).statusCode).toBe(200);
    expect(await w.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      role: "sales_manager",
      account_status: "disabled",
    });
    const rows = await audits(user.id);
    expect(rows.map((r) => r.action)).toEqual(["user.created", "user.updated", "user.password_reset", "user.disabled"]);
    expect(rows.every((r) => r.actor_kind === "panel_user" && r.actor_user_id === me.id)).toBe(true);
    // A role outside the list is refused with the field named, and nothing changes.
    const odd = await c.postForm(`/admin/users/${user.id}`, { role: "owner" });
    expect(odd.statusCode).toBe(400);
    expect(odd.body).toContain("role: must be one of admin, sales_manager, read_only");
  });
});
