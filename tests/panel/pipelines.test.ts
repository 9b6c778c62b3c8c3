import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal, DealPipeline, DealStage } from "../../prisma/generated/client.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeDeal, makePipeline } from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

const DAY = 86_400_000;
const NOW = new Date("2026-03-10T15:00:00Z");
const XSS = "<script>alert(1)</script>";

let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let adminEmail: string;
let readOnlyEmail: string;
let main: DealPipeline & { stages: DealStage[] };
let other: DealPipeline & { stages: DealStage[] };
let fresh: Deal;
let second: Deal;
let stale: Deal;
let aging: Deal;

const stage = (p: { stages: DealStage[] }, name: string) => {
  const s = p.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};

/** The markup of one Kanban column. */
function column(html: string, stageId: string): string {
  const start = html.indexOf(`data-stage="${stageId}"`);
  expect(start, `column ${stageId}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf("</section>", start));
}
const countOf = (col: string) => /data-count>(\d+)</.exec(col)?.[1];
const sumOf = (col: string) => /data-sum>([^<]+)</.exec(col)?.[1];

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  app = await createTestApp(w);
  adminEmail = (await createPanelUser(w, "admin")).email ?? "";
  readOnlyEmail = (await createPanelUser(w, "read_only")).email ?? "";
  const owner = await makeContractor(w.prisma, { name: "Ada Owner", company_name: "Ada Heating LLC" });
  const customer = await makeCustomer(w.prisma, { owner_id: owner.id, name: "Maria Lopez" });
  const evil = await makeCustomer(w.prisma, { owner_id: owner.id, name: XSS });
  main = await makePipeline(w.prisma, { name: "Residential Replacements" });
  other = await makePipeline(w.prisma, { name: "Recruiting" });
  const at = (days: number) => new Date(NOW.getTime() - days * DAY);
  const base = { owner_id: owner.id, pipeline_id: main.id };
  fresh = await makeDeal(w.prisma, {
    ...base,
    customer_id: customer.id,
    stage_id: stage(main, "New Lead").id,
    title: "Heat pump upgrade",
    value_usd: "5000.00",
    stage_entered_at: at(1),
  });
  second = await makeDeal(w.prisma, {
    ...base,
    customer_id: evil.id,
    stage_id: stage(main, "New Lead").id,
    title: "Tankless install",
    value_usd: "2500.40",
    stage_entered_at: at(0),
  });
  stale = await makeDeal(w.prisma, {
    ...base,
    customer_id: customer.id,
    stage_id: stage(main, "Sent").id,
    title: "3-ton AC",
    value_usd: "11800.00",
    stage_entered_at: at(10),
  });
  aging = await makeDeal(w.prisma, {
    ...base,
    customer_id: customer.id,
    stage_id: stage(main, "Negotiation").id,
    title: "Second-floor heat pump",
    value_usd: "9800.00",
    stage_entered_at: at(4),
  });
  await makeDeal(w.prisma, { owner_id: owner.id, customer_id: customer.id, pipeline_id: other.id, title: "Zoom" });
  admin = new PanelClient(app);
  await admin.login(adminEmail);
});
afterAll(async () => {
  await app.close();
  await w.close();
});

describe("the Kanban", () => {
  it("shows each stage with its deal count and value sum, and the cards with customer, value, owner and days", async () => {
    const res = await admin.get(`/admin/pipelines?pipeline=${main.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("<html");
    const newLead = column(res.body, stage(main, "New Lead").id);
    expect(countOf(newLead)).toBe("2");
    expect(sumOf(newLead)).toBe("$7,500");
    expect(newLead).toContain("Heat pump upgrade");
    expect(newLead).toContain("Maria Lopez");
    expect(newLead).toContain("Ada Heating LLC");
    expect(newLead).toContain("1 day in stage");
    expect(countOf(column(res.body, stage(main, "Sent").id))).toBe("1");
    expect(sumOf(column(res.body, stage(main, "Sent").id))).toBe("$11,800");
    expect(countOf(column(res.body, stage(main, "Won").id))).toBe("0");
    expect(res.body).toMatch(/data-total-count>4</);
    expect(res.body).toMatch(/data-total-value>\$29,100</);
    // The move form works without JavaScript; Sortable is loaded by the page.
    expect(res.body).toContain(`action="/admin/pipelines/deals/${fresh.id}/move"`);
    expect(res.body).toContain('<select name="stage_id"');
    expect(res.body).toContain('src="/admin/vendor/Sortable.min.js"');
    expect(res.body).toContain(`data-sortable-stage="${stage(main, "Sent").id}"`);
  });

  it("colours cards by days in stage", async () => {
    const res = await admin.get(`/admin/pipelines?pipeline=${main.id}`);
    const card = (id: string) =>
      new RegExp(`<article class="deal ([^"]*)" id="deal-${id}"`).exec(res.body)?.[1]?.trim();
    expect(card(stale.id)).toBe("age-bad");
    expect(card(aging.id)).toBe("age-warn");
    expect(card(fresh.id)).toBe("");
  });

  it("switches pipelines and lists every pipeline in the switcher; defaults to the first", async () => {
    const res = await admin.get(`/admin/pipelines?pipeline=${other.id}`);
    expect(res.body).toContain("Zoom");
    expect(res.body).not.toContain("Heat pump upgrade");
    expect(res.body).toMatch(new RegExp(`<option value="${other.id}" selected>Recruiting`));
    expect(res.body).toContain(`<option value="${main.id}">Residential Replacements`);
    expect((await admin.get("/admin/pipelines")).statusCode).toBe(200);
    const missing = await admin.get("/admin/pipelines?pipeline=00000000-0000-4000-8000-000000000000");
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('data-code="NOT_FOUND"');
  });

  it("shows a customer named like a script escaped on the card", async () => {
    const res = await admin.get(`/admin/pipelines?pipeline=${main.id}`);
    expect(res.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(res.body).not.toContain(XSS);
  });
});

describe("moving a deal", () => {
  it("moves by htmx: the board comes back as a fragment with fresh sums, the deal and customer follow", async () => {
    const sent = stage(main, "Sent");
    const res = await admin.request({
      method: "POST",
      url: `/admin/pipelines/deals/${fresh.id}/move`,
      headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
      payload: `stage_id=${sent.id}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.trimStart()).toMatch(/^<div id="board"/);
    expect(res.body).not.toContain("<html");
    expect(countOf(column(res.body, sent.id))).toBe("2");
    expect(sumOf(column(res.body, sent.id))).toBe("$16,800");
    expect(countOf(column(res.body, stage(main, "New Lead").id))).toBe("1");
    expect(sumOf(column(res.body, stage(main, "New Lead").id))).toBe("$2,500");
    const deal = await w.prisma.deal.findUniqueOrThrow({ where: { id: fresh.id }, include: { customer: true } });
    expect(deal.stage_id).toBe(sent.id);
    expect(deal.stage_entered_at).toEqual(NOW);
    expect(deal.customer.pipeline_status).toBe("presentation_sent");
    const audit = await w.prisma.auditLog.findFirst({
      where: { action: "deal.moved", entity_id: fresh.id },
    });
    expect(audit).toMatchObject({ actor_kind: "panel_user", after: { stage_id: sent.id } });
  });

  it("moves by the select box without JavaScript (303 back to the board) and closes a deal won", async () => {
    const won = stage(main, "Won");
    const res = await admin.postForm(`/admin/pipelines/deals/${aging.id}/move`, { stage_id: won.id });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/pipelines?pipeline=${main.id}`);
    const deal = await w.prisma.deal.findUniqueOrThrow({ where: { id: aging.id } });
    expect(deal).toMatchObject({ stage_id: won.id, status: "won" });
    expect(deal.closed_at).toEqual(NOW);
    const page = await admin.get(res.headers.location as string);
    expect(countOf(column(page.body, won.id))).toBe("1");
    expect(sumOf(column(page.body, won.id))).toBe("$9,800");
  });

  it("refuses a stage of another pipeline with 422 and leaves the deal where it was", async () => {
    const foreign = stage(other, "Sent");
    const res = await admin.postForm(`/admin/pipelines/deals/${second.id}/move`, { stage_id: foreign.id });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('data-code="STAGE_NOT_IN_PIPELINE"');
    const htmx = await admin.request({
      method: "POST",
      url: `/admin/pipelines/deals/${second.id}/move`,
      headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
      payload: `stage_id=${foreign.id}`,
    });
    expect(htmx.statusCode).toBe(422);
    expect(htmx.body.trimStart()).toMatch(/^<div id="board"/);
    expect(htmx.body).toContain('data-code="STAGE_NOT_IN_PIPELINE"');
    expect(countOf(column(htmx.body, stage(main, "New Lead").id))).toBe("1");
    const deal = await w.prisma.deal.findUniqueOrThrow({ where: { id: second.id } });
    expect(deal.stage_id).toBe(stage(main, "New Lead").id);
  });

  it("answers 404 for an unknown deal and 422 for a missing stage", async () => {
    const gone = await admin.postForm("/admin/pipelines/deals/00000000-0000-4000-8000-000000000000/move", {
      stage_id: stage(main, "Sent").id,
    });
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toContain('data-code="NOT_FOUND"');
    const blank = await admin.postForm(`/admin/pipelines/deals/${second.id}/move`, {});
    expect(blank.statusCode).toBe(422);
  });

  it("needs the CSRF token, and a read-only person sees the board without move forms and cannot move", async () => {
    const sent = stage(main, "Sent");
    const forged = await admin.postForm(
      `/admin/pipelines/deals/${second.id}/move`,
      { stage_id: sent.id },
      { csrf: false },
    );
    expect(forged.statusCode).toBe(403);
    const ro = new PanelClient(app);
    await ro.login(readOnlyEmail);
    const page = await ro.get(`/admin/pipelines?pipeline=${main.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Tankless install");
    expect(page.body).not.toContain("data-move");
    expect(page.body).not.toContain("data-sortable-stage");
    const res = await ro.postForm(`/admin/pipelines/deals/${second.id}/move`, { stage_id: sent.id });
    expect(res.statusCode).toBe(403);
    const deal = await w.prisma.deal.findUniqueOrThrow({ where: { id: second.id } });
    expect(deal.stage_id).toBe(stage(main, "New Lead").id);
  });
});
