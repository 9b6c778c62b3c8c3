import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoId } from "../../prisma/seed/kit.js";
import { seedDemoData } from "../../prisma/seed.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeLead } from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

const NOW = new Date("2026-11-18T17:00:00Z");
const XSS = "<script>alert(1)</script>";
let w: TestWorld;
let app: FastifyInstance;
let c: PanelClient;

const rowsOf = (html: string) => html.match(/data-lead="[0-9a-f-]{36}"/g) ?? [];

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  await seedDemoData(w.prisma, NOW);
  const hvac = await w.prisma.category.findUniqueOrThrow({ where: { slug: "hvac" } });
  // 30 older leads in one ZIP (two pages with the 25-per-page table), one with a hostile title and name.
  for (let i = 0; i < 30; i++) {
    await makeLead(w.prisma, {
      category_id: hvac.id,
      customer_zip_code: "85999",
      status: "EXPIRED",
      created_at: new Date(Date.UTC(2026, 0, 1 + i, 12)),
      ...(i === 0 ? { title: XSS, customer_name: `${XSS} Smith` } : {}),
    });
  }
  app = await createTestApp(w);
  const u = await createPanelUser(w, "read_only");
  c = new PanelClient(app);
  await c.login(u.email ?? "");
});
afterAll(async () => {
  await app.close();
  await w.close();
});

describe("leads list", () => {
  it("shows the newest leads first with status, category and bid counts", async () => {
    const res = await c.get("/admin/leads");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("<html");
    expect(res.body).toContain('id="leads-table"');
    expect(rowsOf(res.body)).toHaveLength(25);
    expect(res.body).toContain("41 in all");
    expect(res.body).toContain("AC not turning on, thermostat blank");
    expect(res.body).toMatch(/href="\/admin\/leads\?page=2"/);
  });

  it("filters by status, category, ZIP, text and date range", async () => {
    const active = await c.get("/admin/leads?status=ACTIVE");
    expect(rowsOf(active.body)).toHaveLength(3);
    const contacted = await c.get("/admin/leads?status=CONTACTED&category=hvac");
    for (const m of contacted.body.matchAll(/class="badge lead-([a-z_0-9]+)"/g)) expect(m[1]).toBe("contacted");
    const zip = await c.get("/admin/leads?zip=85007");
    expect(zip.body).toContain("AC not turning on, thermostat blank");
    expect(rowsOf(zip.body).length).toBeLessThan(11);
    const text = await c.get("/admin/leads?q=robert+haines");
    expect(rowsOf(text.body)).toHaveLength(1);
    expect(text.body).toContain(`href="/admin/leads/${demoId("lead:strike-1")}"`);
    const range = await c.get("/admin/leads?from=2026-01-03&to=2026-01-05&zip=85999");
    expect(rowsOf(range.body)).toHaveLength(3);
    const none = await c.get("/admin/leads?q=nobody-at-all");
    expect(none.body).toContain("data-empty");
    // blanks from an empty form field are ignored
    expect(rowsOf((await c.get("/admin/leads?status=&category=&zip=&from=&to=&q=")).body)).toHaveLength(25);
  });

  it("pages with plain links that keep the filter", async () => {
    const p1 = await c.get("/admin/leads?zip=85999");
    expect(rowsOf(p1.body)).toHaveLength(25);
    expect(p1.body).toContain('href="/admin/leads?zip=85999&amp;page=2"');
    const p2 = await c.get("/admin/leads?zip=85999&page=2");
    expect(rowsOf(p2.body)).toHaveLength(5);
    expect(p2.body).toContain('rel="prev"');
    const first = new Set(rowsOf(p1.body));
    for (const r of rowsOf(p2.body)) expect(first.has(r)).toBe(false);
  });

  it("answers an htmx request with the table fragment only", async () => {
    const res = await c.get("/admin/leads?zip=85999&page=2", { "hx-request": "true" });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("<html");
    expect(res.body).not.toContain("<form");
    expect(res.body.trim().startsWith('<div id="leads-table"')).toBe(true);
    expect(rowsOf(res.body)).toHaveLength(5);
    expect(res.body).toContain('hx-target="#leads-table"');
    expect(res.body).toContain('hx-push-url="true"');
  });

  it("shows hostile titles and names escaped", async () => {
    const res = await c.get("/admin/leads?zip=85999&page=2");
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("refuses a bad filter with 400 and a stable code, in place of the table", async () => {
    for (const q of ["status=NOPE", "from=2026-13-40", "page=0", "zip=<b>", "page=abc"]) {
      const res = await c.get(`/admin/leads?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.body, q).toContain('data-code="VALIDATION_FAILED"');
    }
    const frag = await c.get("/admin/leads?status=NOPE", { "hx-request": "true" });
    expect(frag.statusCode).toBe(400);
    expect(frag.body.trim().startsWith('<div id="leads-table"')).toBe(true);
  });
});

describe("a lead's evidence page", () => {
  it("shows bids with ranks and amounts, windows with who held them, the strike and the relayed message", async () => {
    const id = demoId("lead:strike-1");
    const res = await c.get(`/admin/leads/${id}`);
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain("<h1>AC not turning on, thermostat blank</h1>");
    expect(body).toContain("Robert Haines");
    const bids = body.slice(body.indexOf('data-section="bids"'), body.indexOf('data-section="timeline"'));
    expect(bids).toContain("Valley Quick Fix");
    expect(bids).toContain("Saguaro Plumbing");
    expect(bids.match(/data-bid=/g)).toHaveLength(2);
    expect(bids).toMatch(/<td>1<\/td>\s*<td><a href="\/admin\/contractors\/[0-9a-f-]{36}">Valley Quick Fix/);
    const timeline = body.slice(body.indexOf('data-section="timeline"'));
    for (const t of ["created", "bid", "window_opened", "strike", "responded", "message_outbound"]) {
      expect(timeline, t).toContain(`data-type="${t}"`);
    }
    expect(timeline).toContain("strike 1");
    expect(timeline).toMatch(/rank 1 window until \d{4}-\d{2}-\d{2} \d{2}:\d{2}</);
    expect(timeline).toContain("Sounds like a blown low-voltage fuse");
    expect(body).toContain('data-section="strikes"');
  });

  it("shows the customer's reply and conversions on a contacted lead", async () => {
    const res = await c.get(`/admin/leads/${demoId("lead:tankless-install")}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-type="message_inbound"');
    expect(res.body).toContain("Tomorrow at 9 works. Thank you for the quick reply!");
    expect(res.body).toContain('data-type="conversion_contacted"');
  });

  it("escapes a hostile lead and answers 404 for an unknown or malformed id", async () => {
    const lead = await w.prisma.lead.findFirstOrThrow({ where: { title: XSS } });
    const res = await c.get(`/admin/leads/${lead.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    for (const id of ["00000000-0000-4000-8000-000000000009", "not-a-uuid"]) {
      const missing = await c.get(`/admin/leads/${id}`);
      expect(missing.statusCode).toBe(404);
      expect(missing.body).toContain('data-code="NOT_FOUND"');
    }
  });
});
