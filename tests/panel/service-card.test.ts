/**
 * The customer card's service sections (issue 13): every add goes through its core use case —
 * row written, audit row as the signed-in panel user, the section and the financials swapped
 * together (htmx) or a 303 back to the card (no JS); bad input is 422 inline with nothing
 * written; an unknown customer is 404; read-only people look but never change. Also the
 * Technicians and Opportunities pages.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpportunity } from "../../core/service/opportunity.service.js";
import type { Customer, Technician, User } from "../../prisma/generated/client.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeJob, makeSequenceTemplate, makeTechnician } from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

const NOW = new Date("2026-03-10T15:00:00Z");
const HX = { "hx-request": "true" };
const FORM = { "content-type": "application/x-www-form-urlencoded" };

let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let reader: PanelClient;
let adminId: string;
let owner: User;
let anna: Customer;
let bo: Customer;
let tech: Technician;

const hxPost = (url: string, form: Record<string, string>) =>
  admin.request({ method: "POST", url, headers: { ...HX, ...FORM }, payload: new URLSearchParams(form).toString() });

/** Everything a refused post must leave untouched. */
async function fingerprint() {
  const p = w.prisma;
  return JSON.stringify(
    await Promise.all([
      p.job.count(),
      p.payment.count(),
      p.expense.count(),
      p.appliance.count(),
      p.review.count(),
      p.customerTechnicianRating.count(),
      p.serviceFollowUp.count(),
      p.auditLog.count(),
      p.customer.findMany({ orderBy: { id: "asc" }, select: { id: true, updated_at: true } }),
      p.technician.findMany({ orderBy: { id: "asc" } }),
    ]),
  );
}

const audits = (action: string) =>
  w.prisma.auditLog.findMany({ where: { action, actor_kind: "panel_user", actor_user_id: adminId } });

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  app = await createTestApp(w);
  const adminUser = await createPanelUser(w, "admin");
  adminId = adminUser.id;
  admin = new PanelClient(app);
  await admin.login(adminUser.email ?? "");
  reader = new PanelClient(app);
  await reader.login((await createPanelUser(w, "read_only")).email ?? "");
  owner = await makeContractor(w.prisma, { name: "Ada Owner", company_name: "Ada Heating LLC" });
  anna = await makeCustomer(w.prisma, { owner_id: owner.id, name: "Anna Jensen" });
  bo = await makeCustomer(w.prisma, { owner_id: owner.id, name: "Bo Berg" });
  tech = await makeTechnician(w.prisma, { owner_id: owner.id, name: "Luis Tech" });
});
afterAll(async () => {
  await app.close();
  await w.close();
});

describe("the customer card's service sections", () => {
  it("shows every section, with add forms for people who may change things and none for read-only", async () => {
    const res = await admin.get(`/admin/customers/${anna.id}`);
    expect(res.statusCode).toBe(200);
    for (const id of [
      "financials",
      "jobs",
      "payments",
      "expenses",
      "appliances",
      "reviews",
      "technicians",
      "referrals",
      "follow-ups",
      "communication",
    ]) {
      expect(res.body, id).toContain(`id="${id}"`);
    }
    expect(res.body).toContain('data-profit="0.00"');
    expect(res.body).toContain(`action="/admin/customers/${anna.id}/payments"`);
    const ro = await reader.get(`/admin/customers/${anna.id}`);
    expect(ro.statusCode).toBe(200);
    expect(ro.body).toContain('id="payments"');
    expect(ro.body).not.toContain(`action="/admin/customers/${anna.id}/payments"`);
  });

  let jobId = "";

  it("adds a job and completes it: rows, audit rows, the section back", async () => {
    const added = await hxPost(`/admin/customers/${anna.id}/jobs`, {
      title: "Water heater install",
      technician_id: tech.id,
      status: "scheduled",
      scheduled_at: "2026-03-12T09:00",
      amount_quoted: "1200.50",
    });
    expect(added.statusCode, added.body.slice(0, 300)).toBe(200);
    expect(added.body.trimStart()).toMatch(/^<section class="card" id="jobs"/);
    expect(added.body).toContain("Water heater install");
    const job = await w.prisma.job.findFirstOrThrow({ where: { customer_id: anna.id } });
    jobId = job.id;
    expect(job).toMatchObject({ status: "scheduled", technician_id: tech.id, owner_id: owner.id });
    expect(job.total_usd?.toString()).toBe("1200.5");
    expect(job.scheduled_at?.toISOString()).toBe("2026-03-12T16:00:00.000Z"); // 09:00 in Phoenix
    expect(await audits("job.created")).toHaveLength(1);

    const done = await hxPost(`/admin/customers/${anna.id}/jobs/${job.id}/status`, { status: "completed" });
    expect(done.statusCode).toBe(200);
    const after = await w.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(after.status).toBe("completed");
    expect(after.completion_date?.toISOString()).toBe(NOW.toISOString());
    expect(await audits("job.updated")).toHaveLength(1);
  });

  it("adds payments and expenses exactly to the cent, swapping the profit out of band", async () => {
    for (const amount of ["0.10", "0.20"]) {
      const r = await hxPost(`/admin/customers/${anna.id}/payments`, { amount, payment_method: "cash", job_id: "" });
      expect(r.statusCode).toBe(200);
    }
    const paid = await hxPost(`/admin/customers/${anna.id}/payments`, {
      amount: "100.07",
      payment_method: "card",
      job_id: jobId,
      notes: "final invoice",
    });
    expect(paid.statusCode).toBe(200);
    expect(paid.body.trimStart()).toMatch(/^<section class="card" id="payments"/);
    expect(paid.body).toMatch(/<section class="card" id="financials"[^>]*hx-swap-oob="true"/);
    expect(paid.body).toContain('data-profit="100.37"');
    const pay = await w.prisma.payment.findFirstOrThrow({ where: { notes: "final invoice" } });
    expect(pay).toMatchObject({ payment_method: "card", job_id: jobId, customer_id: anna.id });
    expect(await audits("payment.created")).toHaveLength(3);

    await hxPost(`/admin/customers/${anna.id}/expenses`, { amount: "0.03", description: "fuel", job_id: "" });
    const spent = await hxPost(`/admin/customers/${anna.id}/expenses`, {
      amount: "10.01",
      description: "valve",
      job_id: jobId,
    });
    expect(spent.statusCode).toBe(200);
    expect(spent.body.trimStart()).toMatch(/^<section class="card" id="expenses"/);
    expect(spent.body).toContain('data-profit="90.33"');
    const valve = await w.prisma.expense.findFirstOrThrow({ where: { description: "valve" } });
    expect(valve).toMatchObject({ job_id: jobId, customer_id: anna.id, owner_id: owner.id });
    expect(await audits("expense.created")).toHaveLength(2);
  });

  it("adds an appliance, a review, a technician rating, the preference, the referrer, a follow-up, the preferences", async () => {
    const steps: Array<[string, Record<string, string>, string, () => Promise<unknown>]> = [
      [
        "appliances",
        { type: "water heater", brand: "Rheem", model_number: "XE50", install_date: "2015-06-01", location: "garage" },
        "appliance.created",
        () => w.prisma.appliance.findFirst({ where: { customer_id: anna.id, brand: "Rheem", location: "garage" } }),
      ],
      [
        "reviews",
        { job_id: jobId, rating: "5", comment: "Quick and tidy" },
        "review.created",
        () => w.prisma.review.findFirst({ where: { job_id: jobId, rating: 5, technician_id: tech.id } }),
      ],
      [
        "technician-ratings",
        { technician_id: tech.id, job_id: jobId, rating: "4" },
        "technician_rating.created",
        () => w.prisma.customerTechnicianRating.findFirst({ where: { customer_id: anna.id, rating: 4 } }),
      ],
      [
        "preferred-technician",
        { technician_id: tech.id },
        "customer.preferred_technician_set",
        () => w.prisma.customer.findFirst({ where: { id: anna.id, preferred_technician_id: tech.id } }),
      ],
      [
        "referred-by",
        { referred_by: "Bo Berg" },
        "customer.referred_by_set",
        () => w.prisma.customer.findFirst({ where: { id: anna.id, referred_by_id: bo.id } }),
      ],
      [
        "follow-ups",
        { job_id: jobId, status: "COMPLETED", follow_up_date: "2026-03-10T07:00", satisfaction_rating: "5" },
        "follow_up.created",
        () => w.prisma.serviceFollowUp.findFirst({ where: { job_id: jobId, status: "COMPLETED" } }),
      ],
      [
        "communication",
        {
          preferred_contact_method: "sms",
          preferred_contact_times: '{"weekdays": ["morning"], "weekends": ["any"]}',
          communication_frequency_preference: "minimal",
          language_preference: "da",
        },
        "customer.updated",
        () =>
          w.prisma.customer.findFirst({
            where: { id: anna.id, preferred_contact_method: "sms", language_preference: "da" },
          }),
      ],
    ];
    for (const [path, form, action, row] of steps) {
      expect(await row(), `${path}: nothing before`).toBeNull();
      const before = (await audits(action)).length;
      const res = await hxPost(`/admin/customers/${anna.id}/${path}`, form);
      expect(res.statusCode, `${path}: ${res.body.slice(0, 400)}`).toBe(200);
      expect(res.body, path).toContain('id="financials"');
      expect(await row(), `${path}: the row`).not.toBeNull();
      expect((await audits(action)).length, `${path}: its audit row`).toBe(before + 1);
    }
    const card = await admin.get(`/admin/customers/${anna.id}`);
    expect(card.body).toContain("Quick and tidy");
    expect(card.body).toMatch(/data-preferred>Luis Tech</);
    expect(card.body).toContain('data-referred-by href="/admin/customers/');
    expect(card.body).toContain("garage");
    expect(card.body).toContain("{&quot;weekdays&quot;:[&quot;morning&quot;]");
    expect(card.body).not.toContain("not scored yet"); // no forensics scores yet: no health columns
  });

  it("shows the health columns once an appliance is scored", async () => {
    await w.prisma.appliance.updateMany({
      where: { customer_id: anna.id },
      data: { health_score: 31, fail_probability: "0.4200", bio_age_years: "13.50", verdict: "replace" },
    });
    const card = await admin.get(`/admin/customers/${anna.id}`);
    expect(card.body).toContain('data-health="31"');
    expect(card.body).toContain("42 %");
    expect(card.body).toContain("13.5 years");
    expect(card.body).toMatch(/data-verdict>replace</);
  });

  it("refuses bad input with 422 inline, naming the problem, and writes nothing", async () => {
    const other = await makeJob(w.prisma, { owner_id: owner.id, customer_id: bo.id, title: "Bo's job" });
    const foreign = await makeTechnician(w.prisma, { name: "Someone Else's" });
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["payments", { amount: "10.555", payment_method: "card" }, /two decimals/],
      ["payments", { amount: "-5", payment_method: "card" }, /negative|more than 0|amount/i],
      ["payments", { amount: "50", payment_method: "bitcoin" }, /one of cash, card/],
      ["payments", { amount: "50", job_id: other.id }, /not this customer/],
      ["expenses", { amount: "abc" }, /amount/i],
      ["jobs", { title: "", status: "scheduled" }, /.+/],
      ["jobs", { title: "X", technician_id: foreign.id }, /no such technician/],
      ["appliances", { type: "furnace", install_date: "2026-12-01" }, /future/],
      ["reviews", { job_id: jobId, rating: "6" }, /5/],
      ["reviews", { job_id: other.id, rating: "4" }, /one of the customer/],
      ["technician-ratings", { technician_id: tech.id, job_id: jobId, rating: "0" }, /1/],
      ["referred-by", { referred_by: "Anna Jensen" }, /self|themselves|own|refer/i],
      ["referred-by", { referred_by: "Nobody Here" }, /no customer/],
      ["follow-ups", { job_id: jobId, status: "MAYBE" }, /.+/],
      [
        "communication",
        { preferred_contact_times: '{"weekdays": ["noonish"]}', language_preference: "en" },
        /time of day/,
      ],
      ["communication", { preferred_contact_times: "{not json", language_preference: "en" }, /JSON/],
    ];
    for (const [path, form, reason] of cases) {
      const before = await fingerprint();
      const res = await hxPost(`/admin/customers/${anna.id}/${path}`, form);
      expect(res.statusCode, `${path} ${JSON.stringify(form)}: ${res.body.slice(0, 300)}`).toBe(422);
      const error = /<p class="field-error" role="alert" data-code="([A-Z_]+)">([^<]*)</.exec(res.body);
      expect(["VALIDATION_FAILED", "NOT_FOUND"], path).toContain(error?.[1]);
      expect(error?.[2], `${path} ${JSON.stringify(form)}`).toMatch(reason);
      expect(await fingerprint(), `${path}: nothing written`).toBe(before);
    }
  });

  it("works without JavaScript: 303 back to the card, or the whole card with the reason (422)", async () => {
    const before = await w.prisma.payment.count();
    const ok = await admin.postForm(`/admin/customers/${bo.id}/payments`, { amount: "75", payment_method: "check" });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/admin/customers/${bo.id}#payments`);
    expect(await w.prisma.payment.count()).toBe(before + 1);
    const bad = await admin.postForm(`/admin/customers/${bo.id}/payments`, { amount: "75.001", payment_method: "" });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain("<html");
    expect(bad.body).toContain('value="75.001"');
    expect(bad.body).toMatch(/role="alert" data-code="VALIDATION_FAILED">[^<]*two decimals/);
    expect(await w.prisma.payment.count()).toBe(before + 1);
  });

  it("answers 404 for an unknown customer or a job of another customer, 403 for read-only, writing nothing", async () => {
    const before = await fingerprint();
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const path of [
      "payments",
      "expenses",
      "jobs",
      "appliances",
      "technician-ratings",
      "communication",
      "reviews",
    ]) {
      const res = await hxPost(`/admin/customers/${missing}/${path}`, {
        amount: "5",
        title: "x",
        type: "x",
        rating: "3",
      });
      expect(res.statusCode, path).toBe(404);
    }
    const bosJob = await w.prisma.job.findFirstOrThrow({ where: { customer_id: bo.id } });
    const wrong = await hxPost(`/admin/customers/${anna.id}/jobs/${bosJob.id}/status`, { status: "completed" });
    expect(wrong.statusCode).toBe(404);
    const ro = await reader.postForm(`/admin/customers/${anna.id}/payments`, { amount: "5" });
    expect(ro.statusCode).toBe(403);
    expect(await fingerprint()).toBe(before);
  });
});

describe("the Technicians page", () => {
  it("lists technicians, adds one for a contractor and edits skills and the active flag, audited", async () => {
    const page = await admin.get("/admin/technicians");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Luis Tech");
    expect(page.body).toContain("Ada Heating LLC");
    const added = await hxPost("/admin/technicians", {
      owner_id: owner.id,
      name: "Nina Newhire",
      phone: "+1 602 555 0142",
      email: "",
      skills: "tankless, gas, Gas",
    });
    expect(added.statusCode).toBe(200);
    expect(added.body).toContain("Nina Newhire");
    const nina = await w.prisma.technician.findFirstOrThrow({ where: { name: "Nina Newhire" } });
    expect(nina).toMatchObject({ owner_id: owner.id, skills: ["tankless", "gas"], is_active: true });
    expect(await audits("technician.created")).toHaveLength(1);

    const edited = await admin.postForm(`/admin/technicians/${nina.id}`, { skills: "boilers" });
    expect(edited.statusCode).toBe(303);
    expect(await w.prisma.technician.findUniqueOrThrow({ where: { id: nina.id } })).toMatchObject({
      skills: ["boilers"],
      is_active: false,
    });
    expect(await audits("technician.updated")).toHaveLength(1);

    const before = await fingerprint();
    const bad = await hxPost("/admin/technicians", { owner_id: owner.id, name: "  ", skills: "" });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('data-code="VALIDATION_FAILED"');
    const badPhone = await hxPost("/admin/technicians", { owner_id: owner.id, name: "P", phone: "not a phone" });
    expect(badPhone.statusCode).toBe(422);
    expect(await fingerprint()).toBe(before);
    expect(
      (await reader.postForm(`/admin/technicians/${nina.id}`, { skills: "x", is_active: "true" })).statusCode,
    ).toBe(403);
    expect((await hxPost("/admin/technicians/00000000-0000-4000-8000-000000000000", { skills: "x" })).statusCode).toBe(
      404,
    );
  });
});

describe("the Opportunities page", () => {
  it("lists opportunities by type and status with the estimated value and the enrolled sequence", async () => {
    await makeSequenceTemplate(w.prisma, { name: "Replacement nurture", trigger_type: "replacement" });
    const scope = { kind: "admin" } as const;
    const rep = await createOpportunity(w.deps, scope, { customer_id: anna.id, opportunity_type: "replacement" });
    const mnt = await createOpportunity(w.deps, scope, {
      customer_id: bo.id,
      opportunity_type: "maintenance",
      est_value_usd: "3200",
    });
    expect(rep.ok && mnt.ok).toBe(true);
    const all = await admin.get("/admin/opportunities");
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain("~$18,000");
    expect(all.body).toContain("~$3,200");
    expect(all.body).toMatch(/data-sequence>Replacement nurture <span class="muted">\(active\)/);
    const onlyMaintenance = await admin.get("/admin/opportunities?type=maintenance", HX);
    expect(onlyMaintenance.body.trimStart()).toMatch(/^<section class="card" id="opportunities-table"/);
    expect(onlyMaintenance.body).toContain("~$3,200");
    expect(onlyMaintenance.body).not.toContain("~$18,000");
    const nurturing = await admin.get("/admin/opportunities?status=nurturing");
    expect(nurturing.body).toContain("Anna Jensen");
    expect(nurturing.body).not.toContain("Bo Berg");
    expect((await admin.get("/admin/opportunities?status=bogus")).statusCode).toBe(400);
  });

  it("creates one from the customer card: row, audit, its sequence enrolled; a bad type is 422 with nothing written", async () => {
    await makeSequenceTemplate(w.prisma, { name: "Maintenance nurture", trigger_type: "maintenance" });
    const cai = await makeCustomer(w.prisma, { owner_id: owner.id, name: "Cai Holm" });
    const url = `/admin/customers/${cai.id}/opportunities`;
    const card = await admin.get(`/admin/customers/${cai.id}`);
    expect(card.body).toContain('id="opportunities"');
    expect(card.body).toContain(`action="${url}"`);
    expect((await reader.get(`/admin/customers/${cai.id}`)).body).not.toContain(`action="${url}"`);

    const before = JSON.stringify([await fingerprint(), await w.prisma.opportunity.count()]);
    const bad = await hxPost(url, { opportunity_type: "roof", asset_brand: "Rheem" });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/role="alert" data-code="VALIDATION_FAILED">[^<]*opportunity_type/);
    const badAge = await admin.postForm(url, { opportunity_type: "maintenance", asset_age_years: "old" });
    expect(badAge.statusCode).toBe(422);
    expect(badAge.body).toContain("<html");
    const ro = await reader.postForm(url, { opportunity_type: "maintenance" });
    expect(ro.statusCode).toBe(403);
    expect(JSON.stringify([await fingerprint(), await w.prisma.opportunity.count()])).toBe(before);

    const made = await hxPost(url, {
      opportunity_type: "maintenance",
      asset_brand: "Bradford White",
      asset_age_years: "9",
      note: "noisy",
    });
    expect(made.statusCode).toBe(200);
    expect(made.body.trimStart()).toMatch(/^<section class="card" id="opportunities"/);
    const opp = await w.prisma.opportunity.findFirstOrThrow({ where: { customer_id: cai.id } });
    expect(opp).toMatchObject({ opportunity_type: "maintenance", asset_brand: "Bradford White", source: "manual" });
    expect(Number(opp.asset_age_years)).toBe(9);
    expect(opp.forensic_inputs).toMatchObject({ note: "noisy" });
    expect(made.body).toContain(`data-opportunity="${opp.id}"`);
    expect(made.body).toMatch(/data-est-value>~\$/);
    expect(made.body).toMatch(/data-sequence>Maintenance nurture <span class="muted">\(active\)/);
    const seq = await w.prisma.nurturingSequence.findFirst({ where: { opportunity_id: opp.id } });
    expect(seq).not.toBeNull();
    const audit = await audits("opportunity.created");
    expect(audit.map((a) => a.entity_id)).toContain(opp.id);

    const plain = await admin.postForm(url, { opportunity_type: "replacement" });
    expect(plain.statusCode).toBe(303);
    expect(plain.headers.location).toBe(`/admin/customers/${cai.id}#opportunities`);
    expect(await w.prisma.opportunity.count({ where: { customer_id: cai.id } })).toBe(2);
  });
});
