import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Customer, NurturingSequence, Reminder } from "../../prisma/generated/client.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import {
  makeContractor,
  makeCustomer,
  makeDeal,
  makeInteraction,
  makeJob,
  makePipeline,
  makeReminder,
  makeSequence,
  makeSequenceTemplate,
  makeTechnician,
} from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

const NOW = new Date("2026-03-10T15:00:00Z");
const XSS = "<script>alert(1)</script>";
const ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;";
const HX = { "hx-request": "true" };
const FORM = { "content-type": "application/x-www-form-urlencoded" };

let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let readOnlyEmail: string;
let maria: Customer;
let evil: Customer;
let reminder: Reminder;
let sequence: NurturingSequence;

/** An htmx form post (token in the header, as the layout's hx-headers sends it). */
const hxPost = (url: string, form: Record<string, string>) =>
  admin.request({ method: "POST", url, headers: { ...HX, ...FORM }, payload: new URLSearchParams(form).toString() });

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  app = await createTestApp(w);
  const adminEmail = (await createPanelUser(w, "admin")).email ?? "";
  readOnlyEmail = (await createPanelUser(w, "read_only")).email ?? "";
  const owner = await makeContractor(w.prisma, { name: "Ada Owner", company_name: "Ada Heating LLC" });
  maria = await makeCustomer(w.prisma, {
    owner_id: owner.id,
    name: "Maria Lopez",
    email: "maria.lopez@example.com",
    phone: "+16025550199",
    status: "active",
    pipeline_status: "qualified",
    opted_out_at: new Date("2026-03-01T10:00:00Z"),
    created_at: new Date("2026-03-09T00:00:00Z"),
  });
  evil = await makeCustomer(w.prisma, { owner_id: owner.id, name: XSS, created_at: new Date("2026-03-08T00:00:00Z") });
  for (let i = 0; i < 28; i++) {
    await makeCustomer(w.prisma, {
      owner_id: owner.id,
      name: `Filler ${i}`,
      created_at: new Date(Date.UTC(2026, 0, 1, i)),
    });
  }
  await makeInteraction(w.prisma, { customer_id: maria.id, content: "Called about the heat pump" });
  reminder = await makeReminder(w.prisma, {
    customer_id: maria.id,
    message: "Send the quote",
    scheduled_for: new Date("2026-03-10T12:00:00Z"),
  });
  const template = await makeSequenceTemplate(w.prisma, { name: "Replacement follow-up" });
  sequence = await makeSequence(w.prisma, { customer_id: maria.id, template_id: template.id });
  const pipeline = await makePipeline(w.prisma, { name: "Residential" });
  await makeDeal(w.prisma, {
    customer_id: maria.id,
    pipeline_id: pipeline.id,
    title: "Heat pump upgrade",
    value_usd: "14500.00",
  });
  await makeDeal(w.prisma, { customer_id: evil.id, pipeline_id: pipeline.id, title: "Evil deal" });
  const tech = await makeTechnician(w.prisma, { owner_id: owner.id, name: "Luis Tech" });
  const job = await makeJob(w.prisma, {
    customer_id: maria.id,
    technician_id: tech.id,
    title: "AC tune-up",
    status: "completed",
    total_usd: "189.00",
  });
  await w.prisma.appliance.create({
    data: { customer_id: maria.id, type: "Water heater", brand: "Rheem", model_number: "XE50", job_id: job.id },
  });
  await w.prisma.payment.create({
    data: {
      owner_id: owner.id,
      customer_id: maria.id,
      job_id: job.id,
      amount: "189.00",
      payment_method: "card",
      paid_at: NOW,
    },
  });
  admin = new PanelClient(app);
  await admin.login(adminEmail);
});
afterAll(async () => {
  await app.close();
  await w.close();
});

describe("the customer list", () => {
  it("lists customers newest first, 25 a page, with owner and statuses", async () => {
    const res = await admin.get("/admin/customers");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("<html");
    expect(res.body).toContain("30 customers · page 1 of 2");
    expect(res.body.indexOf("Maria Lopez")).toBeLessThan(res.body.indexOf("Filler 27"));
    expect(res.body).toContain("Ada Heating LLC");
    expect(res.body).toContain('rel="next"');
    const page2 = await admin.get("/admin/customers?page=2");
    expect(page2.body).toContain("Filler 0");
    expect(page2.body).not.toContain("Maria Lopez");
    expect(page2.body).toContain('rel="prev"');
  });

  it("searches by name, e-mail and phone and filters by lifecycle and pipeline status", async () => {
    for (const q of ["maria", "MARIA.LOPEZ@", "602 555 0199"]) {
      const res = await admin.get(`/admin/customers?q=${encodeURIComponent(q)}`);
      expect(res.body, q).toContain("1 customer<");
      expect(res.body, q).toContain("Maria Lopez");
    }
    const active = await admin.get("/admin/customers?status=active");
    expect(active.body).toContain("1 customer<");
    const qualified = await admin.get("/admin/customers?pipeline_status=qualified");
    expect(qualified.body).toContain("Maria Lopez");
    expect(qualified.body).not.toContain("Filler");
    const none = await admin.get("/admin/customers?q=nobody-like-this");
    expect(none.body).toContain("No customers match.");
    const bad = await admin.get("/admin/customers?pipeline_status=bogus");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('data-code="VALIDATION_FAILED"');
  });

  it("answers htmx with only the results fragment", async () => {
    const res = await admin.get("/admin/customers?q=maria", HX);
    expect(res.statusCode).toBe(200);
    expect(res.body.trimStart()).toMatch(/^<div id="customer-results">/);
    expect(res.body).not.toContain("<html");
    expect(res.body).toContain("Maria Lopez");
  });

  it("shows a customer named like a script escaped on the list, the card and the Kanban", async () => {
    const list = await admin.get("/admin/customers");
    expect(list.body).toContain(ESCAPED);
    expect(list.body).not.toContain(XSS);
    const card = await admin.get(`/admin/customers/${evil.id}`);
    expect(card.statusCode).toBe(200);
    expect(card.body).toContain(ESCAPED);
    expect(card.body).not.toContain(XSS);
    const deal = await w.prisma.deal.findFirstOrThrow({ where: { customer_id: evil.id } });
    const board = await admin.get(`/admin/pipelines?pipeline=${deal.pipeline_id}`);
    expect(board.body).toContain(ESCAPED);
    expect(board.body).not.toContain(XSS);
  });
});

describe("the customer card", () => {
  it("shows header, contact details, opt-out, interactions, reminders, sequences, deals, history and the NBA", async () => {
    const res = await admin.get(`/admin/customers/${maria.id}`);
    expect(res.statusCode).toBe(200);
    const b = res.body;
    expect(b).toContain('<h1 id="customer-title">Maria Lopez</h1>');
    expect(b).toMatch(/data-lifecycle>active</);
    expect(b).toMatch(/data-pipeline-status>Qualified</);
    expect(b).toContain("Opted out 2026-03-01");
    expect(b).toContain("Ada Heating LLC");
    expect(b).toContain("maria.lopez@example.com");
    expect(b).toContain("+16025550199");
    expect(b).toContain("Called about the heat pump");
    expect(b).toContain("Send the quote");
    expect(b).toContain("overdue");
    expect(b).toContain("Replacement follow-up");
    expect(b).toContain("Heat pump upgrade");
    expect(b).toContain("$14,500");
    expect(b).toContain("AC tune-up");
    expect(b).toContain("Luis Tech");
    expect(b).toContain("Rheem");
    expect(b).toContain("$189.00");
    expect(b).toMatch(/<section class="card nba"[\s\S]*?data-action="[a-z_]+"/);
    expect((await admin.get("/admin/customers/00000000-0000-4000-8000-000000000000")).statusCode).toBe(404);
  });

  it("edits a field inline: the form fragment, saved through core, the field back", async () => {
    const form = await admin.get(`/admin/customers/${maria.id}/fields/email/edit`, HX);
    expect(form.statusCode).toBe(200);
    expect(form.body.trimStart()).toMatch(/^<form class="field editing" id="field-email"/);
    expect(form.body).toContain('value="maria.lopez@example.com"');
    const saved = await hxPost(`/admin/customers/${maria.id}/fields/email`, { value: "  Maria@Example.COM " });
    expect(saved.statusCode).toBe(200);
    expect(saved.body.trimStart()).toMatch(/^<div class="field" id="field-email">/);
    expect(saved.body).toContain("maria@example.com");
    const row = await w.prisma.customer.findUniqueOrThrow({ where: { id: maria.id } });
    expect(row.email).toBe("maria@example.com");
    const audit = await w.prisma.auditLog.findFirst({
      where: { action: "customer.updated", entity_id: maria.id },
    });
    expect(audit).toMatchObject({ actor_kind: "panel_user", after: { email: "maria@example.com" } });
  });

  it("keeps a refused value in the form with the reason inline (422) and changes nothing", async () => {
    const bad = await hxPost(`/admin/customers/${maria.id}/fields/email`, { value: "not-an-email" });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('<form class="field editing" id="field-email"');
    expect(bad.body).toContain('value="not-an-email"');
    expect(bad.body).toContain('class="field-error" role="alert" data-code="VALIDATION_FAILED"');
    const blank = await hxPost(`/admin/customers/${maria.id}/fields/name`, { value: "   " });
    expect(blank.statusCode).toBe(422);
    const status = await hxPost(`/admin/customers/${maria.id}/fields/status`, { value: "qualified" });
    expect(status.statusCode).toBe(422);
    expect(status.body).toContain("choose one of");
    const row = await w.prisma.customer.findUniqueOrThrow({ where: { id: maria.id } });
    expect(row).toMatchObject({ email: "maria@example.com", name: "Maria Lopez", status: "active" });
    const unknown = await hxPost(`/admin/customers/${maria.id}/fields/owner_id`, { value: "x" });
    expect(unknown.statusCode).toBe(404);
  });

  it("renames (the title follows out of band) and moves the pipeline status; works without JS too", async () => {
    const renamed = await hxPost(`/admin/customers/${maria.id}/fields/name`, { value: "Maria López-Ortiz" });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.body).toContain('<h1 id="customer-title" hx-swap-oob="true">Maria López-Ortiz</h1>');
    const noJs = await admin.postForm(`/admin/customers/${maria.id}/fields/pipeline_status`, {
      value: "presentation_sent",
    });
    expect(noJs.statusCode).toBe(303);
    expect(noJs.headers.location).toBe(`/admin/customers/${maria.id}#field-pipeline_status`);
    const row = await w.prisma.customer.findUniqueOrThrow({ where: { id: maria.id } });
    expect(row).toMatchObject({ name: "Maria López-Ortiz", pipeline_status: "presentation_sent" });
    expect(row.stage_entered_at).toEqual(NOW);
    const edit = await admin.get(`/admin/customers/${maria.id}?edit=phone`);
    expect(edit.body).toContain('<form class="field editing" id="field-phone"');
    const refused = await admin.postForm(`/admin/customers/${maria.id}/fields/phone`, { value: "12" });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain("<html");
    expect(refused.body).toContain('data-code="VALIDATION_FAILED"');
  });

  it("logs an interaction and refuses an empty one", async () => {
    const res = await hxPost(`/admin/customers/${maria.id}/interactions`, {
      type: "call",
      direction: "outbound",
      content: "Walked through the quote",
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.trimStart()).toMatch(/^<section class="card" id="interactions"/);
    expect(res.body).toContain("Walked through the quote");
    const rows = await w.prisma.customerInteraction.findMany({ where: { customer_id: maria.id } });
    expect(rows.map((r) => r.content)).toContain("Walked through the quote");
    const empty = await hxPost(`/admin/customers/${maria.id}/interactions`, { type: "note", content: " " });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('data-code="VALIDATION_FAILED"');
    expect(await w.prisma.customerInteraction.count({ where: { customer_id: maria.id } })).toBe(2);
  });

  it("adds a reminder (a time in the panel's zone or a fixed delay), refuses a custom one without a time, completes one", async () => {
    const res = await hxPost(`/admin/customers/${maria.id}/reminders`, {
      type: "custom",
      scheduled_for: "2026-03-12T09:30",
      message: "Call back about financing",
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Call back about financing");
    const created = await w.prisma.reminder.findFirstOrThrow({ where: { message: "Call back about financing" } });
    expect(created.customer_id).toBe(maria.id);
    expect(created.scheduled_for.getTime()).toBeGreaterThan(NOW.getTime());
    const delayed = await hxPost(`/admin/customers/${maria.id}/reminders`, {
      type: "follow_up_48h",
      message: "Check in",
    });
    expect(delayed.statusCode).toBe(200);
    const d = await w.prisma.reminder.findFirstOrThrow({ where: { message: "Check in" } });
    expect(d.scheduled_for).toEqual(new Date(NOW.getTime() + 48 * 3_600_000));
    const refused = await hxPost(`/admin/customers/${maria.id}/reminders`, { type: "custom", message: "When?" });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain("scheduled_for is required");
    expect(await w.prisma.reminder.count({ where: { message: "When?" } })).toBe(0);
    const done = await hxPost(`/admin/customers/${maria.id}/reminders/${reminder.id}/complete`, {});
    expect(done.statusCode).toBe(200);
    expect((await w.prisma.reminder.findUniqueOrThrow({ where: { id: reminder.id } })).completed).toBe(true);
    const foreign = await hxPost(`/admin/customers/${evil.id}/reminders/${created.id}/complete`, {});
    expect(foreign.statusCode).toBe(404);
  });

  it("pauses, resumes and stops a sequence through core", async () => {
    const base = `/admin/customers/${maria.id}/sequences/${sequence.id}`;
    const paused = await hxPost(`${base}/pause`, {});
    expect(paused.statusCode).toBe(200);
    expect(paused.body).toMatch(/data-state>paused</);
    expect((await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: sequence.id } })).status).toBe("paused");
    await hxPost(`${base}/resume`, {});
    expect((await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: sequence.id } })).status).toBe("active");
    const stopped = await admin.postForm(`${base}/stop`, {});
    expect(stopped.statusCode).toBe(303);
    const row = await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: sequence.id } });
    expect(row).toMatchObject({ status: "cancelled", outcome: "stopped" });
    const again = await hxPost(`${base}/pause`, {});
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('data-code="SEQUENCE_ENDED"');
    expect((await hxPost(`${base}/explode`, {})).statusCode).toBe(404);
  });

  it("lets a read-only person read the card without edit controls, and refuses their changes", async () => {
    const ro = new PanelClient(app);
    await ro.login(readOnlyEmail);
    const card = await ro.get(`/admin/customers/${maria.id}`);
    expect(card.statusCode).toBe(200);
    expect(card.body).toContain("Maria López-Ortiz");
    expect(card.body).not.toContain('class="edit"');
    expect(card.body).not.toContain('/interactions" hx-post');
    const res = await ro.postForm(`/admin/customers/${maria.id}/fields/name`, { value: "Hacked" });
    expect(res.statusCode).toBe(403);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: maria.id } })).name).toBe("Maria López-Ortiz");
  });
});
