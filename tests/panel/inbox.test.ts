/**
 * The lead inbox (issue 15, seed 002): /admin/inbox lists new leads (customers with status
 * `lead`); Call logs one call interaction and hands the browser the `tel:` link; Convert makes
 * the lead a customer in one click; Snooze hides it until its time passes on the clock; the
 * navigation's badge counts what waits. Every action is audited as the signed-in person.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { User } from "../../prisma/generated/client.js";
import { closeTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";
import { type PanelClient, signedInPanel } from "./support.js";

const NOW = new Date("2026-03-10T15:00:00Z");
const HOUR = 3_600_000;
let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let adminId: string;
let carla: User;

beforeAll(async () => {
  ({
    w,
    app,
    client: admin,
    user: { id: adminId },
  } = await signedInPanel(NOW));
  carla = await makeContractor(w.prisma, { name: "Carla Inbox" });
});
afterAll(() => closeTestApp(app, w));

const badge = (html: string) => /id="inbox-badge" class="badge" data-count="(\d+)"/.exec(html)?.[1];
const hx = { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" };
const audited = (action: string, id: string) =>
  w.prisma.auditLog.count({ where: { action, entity_id: id, actor_user_id: adminId, actor_kind: "panel_user" } });

describe("the lead inbox", () => {
  it("lists leads only (not active customers), newest first, with the badge in the navigation", async () => {
    const before = Number(badge((await admin.get("/admin")).body));
    const lead = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Lena Lead", phone: "+1 602 555 0101" });
    const active = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Andy Active", status: "active" });
    const res = await admin.get("/admin/inbox");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`data-inbox-lead="${lead.id}"`);
    expect(res.body).not.toContain(`data-inbox-lead="${active.id}"`);
    expect(res.body).toContain("Lena Lead");
    expect(Number(badge(res.body))).toBe(before + 1);
    expect(Number(badge((await admin.get("/admin/customers")).body))).toBe(before + 1);
    const count = await w.prisma.customer.count({ where: { status: "lead" } });
    expect(Number(badge(res.body))).toBe(count);
    const frag = await admin.get("/admin/inbox", { "hx-request": "true" });
    expect(frag.body).not.toContain("<html");
    expect(frag.body).toContain('id="inbox-table"');
    expect((await admin.get(`/admin/inbox?owner=${carla.id}`)).body).toContain(lead.id);
    expect((await admin.get("/admin/inbox?owner=nope")).statusCode).toBe(400);
  });

  it("Call logs one outbound call interaction and follows the tel: link (htmx and plain form)", async () => {
    const lead = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Carl Call", phone: "+1 (602) 555-0102" });
    const res = await admin.request({ method: "POST", url: `/admin/inbox/${lead.id}/call`, headers: hx, payload: "" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["hx-redirect"]).toBe("tel:+16025550102");
    const calls = await w.prisma.customerInteraction.findMany({ where: { customer_id: lead.id } });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ type: "call", direction: "outbound", completed: true });
    expect(await audited("interaction.created", calls[0]?.id ?? "")).toBe(1);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: lead.id } })).last_contacted_at).toEqual(NOW);
    const plain = await admin.postForm(`/admin/inbox/${lead.id}/call`, {});
    expect(plain.statusCode).toBe(303);
    expect(plain.headers.location).toBe("tel:+16025550102");
    expect(await w.prisma.customerInteraction.count({ where: { customer_id: lead.id } })).toBe(2);
    const missing = await admin.postForm("/admin/inbox/00000000-0000-4000-8000-000000000000/call", {});
    expect(missing.statusCode).toBe(404);
  });

  it("Convert makes the lead a customer in one click, audited, and the badge drops", async () => {
    const lead = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Vera Convert" });
    const before = Number(badge((await admin.get("/admin/inbox")).body));
    const res = await admin.request({
      method: "POST",
      url: `/admin/inbox/${lead.id}/convert`,
      headers: hx,
      payload: "",
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`data-inbox-done="${lead.id}"`);
    expect(res.body).toContain('hx-swap-oob="true"');
    expect(badge(res.body)).toBe(String(before - 1));
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("active");
    expect(await audited("customer.converted", lead.id)).toBe(1);
    expect((await admin.get("/admin/inbox")).body).not.toContain(`data-inbox-lead="${lead.id}"`);
  });

  it("Snooze hides a lead until its time passes on the clock", async () => {
    const lead = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Sam Snooze" });
    const bad = await admin.postForm(`/admin/inbox/${lead.id}/snooze`, { for: "forever" });
    expect(bad.statusCode).toBe(422);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: lead.id } })).snoozed_until).toBeNull();
    const before = Number(badge((await admin.get("/admin/inbox")).body));
    const res = await admin.postForm(`/admin/inbox/${lead.id}/snooze`, { for: "4h" });
    expect(res.statusCode).toBe(303);
    expect(await audited("customer.snoozed", lead.id)).toBe(1);
    const hidden = await admin.get("/admin/inbox");
    expect(hidden.body).not.toContain(`data-inbox-lead="${lead.id}"`);
    expect(Number(badge(hidden.body))).toBe(before - 1);
    // The panel session idles out after 30 minutes: sign in again after each jump of the clock.
    const user = await w.prisma.user.findUniqueOrThrow({ where: { id: adminId } });
    w.clock.set(new Date(NOW.getTime() + 3 * HOUR));
    await admin.login(user.email ?? "");
    const still = await admin.get("/admin/inbox");
    expect(still.statusCode).toBe(200);
    expect(still.body).not.toContain(`data-inbox-lead="${lead.id}"`);
    w.clock.set(new Date(NOW.getTime() + 4 * HOUR + 1000));
    await admin.login(user.email ?? "");
    const back = await admin.get("/admin/inbox");
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain(`data-inbox-lead="${lead.id}"`);
    expect(Number(badge(back.body))).toBe(before);
  });
});
