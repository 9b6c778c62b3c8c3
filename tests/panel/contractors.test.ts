import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestAccess } from "../../core/accounts/link.service.js";
import { demoId } from "../../prisma/seed/kit.js";
import { userId } from "../../prisma/seed/people.js";
import type { TestWorld } from "../support/deps.js";
import { makeChannelIdentity, makeContractor } from "../support/factories.js";
import { createPanelUser, PanelClient, seededPanel } from "./support.js";

const NOW = new Date("2026-11-18T17:00:00Z");
const XSS = "<script>alert(1)</script>";
const HX = { "hx-request": "true" };
const quickfix = userId("quickfix");
let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let adminId: string;

/** Someone asks for access from a Telegram chat (core's requestAccess), as the bot does. */
async function accessRequest(name: string) {
  const identity = await makeChannelIdentity(w.prisma, { channel: "telegram", address: `tg-${Math.random()}` });
  const r = await requestAccess(w.deps, { identityId: identity.id, name, language: "en" });
  if (!r.ok) throw new Error(r.message);
  return { user: r.value, identity };
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

describe("contractors list", () => {
  it("lists companies with rating, strikes, ban state and metrics", async () => {
    const res = await admin.get("/admin/contractors");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Desert Breeze Heating &amp; Cooling");
    const row = res.body.slice(res.body.indexOf(`data-contractor="${quickfix}"`)).split("</tr>")[0] ?? "";
    expect(row).toContain("Valley Quick Fix");
    expect(row).toContain("data-banned");
    expect(row).toMatch(/<td>3<\/td>/);
    const metrics = await w.prisma.contractorMetrics.findUniqueOrThrow({ where: { contractor_id: userId("breeze") } });
    const breeze = res.body.slice(res.body.indexOf(`data-contractor="${userId("breeze")}"`)).split("</tr>")[0] ?? "";
    expect(breeze).toContain(`<td>${metrics.total_bids_placed}</td>`);
    expect(breeze).toContain(`${(Number(metrics.contact_rate) * 100).toFixed(0)} %`);
  });

  it("filters banned contractors and searches; htmx gets the table only", async () => {
    const banned = await admin.get("/admin/contractors?banned=1");
    expect(banned.body.match(/data-contractor=/g)).toHaveLength(1);
    expect(banned.body).toContain(`data-contractor="${quickfix}"`);
    const frag = await admin.get("/admin/contractors?q=saguaro", HX);
    expect(frag.body).not.toContain("<html");
    expect(frag.body.trim().startsWith('<div id="contractors-table"')).toBe(true);
    expect(frag.body.match(/data-contractor=/g)).toHaveLength(1);
    const bad = await admin.get("/admin/contractors?page=-1");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('data-code="VALIDATION_FAILED"');
  });

  it("shows hostile names escaped in the list and on the page", async () => {
    const c = await makeContractor(w.prisma, { name: XSS, company_name: `${XSS} Inc` });
    for (const url of ["/admin/contractors", `/admin/contractors/${c.id}`]) {
      const res = await admin.get(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(XSS);
      expect(res.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
  });
});

describe("a contractor's page", () => {
  it("shows profile, service area, metrics, strikes, ban state with the pending appeal, and chat links", async () => {
    const res = await admin.get(`/admin/contractors/${quickfix}`);
    expect(res.statusCode).toBe(200);
    const b = res.body;
    expect(b).toContain("<h1>Valley Quick Fix");
    expect(b).toContain("dale@valleyquickfix.example");
    const user = await w.prisma.user.findUniqueOrThrow({ where: { id: quickfix } });
    expect(b).toContain(user.service_area_zip_codes.join(", "));
    const strikes = b.slice(b.indexOf('data-section="strikes"'), b.indexOf('data-section="channels"'));
    expect(strikes.match(/href="\/admin\/leads\//g)).toHaveLength(3);
    expect(b).toContain('id="ban-state" data-banned="1"');
    expect(b).toContain(`/admin/appeals#appeal-${demoId("appeal:quickfix")}`);
    expect(b).toContain("Not linked to any chat yet");
    expect(b).toContain('data-section="metrics"');
  });

  it("404s an unknown or non-contractor id", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000009", "nope", adminId]) {
      const res = await admin.get(`/admin/contractors/${id}`);
      expect(res.statusCode, id).toBe(404);
      expect(res.body).toContain('data-code="NOT_FOUND"');
    }
  });

  it("creates a one-time link code, shows it once (htmx fragment), stores it for /start", async () => {
    const breeze = userId("breeze");
    await admin.get(`/admin/contractors/${breeze}`);
    const res = await admin.request({ method: "POST", url: `/admin/contractors/${breeze}/link-code`, headers: HX });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("<html");
    const code = /data-link-code="([A-Z0-9]{8})"/.exec(res.body)?.[1];
    expect(code).toBeDefined();
    expect(res.body).toContain(`/start ${code}`);
    const row = await w.prisma.linkCode.findUniqueOrThrow({ where: { code: code ?? "" } });
    expect(row.user_id).toBe(breeze);
    expect(row.expires_at.getTime()).toBe(NOW.getTime() + 24 * 3600_000);
    const later = await admin.get(`/admin/contractors/${breeze}`);
    expect(later.body).not.toContain(code);
    expect(later.body).toContain("1 unused link code still valid");
    // without JavaScript the whole page comes back with the code
    const plain = await admin.postForm(`/admin/contractors/${breeze}/link-code`, {});
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toContain("<html");
    expect(plain.body).toMatch(/data-link-code="[A-Z0-9]{8}"/);
  });

  it("lets an admin unban: strikes reset, the pending appeal closed, audited; twice → 409; a manager → 403", async () => {
    const m = await createPanelUser(w, "sales_manager");
    const mc = new PanelClient(app);
    await mc.login(m.email ?? "");
    const page = await mc.get(`/admin/contractors/${quickfix}`);
    expect(page.body).not.toContain(`/admin/contractors/${quickfix}/unban"`);
    const refused = await mc.postForm(`/admin/contractors/${quickfix}/unban`, {});
    expect(refused.statusCode).toBe(403);
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: quickfix } })).is_bidding_banned).toBe(true);

    await admin.get(`/admin/contractors/${quickfix}`);
    const res = await admin.request({
      method: "POST",
      url: `/admin/contractors/${quickfix}/unban`,
      headers: { ...HX, "content-type": "application/x-www-form-urlencoded" },
      payload: "note=Phone+fixed%2C+verified+by+call",
    });
    expect(res.statusCode).toBe(200);
    expect(res.body.trim().startsWith('<section class="card" id="ban-state" data-banned="0"')).toBe(true);
    const user = await w.prisma.user.findUniqueOrThrow({ where: { id: quickfix } });
    expect(user).toMatchObject({ is_bidding_banned: false, strike_count: 0 });
    const appeal = await w.prisma.banAppeal.findUniqueOrThrow({ where: { id: demoId("appeal:quickfix") } });
    expect(appeal).toMatchObject({
      status: "APPROVED",
      reviewed_by_id: adminId,
      decision_note: "Phone fixed, verified by call",
    });
    const audit = await w.prisma.auditLog.findFirstOrThrow({
      where: { action: "contractor.unbanned", entity_id: quickfix },
    });
    expect(audit).toMatchObject({ actor_user_id: adminId, before: { is_bidding_banned: true, strike_count: 3 } });

    const again = await admin.postForm(`/admin/contractors/${quickfix}/unban`, {});
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('data-code="NOT_BANNED"');
  });
});

describe("access requests", () => {
  it("lists pending requests (escaped) and approves one inline; the person is told in their chat", async () => {
    const { user, identity } = await accessRequest(`${XSS} Roofing`);
    const page = await admin.get("/admin/contractors");
    expect(page.body).toContain(`id="access-${user.id}"`);
    expect(page.body).not.toContain(XSS);
    expect(page.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt; Roofing");
    const res = await admin.request({
      method: "POST",
      url: `/admin/contractors/access/${user.id}/approve`,
      headers: HX,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("<html");
    expect(res.body).toContain('data-decided="active"');
    expect(res.body).toContain("told in chat");
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).account_status).toBe("active");
    const notice = await w.prisma.outboundMessage.findFirstOrThrow({
      where: { user_id: user.id, kind: "access_decided" },
    });
    expect(notice.identity_id).toBe(identity.id);
    expect((await admin.get("/admin/contractors")).body).not.toContain(`id="access-${user.id}"`);
  });

  it("rejects with a note (no-JS post → 303), and a decided request cannot be flipped (409)", async () => {
    const { user } = await accessRequest("Spam Co");
    await admin.get("/admin/contractors");
    const res = await admin.postForm(`/admin/contractors/access/${user.id}/reject`, { note: "Not a contractor." });
    expect(res.statusCode).toBe(303);
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).account_status).toBe("disabled");
    const flip = await admin.postForm(`/admin/contractors/access/${user.id}/approve`, {});
    expect(flip.statusCode).toBe(409);
    expect(flip.body).toContain('data-code="CONFLICT"');
    const missing = await admin.postForm("/admin/contractors/access/00000000-0000-4000-8000-000000000009/approve", {});
    expect(missing.statusCode).toBe(404);
  });

  it("a read-only person sees requests without buttons", async () => {
    const { user } = await accessRequest("Waiting Person");
    const ro = await createPanelUser(w, "read_only");
    const c = new PanelClient(app);
    await c.login(ro.email ?? "");
    const page = await c.get("/admin/contractors");
    expect(page.body).toContain(`id="access-${user.id}"`);
    expect(page.body).not.toContain(`/admin/contractors/access/${user.id}/approve`);
  });
});
