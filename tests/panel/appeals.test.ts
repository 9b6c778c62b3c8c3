import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppeal } from "../../core/marketplace/appeal.service.js";
import { demoId } from "../../prisma/seed/kit.js";
import { userId } from "../../prisma/seed/people.js";
import type { TestWorld } from "../support/deps.js";
import { makeChannelIdentity, makeContractor } from "../support/factories.js";
import { createPanelUser, PanelClient, seededPanel } from "./support.js";

const NOW = new Date("2026-11-18T17:00:00Z");
const HX = { "hx-request": "true" };
let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let adminId: string;
const appealId = demoId("appeal:quickfix");
const quickfix = userId("quickfix");

/** A banned contractor (XSS in the name and reason) with a pending appeal made through core. */
async function bannedWithAppeal(name: string, reason: string) {
  const c = await makeContractor(w.prisma, { name, company_name: name, is_bidding_banned: true, strike_count: 3 });
  await makeChannelIdentity(w.prisma, { channel: "telegram", address: `tg-${c.id.slice(0, 8)}`, user_id: c.id });
  const r = await createAppeal(w.deps, { contractorId: c.id, reason });
  if (!r.ok) throw new Error(r.message);
  return { contractor: c, appeal: r.value };
}

beforeAll(async () => {
  const s = await seededPanel(NOW);
  ({ w, app, client: admin } = s);
  adminId = s.user.id;
});
afterAll(async () => {
  await app.close();
  await w.close();
});

describe("appeals queue", () => {
  it("lists the seeded pending appeal with its contractor, reason and strike evidence", async () => {
    const res = await admin.get("/admin/appeals");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("<html");
    expect(res.body).toContain(`id="appeal-${appealId}"`);
    expect(res.body).toContain('data-status="PENDING"');
    expect(res.body).toContain("My phone was in the shop");
    const card = res.body.slice(res.body.indexOf(`id="appeal-${appealId}"`));
    // three strikes of evidence, each linking its lead
    expect(card.split("</article>")[0]?.match(/href="\/admin\/leads\/[0-9a-f-]{36}"/g)).toHaveLength(3);
    expect(card).toContain('data-action="approve"');
    expect(card).toContain('data-action="reject"');
  });

  it("shows names and reasons escaped", async () => {
    const { appeal } = await bannedWithAppeal("<script>alert(1)</script>", "I was <b>sick</b> & away for a week.");
    const res = await admin.get("/admin/appeals");
    expect(res.body).toContain(`id="appeal-${appeal.id}"`);
    expect(res.body).not.toContain("<script>alert(1)</script>");
    expect(res.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(res.body).toContain("I was &lt;b&gt;sick&lt;/b&gt; &amp; away");
  });

  it("approves inline: the htmx response is the decided card only, the contractor is unbanned and told in chat", async () => {
    const { contractor, appeal } = await bannedWithAppeal("Mesa Fixers", "Storm week, phone was broken, sorry.");
    await admin.get("/admin/appeals");
    const res = await admin.request({
      method: "POST",
      url: `/admin/appeals/${appeal.id}/approve`,
      headers: { ...HX, "content-type": "application/x-www-form-urlencoded" },
      payload: "note=Welcome+back",
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("<html");
    expect(res.body.trim().startsWith("<article")).toBe(true);
    expect(res.body).toContain(`id="appeal-${appeal.id}"`);
    expect(res.body).toContain('data-status="APPROVED"');
    expect(res.body).not.toContain('data-action="approve"');
    expect(res.body).toContain('data-notified="1"');

    const row = await w.prisma.banAppeal.findUniqueOrThrow({ where: { id: appeal.id } });
    expect(row).toMatchObject({ status: "APPROVED", reviewed_by_id: adminId, decision_note: "Welcome back" });
    const user = await w.prisma.user.findUniqueOrThrow({ where: { id: contractor.id } });
    expect(user).toMatchObject({ is_bidding_banned: false, strike_count: 0 });
    const notice = await w.prisma.outboundMessage.findFirst({
      where: { user_id: contractor.id, kind: "appeal_decided" },
    });
    expect(notice?.channel).toBe("telegram");
    expect(notice?.status).toBe("queued");
    const audit = await w.prisma.auditLog.findFirst({ where: { entity_id: appeal.id, action: "appeal.approved" } });
    expect(audit?.actor_user_id).toBe(adminId);
  });

  it("rejecting needs a note: without one → 422 with the card and a stable code, nothing changes", async () => {
    const res = await admin.request({
      method: "POST",
      url: `/admin/appeals/${appealId}/reject`,
      headers: { ...HX, "content-type": "application/x-www-form-urlencoded" },
      payload: "note=++",
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('data-code="NOTE_REQUIRED"');
    expect(res.body).toContain(`id="appeal-${appealId}"`);
    expect(res.body).not.toContain("<html");
    expect((await w.prisma.banAppeal.findUniqueOrThrow({ where: { id: appealId } })).status).toBe("PENDING");
  });

  it("rejects with a note without JavaScript (form post → 303), stays banned, the note recorded", async () => {
    await admin.get("/admin/appeals");
    const res = await admin.postForm(`/admin/appeals/${appealId}/reject`, { note: "Three misses in a week <again>." });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/admin/appeals");
    const row = await w.prisma.banAppeal.findUniqueOrThrow({ where: { id: appealId } });
    expect(row).toMatchObject({ status: "REJECTED", decision_note: "Three misses in a week <again>." });
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: quickfix } })).is_bidding_banned).toBe(true);
    const page = await admin.get("/admin/appeals?status=REJECTED");
    expect(page.body).toContain(`id="appeal-${appealId}"`);
    expect(page.body).toContain("Three misses in a week &lt;again&gt;.");
    expect(page.body).toContain('data-notified="0"'); // quickfix has no chat linked in the demo world
    expect((await admin.get("/admin/appeals")).body).not.toContain(`id="appeal-${appealId}"`);
  });

  it("deciding twice → 409 APPEAL_ALREADY_DECIDED; unknown id → 404; bad status filter → 400", async () => {
    const again = await admin.request({
      method: "POST",
      url: `/admin/appeals/${appealId}/approve`,
      headers: { ...HX, "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('data-code="APPEAL_ALREADY_DECIDED"');
    expect((await w.prisma.banAppeal.findUniqueOrThrow({ where: { id: appealId } })).status).toBe("REJECTED");
    const missing = await admin.postForm("/admin/appeals/00000000-0000-4000-8000-000000000001/approve", {});
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('data-code="NOT_FOUND"');
    const bad = await admin.get("/admin/appeals?status=<x>");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('data-code="VALIDATION_FAILED"');
  });

  it("is admin only for decisions: a sales manager sees the queue without buttons and gets 403 on a decision", async () => {
    const { appeal } = await bannedWithAppeal("Tempe Repairs", "I was in hospital that week, truly.");
    const m = await createPanelUser(w, "sales_manager");
    // A sales manager sees their team's appeals (issue 15): this contractor is on their team.
    await w.prisma.team.create({
      data: { name: `Team of ${m.email}`, manager_id: m.id, members: { connect: { id: appeal.contractor_id } } },
    });
    const c = new PanelClient(app);
    await c.login(m.email ?? "");
    const page = await c.get("/admin/appeals");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`id="appeal-${appeal.id}"`);
    expect(page.body).not.toContain('data-action="approve"');
    const res = await c.postForm(`/admin/appeals/${appeal.id}/approve`, {});
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('data-code="FORBIDDEN"');
    expect((await w.prisma.banAppeal.findUniqueOrThrow({ where: { id: appeal.id } })).status).toBe("PENDING");
  });
});
