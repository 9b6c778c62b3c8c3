/**
 * The nurturing board (issue 15, seed 000): /admin/sequences lists every sequence with customer,
 * template, step, status, last event, 🔥, `~$` est. value and revenue; filters and pages; pause /
 * resume / stop and "mark converted" with the sale amount through core (audited as the signed-in
 * person; the owner is congratulated in chat), and the converted revenue moves the dashboard.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { User } from "../../prisma/generated/client.js";
import { closeTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import {
  makeChannelIdentity,
  makeContractor,
  makeCustomer,
  makeSequence,
  makeSequenceTemplate,
} from "../support/factories.js";
import { type PanelClient, signedInPanel } from "./support.js";

const NOW = new Date("2026-03-10T15:00:00Z");
let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let adminId: string;
let carla: User;
let otto: User;

beforeAll(async () => {
  ({
    w,
    app,
    client: admin,
    user: { id: adminId },
  } = await signedInPanel(NOW));
  carla = await makeContractor(w.prisma, { name: "Carla Board" });
  otto = await makeContractor(w.prisma, { name: "Otto Board" });
  await makeChannelIdentity(w.prisma, { user_id: carla.id });
});
afterAll(() => closeTestApp(app, w));

const rowOf = (html: string, id: string) => {
  const m = new RegExp(`<tr id="seq-${id}"[\\s\\S]*?</tr>`).exec(html);
  return m?.[0] ?? "";
};
const kpiValue = (html: string, kpi: string) => new RegExp(`data-kpi="${kpi}" data-value="([^"]*)"`).exec(html)?.[1];

async function auditRows(action: string) {
  return w.prisma.auditLog.findMany({ where: { action, actor_user_id: adminId, actor_kind: "panel_user" } });
}

describe("the board", () => {
  it("shows customer, template, step, status, last event, 🔥, ~$ est. value and revenue", async () => {
    const t = await makeSequenceTemplate(w.prisma, { name: "Replacement push" });
    const anna = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Hot" });
    const s = await makeSequence(w.prisma, {
      customer_id: anna.id,
      template_id: t.id,
      current_step: 2,
      est_value_usd: "3200.00",
      high_interest_at: NOW,
      click_count: 3,
    });
    await w.prisma.sequenceEvent.create({
      data: {
        sequence_id: s.id,
        step_number: 1,
        action_type: "sms",
        status: "sent",
        scheduled_at: NOW,
        executed_at: new Date(NOW.getTime() - 3_600_000),
        clicked_at: new Date(NOW.getTime() - 600_000),
      },
    });
    const res = await admin.get("/admin/sequences");
    expect(res.statusCode).toBe(200);
    const row = rowOf(res.body, s.id);
    expect(row).toContain("Anna Hot");
    expect(row).toContain("Replacement push");
    expect(row).toContain("2 / 3");
    expect(row).toContain('data-status="active"');
    expect(row).toContain("clicked · step 1");
    expect(row).toContain("data-high-interest");
    expect(row).toContain("~$3,200");
    expect(res.body).toContain('href="/admin/sequences"');
    // The nav links the page.
    expect(res.body).toMatch(/<a href="\/admin\/sequences"[^>]*>Sequences/);
  });

  it("filters by status, template, high interest and owner, and answers htmx with the board only", async () => {
    const t = await makeSequenceTemplate(w.prisma, { name: "Filter tpl" });
    const a = await makeSequence(w.prisma, { customer_id: (await makeCustomer(w.prisma, { owner_id: carla.id })).id });
    const p = await makeSequence(w.prisma, {
      customer_id: (await makeCustomer(w.prisma, { owner_id: otto.id })).id,
      status: "paused",
      template_id: t.id,
    });
    const paused = await admin.get("/admin/sequences?status=paused", { "hx-request": "true" });
    expect(paused.statusCode).toBe(200);
    expect(paused.body).not.toContain("<html");
    expect(paused.body).toContain(`seq-${p.id}`);
    expect(paused.body).not.toContain(`seq-${a.id}`);
    const byTpl = await admin.get(`/admin/sequences?template=${t.id}`);
    expect(byTpl.body).toContain(`seq-${p.id}`);
    expect(byTpl.body).not.toContain(`seq-${a.id}`);
    const byOwner = await admin.get(`/admin/sequences?owner=${otto.id}`);
    expect(byOwner.body).toContain(`seq-${p.id}`);
    expect(byOwner.body).not.toContain(`seq-${a.id}`);
    const hot = await admin.get("/admin/sequences?high_interest=yes");
    expect(hot.body).not.toContain(`seq-${a.id}`);
    const bad = await admin.get("/admin/sequences?status=nonsense&owner=x");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('data-code="VALIDATION_FAILED"');
  });

  it("pages 25 rows at a time with links that keep the filter", async () => {
    const pager = await makeContractor(w.prisma, { name: "Pager Pat" });
    for (let i = 0; i < 27; i++) {
      await makeSequence(w.prisma, { customer_id: (await makeCustomer(w.prisma, { owner_id: pager.id })).id });
    }
    const first = await admin.get(`/admin/sequences?owner=${pager.id}`);
    expect(first.body.match(/<tr id="seq-/g)?.length).toBe(25);
    expect(first.body).toContain(`/admin/sequences?owner=${pager.id}&amp;page=2`);
    const second = await admin.get(`/admin/sequences?owner=${pager.id}&page=2`);
    expect(second.body.match(/<tr id="seq-/g)?.length).toBe(2);
  });
});

describe("actions", () => {
  it("pauses, resumes and stops through core, each audited as the panel user", async () => {
    const s = await makeSequence(w.prisma, { customer_id: (await makeCustomer(w.prisma, { owner_id: carla.id })).id });
    const paused = await admin.postForm(`/admin/sequences/${s.id}/pause`, {});
    expect(paused.statusCode).toBe(303);
    expect((await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: s.id } })).status).toBe("paused");
    const resumed = await admin.request({
      method: "POST",
      url: `/admin/sequences/${s.id}/resume`,
      headers: { "hx-request": "true" },
    });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.body).toContain(`<tr id="seq-${s.id}"`);
    expect(resumed.body).toContain('data-status="active"');
    await admin.postForm(`/admin/sequences/${s.id}/stop`, {});
    const after = await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: s.id } });
    expect(after.outcome).toBe("stopped");
    for (const action of ["sequence.paused", "sequence.resumed", "sequence.stopped"]) {
      expect((await auditRows(action)).some((r) => r.entity_id === s.id)).toBe(true);
    }
    const again = await admin.request({
      method: "POST",
      url: `/admin/sequences/${s.id}/pause`,
      headers: { "hx-request": "true" },
    });
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('role="alert"');
    expect((await admin.postForm(`/admin/sequences/${s.id}/explode`, {})).statusCode).toBe(404);
    expect((await admin.postForm("/admin/sequences/not-a-uuid/pause", {})).statusCode).toBe(404);
  });

  it("marks converted with revenue: audited, the owner congratulated, the dashboard's revenue moves", async () => {
    const before = await admin.get("/admin");
    const revenueBefore = Number(kpiValue(before.body, "revenue"));
    const cust = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Bo Buyer" });
    const s = await makeSequence(w.prisma, { customer_id: cust.id });
    const empty = await admin.request({
      method: "POST",
      url: `/admin/sequences/${s.id}/convert`,
      headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
      payload: "revenue_usd=",
    });
    expect(empty.statusCode).toBe(422);
    const bad = await admin.postForm(`/admin/sequences/${s.id}/convert`, { revenue_usd: "-5" });
    expect(bad.statusCode).toBe(422);
    expect((await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: s.id } })).outcome).toBeNull();

    const res = await admin.request({
      method: "POST",
      url: `/admin/sequences/${s.id}/convert`,
      headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
      payload: "revenue_usd=%243%2C200.50",
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("data-celebrated");
    expect(res.body).toContain('data-revenue="3200.5"');
    const seq = await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: s.id } });
    expect(seq.outcome).toBe("converted");
    expect(seq.revenue_usd?.toString()).toBe("3200.5");
    expect((await auditRows("sequence.converted")).some((r) => r.entity_id === s.id)).toBe(true);
    const notice = await w.prisma.outboundMessage.findFirst({
      where: { user_id: carla.id, kind: "conversion_celebration" },
    });
    expect(notice?.body).toContain("Bo Buyer");

    const after = await admin.get("/admin");
    expect(Number(kpiValue(after.body, "revenue"))).toBeCloseTo(revenueBefore + 3200.5, 2);

    const twice = await admin.postForm(`/admin/sequences/${s.id}/convert`, { revenue_usd: "100" });
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toContain("SEQUENCE_ENDED");
  });

  it("shows the recent-activity feed", async () => {
    const cust = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Feed Fiona" });
    await makeSequence(w.prisma, { customer_id: cust.id, started_at: new Date(NOW.getTime() - 1000) });
    const res = await admin.get("/admin/sequences");
    expect(res.body).toContain('id="sequence-activity"');
    expect(res.body).toMatch(/data-activity="started"[^\n]*Feed Fiona/);
  });
});
