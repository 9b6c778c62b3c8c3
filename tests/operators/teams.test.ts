/**
 * Teams (issue 15): a sales manager and their contractors and marketers, managed by an admin
 * through `/api/teams` and the Teams section of the Users page. A manager who is not a sales
 * manager is a 400 naming `manager_id`; every change is audited; a refused change writes
 * nothing; a `team:<id>` key is parsed from the command line and sees its own team only.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, parseScope } from "../../core/accounts/api-key.service.js";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { apiWorld, closeTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import { makeContractor, makeMarketer } from "../support/factories.js";

let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };

beforeAll(async () => {
  ({ w, app, admin } = await apiWorld(new Date("2026-04-01T15:00:00Z")));
});
afterAll(() => closeTestApp(app, w));

const api = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object, headers = admin) =>
  app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const audits = (id: string) =>
  w.prisma.auditLog.findMany({ where: { entity_type: "team", entity_id: id }, orderBy: { created_at: "asc" } });
let n = 0;
const manager = () => createPanelUser(w, "sales_manager", `manager${++n}@teams.test`);

describe("parseScope (the CLI's --scope)", () => {
  it("reads admin, contractor:<uuid> and team:<uuid>, and nothing else", () => {
    const id = "6f1c1a52-3b0e-4a8e-9d7e-2f8a0b1c2d3e";
    expect(parseScope("admin")).toEqual({ kind: "admin" });
    expect(parseScope(`contractor:${id}`)).toEqual({ kind: "contractor", ownerId: id });
    expect(parseScope(`team:${id.toUpperCase()}`)).toEqual({ kind: "team", teamId: id });
    for (const bad of ["team:", "team:abc", "teams:" + id, "root", `team:${id}x`]) expect(parseScope(bad)).toBeNull();
  });
});

describe("/api/teams", () => {
  it("creates a team with a manager and members, renames it, changes manager and members — all audited", async () => {
    const boss = await manager();
    const [a, b] = [await makeContractor(w.prisma), await makeMarketer(w.prisma)];
    const res = await api("POST", "/api/teams", { name: "North", manager_id: boss.id, member_ids: [a.id] });
    expect(res.statusCode).toBe(201);
    const team = res.json();
    expect(team).toMatchObject({ name: "North", manager_id: boss.id, member_ids: [a.id] });
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: a.id } })).manager_id).toBe(boss.id);

    expect((await api("PATCH", `/api/teams/${team.id}`, { name: "North-East" })).json().name).toBe("North-East");
    const added = await api("POST", `/api/teams/${team.id}/members`, { user_ids: [b.id] });
    expect(added.statusCode).toBe(200);
    expect([...added.json().member_ids].sort()).toEqual([a.id, b.id].sort());
    const boss2 = await manager();
    expect((await api("PATCH", `/api/teams/${team.id}`, { manager_id: boss2.id })).statusCode).toBe(200);
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: b.id } })).manager_id).toBe(boss2.id);
    const removed = await api("DELETE", `/api/teams/${team.id}/members/${a.id}`);
    expect(removed.json().member_ids).toEqual([b.id]);
    expect(await w.prisma.user.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({
      team_id: null,
      manager_id: null,
    });
    expect((await audits(team.id)).map((r) => r.action)).toEqual([
      "team.created",
      "team.updated",
      "team.members_added",
      "team.updated",
      "team.member_removed",
    ]);
    const list = (await api("GET", "/api/teams")).json();
    expect(Object.keys(list).sort()).toEqual(["data", "page", "per_page", "total"]);
    expect(list.data.map((t: { id: string }) => t.id)).toContain(team.id);
  });

  it("a manager who is not a sales manager is a 400 naming manager_id; nothing is written", async () => {
    const before = await w.prisma.team.count();
    const contractor = await makeContractor(w.prisma);
    const adminUser = await createPanelUser(w, "admin");
    for (const id of [contractor.id, adminUser.id, "6f1c1a52-3b0e-4a8e-9d7e-2f8a0b1c2d3e"]) {
      const res = await api("POST", "/api/teams", { name: `Bad ${id}`, manager_id: id });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ field: "manager_id" }] });
      expect(res.json().error.message).toBe("manager_id: is not a sales manager");
    }
    expect(await w.prisma.team.count()).toBe(before);
    const team = (await api("POST", "/api/teams", { name: "Plain" })).json();
    const res = await api("PATCH", `/api/teams/${team.id}`, { manager_id: contractor.id });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe("manager_id");
    expect((await w.prisma.team.findUniqueOrThrow({ where: { id: team.id } })).manager_id).toBeNull();
  });

  it("refuses a taken name (409 name), a manager of another team (409 manager_id) and a non-contractor member (400 user_ids)", async () => {
    const boss = await manager();
    const first = (await api("POST", "/api/teams", { name: "South", manager_id: boss.id })).json();
    const name = await api("POST", "/api/teams", { name: "south" });
    expect(name.statusCode).toBe(409);
    expect(name.json().error.details[0].field).toBe("name");
    const twice = await api("POST", "/api/teams", { name: "West", manager_id: boss.id });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.details[0].field).toBe("manager_id");
    const member = await api("POST", `/api/teams/${first.id}/members`, { user_ids: [boss.id] });
    expect(member.statusCode).toBe(400);
    expect(member.json().error.details[0].field).toBe("user_ids");
    expect((await audits(first.id)).map((r) => r.action)).toEqual(["team.created"]);
  });

  it("changes need an admin key; a team key sees only its own team", async () => {
    const boss = await manager();
    const mine = (await api("POST", "/api/teams", { name: "Mine", manager_id: boss.id })).json();
    const r = await createApiKey(
      w.prisma,
      { token: () => `t${Math.random().toString(36).slice(2)}x${Date.now()}` },
      {
        name: "team key",
        scope: { kind: "team", teamId: mine.id },
      },
    );
    if (!r.ok) throw new Error(r.message);
    const key = { authorization: `Bearer ${r.value.key}` };
    const list = (await api("GET", "/api/teams", undefined, key)).json();
    expect(list.data.map((t: { id: string }) => t.id)).toEqual([mine.id]);
    expect((await api("POST", "/api/teams", { name: "Sneaky" }, key)).statusCode).toBe(403);
    expect((await api("PATCH", `/api/teams/${mine.id}`, { name: "Renamed" }, key)).statusCode).toBe(403);
    const unknown = await createApiKey(
      w.prisma,
      { token: () => "x" },
      {
        name: "nope",
        scope: { kind: "team", teamId: "6f1c1a52-3b0e-4a8e-9d7e-2f8a0b1c2d3e" },
      },
    );
    expect(unknown.ok).toBe(false);
  });
});

describe("the Teams section of the Users page", () => {
  it("creates a team, adds and removes a member, and refuses a manager who is not a sales manager", async () => {
    const me = await createPanelUser(w, "admin");
    const c = new PanelClient(app);
    await c.login(me.email ?? "");
    const boss = await manager();
    const member = await makeContractor(w.prisma, { name: "Panel Member" });
    await c.get("/admin/users");
    const created = await c.postForm("/admin/teams", { name: "Panel Team", manager_id: boss.id });
    expect(created.statusCode).toBe(200);
    expect(created.body).toContain("Team &quot;Panel Team&quot; was created.");
    const team = await w.prisma.team.findUniqueOrThrow({ where: { name: "Panel Team" } });
    expect((await c.postForm(`/admin/teams/${team.id}/members`, { user_id: member.id })).statusCode).toBe(200);
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: member.id } })).team_id).toBe(team.id);
    const refused = await c.postForm(`/admin/teams/${team.id}`, { name: "Panel Team", manager_id: member.id });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain("manager_id: is not a sales manager");
    expect((await c.postForm(`/admin/teams/${team.id}/members/${member.id}/remove`, {})).statusCode).toBe(200);
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: member.id } })).team_id).toBeNull();
    const rows = await audits(team.id);
    expect(rows.map((r) => r.action)).toEqual(["team.created", "team.members_added", "team.member_removed"]);
    expect(rows.every((r) => r.actor_kind === "panel_user" && r.actor_user_id === me.id)).toBe(true);
  });
});
