/**
 * Automation rules (issue 15, seed 003): list, create, edit and switch off the event → reminder
 * and status rules per owner through `/api/automation-rules` and the panel, with a preview that
 * writes nothing; the events path uses an edit from the very next event; bad input is a 400
 * naming the field with nothing written; every change is audited.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeMarketer } from "../support/factories.js";

const NOW = new Date("2026-04-01T15:00:00Z");
const HOUR = 3_600_000;
let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };
let me: string;
let mine: { authorization: string };
let other: string;
let theirs: { authorization: string };

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  app = await createTestApp(w);
  admin = await apiKey(w);
  me = (await makeMarketer(w.prisma)).id;
  mine = await apiKey(w, me);
  other = (await makeContractor(w.prisma)).id;
  theirs = await apiKey(w, other);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const api = (method: "GET" | "POST" | "PUT", url: string, payload?: object, headers = mine) =>
  app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
let seq = 0;
/** A NO_SHOW for a fresh customer of mine; the reminder types it created, in time order. */
async function noShow(): Promise<string[]> {
  const c = await makeCustomer(w.prisma, { owner_id: me, name: "Ola" });
  const res = await api("POST", "/api/events", {
    event_id: `evt-${++seq}`,
    event_name: "NO_SHOW",
    timestamp: w.clock.now().toISOString(),
    customer_id: c.id,
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
  const rows = await w.prisma.reminder.findMany({ where: { customer_id: c.id }, orderBy: { scheduled_for: "asc" } });
  return rows.map((r) => r.type);
}
const ruleCount = () => w.prisma.automationRule.count();
const ruleAudits = () => w.prisma.auditLog.count({ where: { entity_type: "automation_rule" } });

describe("/api/automation-rules", () => {
  let ruleId: string;

  it("lists the product defaults (seed 003's 2h/1d/24h/48h/7d) beside the stored rows", async () => {
    const res = await api("GET", "/api/automation-rules");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ data: [], total: 0, page: 1 });
    const noShowDefault = res.json().defaults.find((d: { name: string }) => d.name === "no_show_rebook");
    expect(
      noShowDefault.actions
        .filter((a: { type: string }) => a.type === "reminder")
        .map((a: { reminder_type: string }) => a.reminder_type),
    ).toEqual(["follow_up_2h", "follow_up_1d"]);
  });

  it("previews what an event would create, writing nothing", async () => {
    const res = await api("POST", "/api/automation-rules/preview", {
      name: "no_show_rebook",
      trigger: "NO_SHOW",
      actions: [
        { type: "reminder", offset: "48h", message: "Rebook {{name}}" },
        { type: "move_status", to: "qualified" },
      ],
      customer: { name: "Kim" },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      trigger: "NO_SHOW",
      rules: ["no_show_rebook"],
      reminders: [
        {
          type: "follow_up_48h",
          scheduled_for: new Date(NOW.getTime() + 48 * HOUR).toISOString(),
          message: "Rebook Kim",
        },
      ],
      status_change: { to: "qualified" },
    });
    expect(await ruleCount()).toBe(0);
  });

  it.each([
    ["trigger", { name: "x", trigger: "PARTY_HELD", actions: [{ type: "reminder", offset: "2h" }] }],
    ["trigger", { name: "x", trigger: "UNSUBSCRIBED", actions: [{ type: "reminder", offset: "2h" }] }],
    ["actions.0.offset", { name: "x", trigger: "NO_SHOW", actions: [{ type: "reminder", offset: "3h" }] }],
    [
      "actions.0.reminder_type",
      { name: "x", trigger: "NO_SHOW", actions: [{ type: "reminder", reminder_type: "follow_up_5m" }] },
    ],
    [
      "actions.1.to",
      {
        name: "x",
        trigger: "NO_SHOW",
        actions: [
          { type: "reminder", offset: "2h" },
          { type: "move_status", to: "won" },
        ],
      },
    ],
    ["actions", { name: "x", trigger: "NO_SHOW", actions: [] }],
    ["name", { name: "", trigger: "NO_SHOW", actions: [{ type: "reminder", offset: "2h" }] }],
  ])("refuses a bad %s with a 400 naming it, writing nothing (create and preview)", async (field, body) => {
    const audits = await ruleAudits();
    for (const url of ["/api/automation-rules", "/api/automation-rules/preview"]) {
      if (url.endsWith("preview") && field === "actions") continue; // an empty draft previews as "nothing"
      const res = await api("POST", url, body);
      expect(res.statusCode, `${url} ${res.body}`).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect(await ruleCount()).toBe(0);
    expect(await ruleAudits()).toBe(audits);
  });

  it("the events path uses a new owner rule from the next event, and an edit at once", async () => {
    expect(await noShow()).toEqual(["follow_up_2h", "follow_up_1d"]); // the default
    const created = await api("POST", "/api/automation-rules", {
      name: "no_show_rebook",
      trigger: "NO_SHOW",
      actions: [{ type: "reminder", offset: "48h", message: "Rebook {{name}}" }],
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ owner_id: me, overrides_default: true, is_active: true });
    ruleId = created.json().id;
    expect(await noShow()).toEqual(["follow_up_48h"]);

    const edited = await api("PUT", `/api/automation-rules/${ruleId}`, {
      actions: [
        { type: "reminder", offset: "2h" },
        { type: "reminder", offset: "7d", message: "Still there?" },
      ],
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(await noShow()).toEqual(["follow_up_2h", "follow_up_7d"]);

    const off = await api("PUT", `/api/automation-rules/${ruleId}`, { is_active: false });
    expect(off.json().is_active).toBe(false);
    expect(await noShow()).toEqual([]); // switched off: the default it replaced stays off too

    const actions = await w.prisma.auditLog.findMany({
      where: { entity_type: "automation_rule", entity_id: ruleId },
      orderBy: { created_at: "asc" },
    });
    expect(actions.map((a) => [a.action, a.actor_kind, a.actor_user_id])).toEqual([
      ["automation_rule.created", "api_key", me],
      ["automation_rule.updated", "api_key", me],
      ["automation_rule.switched_off", "api_key", me],
    ]);
  });

  it("a bad edit is a 400 naming the field and changes nothing", async () => {
    const before = await w.prisma.automationRule.findUniqueOrThrow({ where: { id: ruleId } });
    const res = await api("PUT", `/api/automation-rules/${ruleId}`, { trigger: "NOPE", is_active: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe("trigger");
    expect(await w.prisma.automationRule.findUniqueOrThrow({ where: { id: ruleId } })).toEqual(before);
  });

  it("keeps owners apart: another contractor's key sees 404 and may not make rules for someone else", async () => {
    expect((await api("GET", `/api/automation-rules/${ruleId}`, undefined, theirs)).statusCode).toBe(404);
    expect((await api("PUT", `/api/automation-rules/${ruleId}`, { is_active: true }, theirs)).statusCode).toBe(404);
    const forMe = await api(
      "POST",
      "/api/automation-rules",
      { owner_id: me, name: "sneaky", trigger: "NO_SHOW", actions: [{ type: "reminder", offset: "2h" }] },
      theirs,
    );
    expect(forMe.statusCode).toBe(403);
    expect((await api("GET", "/api/automation-rules", undefined, theirs)).json().total).toBe(0);
    // A duplicate name for the same owner and event is a conflict.
    const dup = await api("POST", "/api/automation-rules", {
      name: "no_show_rebook",
      trigger: "NO_SHOW",
      actions: [{ type: "reminder", offset: "2h" }],
    });
    expect(dup.statusCode).toBe(409);
    expect(await ruleCount()).toBe(1);
  });

  it("an admin key makes platform rules and lists an owner's with the platform's", async () => {
    const res = await api(
      "POST",
      "/api/automation-rules",
      { name: "video_nudge", trigger: "VIDEO_SENT", actions: [{ type: "reminder", offset: "1d" }] },
      admin,
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().owner_id).toBeNull();
    const unknownOwner = await api(
      "POST",
      "/api/automation-rules",
      {
        owner_id: "00000000-0000-4000-8000-000000000000",
        name: "x",
        trigger: "NO_SHOW",
        actions: [{ type: "reminder", offset: "2h" }],
      },
      admin,
    );
    expect(unknownOwner.statusCode).toBe(400);
    expect(unknownOwner.json().error.details[0].field).toBe("owner_id");
    const list = await api("GET", `/api/automation-rules?owner_id=${me}`, undefined, admin);
    expect(
      list
        .json()
        .data.map((r: { name: string }) => r.name)
        .sort(),
    ).toEqual(["no_show_rebook", "video_nudge"]);
    expect((await api("GET", `/api/automation-rules?owner_id=${other}`, undefined, admin)).json().total).toBe(1);
  });
});

describe("Automation rules page", () => {
  let panel: PanelClient;
  let adminId: string;

  beforeAll(async () => {
    const user = await createPanelUser(w, "admin");
    adminId = user.id;
    panel = new PanelClient(app);
    await panel.login(user.email ?? "");
  });

  const ruleForm = (over: Record<string, string> = {}) => ({
    owner_id: me,
    name: "presentation_follow_up",
    trigger: "PRESENTATION_SENT",
    remind_24h: "1",
    message_24h: "Feedback from {{name}}?",
    move_to: "presentation_sent",
    active: "true",
    ...over,
  });

  it("lists rules and defaults, and previews a draft over htmx without writing", async () => {
    const page = await panel.get(`/admin/automation-rules?owner_id=${me}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("no_show_rebook");
    expect(page.body).toContain('id="rule-preview"');
    const count = await ruleCount();
    const preview = await panel.request({
      method: "POST",
      url: "/admin/automation-rules/preview",
      payload: new URLSearchParams(ruleForm()).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
    });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.body).toContain('data-reminder="follow_up_24h"');
    expect(preview.body).toContain("Feedback from the customer?");
    expect(await ruleCount()).toBe(count);
    const bad = await panel.request({
      method: "POST",
      url: "/admin/automation-rules/preview",
      payload: new URLSearchParams(ruleForm({ trigger: "PARTY" })).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('data-error-for="trigger"');
  });

  it("adds, edits and switches off a rule, audited as the signed-in user", async () => {
    const add = await panel.postForm("/admin/automation-rules", ruleForm());
    expect(add.statusCode, add.body.slice(0, 500)).toBe(303);
    const rule = await w.prisma.automationRule.findFirstOrThrow({
      where: { owner_id: me, name: "presentation_follow_up" },
    });
    expect(rule.actions).toEqual([
      { type: "reminder", reminder_type: "follow_up_24h", message: "Feedback from {{name}}?" },
      { type: "move_status", to: "presentation_sent" },
    ]);
    const edit = await panel.postForm(
      `/admin/automation-rules/${rule.id}`,
      ruleForm({ remind_24h: "", remind_48h: "1" }),
    );
    expect(edit.statusCode).toBe(303);
    const off = await panel.postForm(`/admin/automation-rules/${rule.id}/active`, { active: "false" });
    expect(off.statusCode).toBe(303);
    const after = await w.prisma.automationRule.findUniqueOrThrow({ where: { id: rule.id } });
    expect(after.is_active).toBe(false);
    expect((after.actions as Array<{ reminder_type?: string }>)[0]?.reminder_type).toBe("follow_up_48h");
    const audits = await w.prisma.auditLog.findMany({ where: { entity_id: rule.id }, orderBy: { created_at: "asc" } });
    expect(audits.map((a) => [a.action, a.actor_user_id])).toEqual([
      ["automation_rule.created", adminId],
      ["automation_rule.updated", adminId],
      ["automation_rule.switched_off", adminId],
    ]);
  });

  it("a bad form answers 422 naming the field and writes nothing", async () => {
    const count = await ruleCount();
    const res = await panel.postForm("/admin/automation-rules", ruleForm({ name: "other", trigger: "NOT_AN_EVENT" }));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('data-error-for="trigger"');
    expect(await ruleCount()).toBe(count);
  });

  it("is for admins only", async () => {
    const user = await createPanelUser(w, "sales_manager");
    const manager = new PanelClient(app);
    await manager.login(user.email ?? "");
    expect((await manager.get("/admin/automation-rules")).statusCode).toBe(403);
  });
});
