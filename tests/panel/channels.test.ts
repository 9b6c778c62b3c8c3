import type { FastifyInstance } from "fastify";
import QRCode from "qrcode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWhatsappStatus } from "../../core/messaging/whatsapp-status.service.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { createPanelUser, PanelClient } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let manager: PanelClient;

beforeAll(async () => {
  w = await createWorld({
    WHATSAPP_ENABLED: "true",
    SMTP_URL: "smtp://user:secret-pass@127.0.0.1:2525",
    UNSUBSCRIBE_SECRET: "unsubscribe-secret-for-tests-0123456789",
  });
  app = await createTestApp(w);
  admin = new PanelClient(app);
  await admin.login((await createPanelUser(w, "admin")).email ?? "");
  manager = new PanelClient(app);
  await manager.login((await createPanelUser(w, "sales_manager")).email ?? "");
});
afterAll(async () => {
  await app.close();
  await w.close();
});

describe("the channels page", () => {
  it("shows each channel's set-up without revealing secrets", async () => {
    const page = await admin.get("/admin/channels");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("TELEGRAM_BOT_TOKEN"); // Telegram not configured: says how
    expect(page.body).toContain("SMTP configured");
    expect(page.body).not.toContain("secret-pass");
    expect(page.body).toContain("waiting for the bot");
  });

  it("shows the pairing QR as an image and polls while it waits; stops polling once open", async () => {
    const qr = "2@abc,def,ghi";
    const qrPng = await QRCode.toDataURL(qr);
    await writeWhatsappStatus(w.deps, { state: "qr", qr, qrPng, since: w.clock.now().toISOString() });
    const card = await admin.get("/admin/channels/whatsapp");
    expect(card.body).not.toContain("<html");
    expect(card.body).toContain(`src="${qrPng}"`);
    expect(card.body).toContain('hx-trigger="every 3s"');
    await writeWhatsappStatus(w.deps, {
      state: "open",
      me: "4512345678:3@s.whatsapp.net",
      since: w.clock.now().toISOString(),
    });
    const open = await admin.get("/admin/channels/whatsapp");
    expect(open.body).toContain('data-state="open"');
    expect(open.body).not.toContain("every 3s");
  });

  it("lets an admin pause and resume WhatsApp sending and set the daily cap, audited", async () => {
    const paused = await admin.postForm("/admin/channels/whatsapp/pause", { reason: "checking the number" });
    expect(paused.statusCode).toBe(200);
    expect(paused.body).toContain("sending paused");
    expect(paused.body).toContain("checking the number");
    expect(paused.body).toContain("checking the number");
    const resumed = await admin.request({
      method: "POST",
      url: "/admin/channels/whatsapp/resume",
      headers: { "hx-request": "true" },
    });
    expect(resumed.body).toContain(">sending<");
    const cap = await admin.postForm("/admin/channels/whatsapp/cap", { cap: "4" });
    expect(cap.statusCode).toBe(200);
    expect(cap.body).toContain("of 4");
    const audit = await w.prisma.auditLog.findMany({ where: { entity_type: "whatsapp" }, select: { action: true } });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["whatsapp.paused", "whatsapp.resumed"]));
    const capAudit = await w.prisma.auditLog.findMany({ where: { action: "whatsapp.cap_changed" } });
    expect(capAudit).toHaveLength(1);
    expect(capAudit[0]).toMatchObject({ actor_kind: "panel_user", after: { daily_first_contact_cap: 4 } });
  });

  it("refuses a bad cap or phone with a 4xx and changes nothing", async () => {
    const bad = await admin.postForm("/admin/channels/whatsapp/cap", { cap: "-3" });
    expect(bad.statusCode).toBe(400);
    const phone = await admin.postForm("/admin/channels/whatsapp/pairing-code", { phone: "12" });
    expect(phone.statusCode).toBe(422);
    expect(await w.prisma.setting.findUnique({ where: { key: "whatsapp.pairing_request" } })).toBeNull();
    const ok = await admin.postForm("/admin/channels/whatsapp/pairing-code", { phone: "+45 12 34 56 78" });
    expect(ok.body).toContain("+4512345678");
  });

  it("keeps channel set-up to admins: a sales manager may look but not pause", async () => {
    expect((await manager.get("/admin/channels")).statusCode).toBe(200);
    const res = await manager.request({ method: "POST", url: "/admin/channels/whatsapp/pause" });
    expect(res.statusCode).toBe(403);
    expect((await manager.get("/admin/channels")).body).not.toContain("Pause sending");
    expect((await admin.get("/admin/channels")).body).toContain("Pause sending");
  });
});
