/**
 * Lead sources (issue 15): an admin adds, edits and retires them through `/api/lead-sources` and
 * the Settings page; bad input is a 400 naming the field with nothing written; every change is
 * audited; a new bidding window applies from the next lead and never moves an open one.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCategory, makeContractor } from "../support/factories.js";

const NOW = new Date("2026-04-01T15:00:00Z");
let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };
let contractorKey: { authorization: string };
let categorySlug: string;

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  app = await createTestApp(w);
  admin = await apiKey(w);
  const category = await makeCategory(w.prisma);
  categorySlug = category.slug;
  contractorKey = await apiKey(w, (await makeContractor(w.prisma, { categories: [category.id] })).id);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const api = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: object, headers = admin) =>
  app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const audits = (slug: string) =>
  w.prisma.auditLog.findMany({
    where: { entity_type: "lead_source", entity_id: slug },
    orderBy: { created_at: "asc" },
  });
let n = 0;
const newLead = (source: string) =>
  api("POST", "/api/leads", {
    category: categorySlug,
    lead_source: source,
    title: `Water heater leaking ${++n}`,
    customer_name: "Sam Ortiz",
    customer_phone: `+1 602 555 ${String(1000 + n)}`,
    customer_zip_code: "85004",
  });

describe("/api/lead-sources", () => {
  it("creates a source (admin key), lists it, and audits the change as the API key", async () => {
    const res = await api("POST", "/api/lead-sources", {
      slug: "yelp",
      name: "Yelp requests",
      bidding_window_seconds: 300,
      base_lead_cost: "18.50",
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      slug: "yelp",
      name: "Yelp requests",
      bidding_window_seconds: 300,
      base_lead_cost: "18.50",
      retired: false,
    });
    const list = await api("GET", "/api/lead-sources");
    expect(list.json().data.map((s: { slug: string }) => s.slug)).toContain("yelp");
    const rows = await audits("yelp");
    expect(rows.map((r) => [r.action, r.actor_kind])).toEqual([["lead_source.created", "api_key"]]);
    expect(await newLead("yelp")).toMatchObject({ statusCode: 201 });
  });

  it.each([
    ["slug", { slug: "Has Spaces", name: "x", bidding_window_seconds: 60, base_lead_cost: 1 }],
    ["bidding_window_seconds", { slug: "zero", name: "x", bidding_window_seconds: 0, base_lead_cost: 1 }],
    ["bidding_window_seconds", { slug: "neg", name: "x", bidding_window_seconds: -60, base_lead_cost: 1 }],
    ["bidding_window_seconds", { slug: "week", name: "x", bidding_window_seconds: 7 * 86_400, base_lead_cost: 1 }],
    ["bidding_window_seconds", { slug: "text", name: "x", bidding_window_seconds: "15m", base_lead_cost: 1 }],
    ["base_lead_cost", { slug: "free", name: "x", bidding_window_seconds: 60, base_lead_cost: 0 }],
    ["base_lead_cost", { slug: "cents", name: "x", bidding_window_seconds: 60, base_lead_cost: "1.234" }],
    ["name", { slug: "noname", name: "  ", bidding_window_seconds: 60, base_lead_cost: 1 }],
  ])("refuses a bad %s with a 400 naming it and writes nothing", async (field, body) => {
    const before = await w.prisma.leadSource.count();
    const auditsBefore = await w.prisma.auditLog.count();
    const res = await api("POST", "/api/lead-sources", body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe("VALIDATION_FAILED");
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await w.prisma.leadSource.count()).toBe(before);
    expect(await w.prisma.auditLog.count()).toBe(auditsBefore);
  });

  it("refuses a slug in use (409) and a contractor key (403), writing nothing", async () => {
    const body = { slug: "yelp", name: "Again", bidding_window_seconds: 60, base_lead_cost: 5 };
    expect((await api("POST", "/api/lead-sources", body)).statusCode).toBe(409);
    const asContractor = await api("POST", "/api/lead-sources", { ...body, slug: "mine" }, contractorKey);
    expect(asContractor.statusCode).toBe(403);
    expect((await api("PUT", "/api/lead-sources/yelp", { name: "Mine" }, contractorKey)).statusCode).toBe(403);
    expect(await w.prisma.leadSource.findUnique({ where: { slug: "mine" } })).toBeNull();
    expect((await w.prisma.leadSource.findUniqueOrThrow({ where: { slug: "yelp" } })).display_name).toBe(
      "Yelp requests",
    );
  });

  it("an edited window applies from the next lead; an open lead keeps its closing time", async () => {
    const open = (await newLead("yelp")).json();
    expect(new Date(open.bidding_closes_at).getTime() - NOW.getTime()).toBe(300_000);
    const edit = await api("PUT", "/api/lead-sources/yelp", { bidding_window_seconds: 1200, base_lead_cost: 30 });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json()).toMatchObject({ bidding_window_seconds: 1200, base_lead_cost: "30.00" });
    const next = (await newLead("yelp")).json();
    expect(new Date(next.bidding_closes_at).getTime() - NOW.getTime()).toBe(1_200_000);
    expect(next.base_lead_cost).toBe("30");
    const still = await w.prisma.lead.findUniqueOrThrow({ where: { id: open.id } });
    expect(still.bidding_closes_at?.getTime()).toBe(NOW.getTime() + 300_000);
    expect(still.base_lead_cost.toString()).toBe("18.5");
    const updated = (await audits("yelp")).find((r) => r.action === "lead_source.updated");
    expect(updated?.before).toMatchObject({ bidding_window_seconds: 300 });
    expect(updated?.after).toMatchObject({ bidding_window_seconds: 1200 });
  });

  it("an edit with a bad window is a 400 naming the field and changes nothing", async () => {
    const res = await api("PUT", "/api/lead-sources/yelp", { name: "Renamed", bidding_window_seconds: 0 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe("bidding_window_seconds");
    const row = await w.prisma.leadSource.findUniqueOrThrow({ where: { slug: "yelp" } });
    expect([row.display_name, row.bidding_window_seconds]).toEqual(["Yelp requests", 1200]);
    expect((await api("PUT", "/api/lead-sources/nope", { name: "x" })).statusCode).toBe(404);
  });

  it("a retired source takes no new leads (400 naming lead_source); restoring it takes them again", async () => {
    const retire = await api("DELETE", "/api/lead-sources/yelp");
    expect(retire.statusCode).toBe(200);
    expect(retire.json().retired).toBe(true);
    const refused = await newLead("yelp");
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details[0].field).toBe("lead_source");
    expect((await api("GET", "/api/lead-sources")).json().data.map((s: { slug: string }) => s.slug)).not.toContain(
      "yelp",
    );
    expect(
      (await api("GET", "/api/lead-sources?include_retired=true")).json().data.map((s: { slug: string }) => s.slug),
    ).toContain("yelp");
    expect((await api("PUT", "/api/lead-sources/yelp", { retired: false })).json().retired).toBe(false);
    expect((await newLead("yelp")).statusCode).toBe(201);
    expect((await audits("yelp")).map((r) => r.action)).toEqual([
      "lead_source.created",
      "lead_source.updated",
      "lead_source.retired",
      "lead_source.restored",
    ]);
  });
});

describe("Settings page: lead sources", () => {
  let panel: PanelClient;
  let adminId: string;

  beforeAll(async () => {
    const user = await createPanelUser(w, "admin");
    adminId = user.id;
    panel = new PanelClient(app);
    await panel.login(user.email ?? "");
  });

  it("shows the table and adds, edits (inline, htmx) and retires a source, each audited as the signed-in user", async () => {
    const page = await panel.get("/admin/settings");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="source-yelp"');
    const add = await panel.postForm("/admin/settings/lead-sources", {
      slug: "angi",
      name: "Angi",
      bidding_window_seconds: "600",
      base_lead_cost: "22",
    });
    expect(add.statusCode).toBe(303);
    const edit = await panel.get("/admin/settings/lead-sources/angi/edit", { "hx-request": "true" });
    expect(edit.body).toContain('name="bidding_window_seconds"');
    const save = await panel.request({
      method: "POST",
      url: "/admin/settings/lead-sources/angi",
      payload: new URLSearchParams({
        name: "Angi leads",
        bidding_window_seconds: "900",
        base_lead_cost: "22.00",
      }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
    });
    expect(save.statusCode, save.body).toBe(200);
    expect(save.body).toContain("Angi leads");
    expect(save.body).toContain("15m");
    const retire = await panel.postForm("/admin/settings/lead-sources/angi/retire", { retired: "true" });
    expect(retire.statusCode).toBe(303);
    const row = await w.prisma.leadSource.findUniqueOrThrow({ where: { slug: "angi" } });
    expect([row.display_name, row.bidding_window_seconds, row.retired_at !== null]).toEqual(["Angi leads", 900, true]);
    const actions = (await audits("angi")).map((r) => [r.action, r.actor_kind, r.actor_user_id]);
    expect(actions).toEqual([
      ["lead_source.created", "panel_user", adminId],
      ["lead_source.updated", "panel_user", adminId],
      ["lead_source.retired", "panel_user", adminId],
    ]);
  });

  it("a bad inline edit answers 422 with the field's message and writes nothing", async () => {
    const res = await panel.request({
      method: "POST",
      url: "/admin/settings/lead-sources/angi",
      payload: new URLSearchParams({ name: "Angi", bidding_window_seconds: "0", base_lead_cost: "22" }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('data-error-for="bidding_window_seconds"');
    expect((await w.prisma.leadSource.findUniqueOrThrow({ where: { slug: "angi" } })).bidding_window_seconds).toBe(900);
  });

  it("is for admins only", async () => {
    for (const role of ["sales_manager", "read_only"] as const) {
      const user = await createPanelUser(w, role);
      const other = new PanelClient(app);
      await other.login(user.email ?? "");
      expect((await other.get("/admin/settings")).statusCode).toBe(403);
      const res = await other.postForm("/admin/settings/lead-sources/angi/retire", { retired: "false" });
      expect(res.statusCode).toBe(403);
    }
    expect((await w.prisma.leadSource.findUniqueOrThrow({ where: { slug: "angi" } })).retired_at).not.toBeNull();
  });
});
