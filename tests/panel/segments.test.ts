import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeMessageTemplate, makeSegment } from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let adminEmail: string;
let ownerId: string;
const XSS = "<script>alert(1)</script>";

beforeAll(async () => {
  w = await createWorld();
  app = await createTestApp(w);
  adminEmail = (await createPanelUser(w, "admin")).email ?? "";
  ownerId = (await makeContractor(w.prisma)).id;
  const now = w.clock.now();
  // Phoenix + active: 4 customers, one of whom opted out. Others differ in city or status.
  for (let i = 0; i < 4; i++) {
    await makeCustomer(w.prisma, {
      owner_id: ownerId,
      property_city: "Phoenix",
      status: "active",
      ...(i === 3 ? { opted_out_at: now } : {}),
    });
  }
  await makeCustomer(w.prisma, { owner_id: ownerId, property_city: "Phoenix", status: "lead" });
  await makeCustomer(w.prisma, { owner_id: ownerId, property_city: "Tempe", status: "active" });
  // Another contractor's Phoenix customer never counts for this owner.
  const other = await makeContractor(w.prisma);
  await makeCustomer(w.prisma, { owner_id: other.id, property_city: "Phoenix", status: "active" });
});
afterAll(async () => {
  await app.close();
  await w.close();
});

async function admin() {
  const c = new PanelClient(app);
  await c.login(adminEmail);
  return c;
}

const twoRows = {
  match: "all",
  "rows.0.field": "city",
  "rows.0.op": "=",
  "rows.0.value": "Phoenix",
  "rows.1.field": "status",
  "rows.1.op": "=",
  "rows.1.value": "active",
};

function hx(c: PanelClient, url: string, form: Record<string, string>) {
  return c.request({
    method: "POST",
    url,
    headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(form).toString(),
  });
}

describe("segment builder", () => {
  it("counts matching customers in a fragment that follows the rows", async () => {
    const c = await admin();
    await c.get("/admin/segments/new");
    const both = await hx(c, "/admin/segments/preview", { owner_id: ownerId, ...twoRows });
    expect(both.statusCode).toBe(200);
    expect(both.body).not.toContain("<html");
    const expected = await w.prisma.customer.count({
      where: { owner_id: ownerId, property_city: "Phoenix", status: "active" },
    });
    expect(expected).toBe(4);
    expect(both.body).toContain(`data-count="${expected}"`);
    const any = await hx(c, "/admin/segments/preview", { owner_id: ownerId, ...twoRows, match: "any" });
    expect(any.body).toContain('data-count="6"');
    const bad = await hx(c, "/admin/segments/preview", { owner_id: ownerId, ...twoRows, "rows.1.value": "gold" });
    expect(bad.body).toContain('data-count="none"');
  });

  it("adds and removes rows with htmx (the builder fragment) and without JavaScript (the page)", async () => {
    const c = await admin();
    await c.get("/admin/segments/new");
    const added = await hx(c, "/admin/segments", { owner_id: ownerId, name: "x", ...twoRows, _op: "add" });
    expect(added.statusCode).toBe(200);
    expect(added.body.trimStart().startsWith('<div id="builder"')).toBe(true);
    expect(added.body).toContain('name="rows.2.field"');
    expect(added.body).toContain('data-count="0"'); // the new row, "Customer status = lead", narrows it to none
    const removed = await hx(c, "/admin/segments", { owner_id: ownerId, name: "x", ...twoRows, _op: "remove:0" });
    expect(removed.body).not.toContain('name="rows.1.field"');
    expect(removed.body).toContain('data-count="5"'); // status = active only: 4 Phoenix + 1 Tempe
    const plain = await c.postForm("/admin/segments", { owner_id: ownerId, name: "x", ...twoRows, _op: "add" });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toContain("<html");
    expect(plain.body).toContain('name="rows.2.value"');
    expect(await w.prisma.segment.count({ where: { name: "x" } })).toBe(0);
  });

  it("saves a segment with its filter, and shows it in the list with the name escaped", async () => {
    const c = await admin();
    await c.get("/admin/segments/new");
    const res = await c.postForm("/admin/segments", {
      owner_id: ownerId,
      name: `Phoenix ${XSS}`,
      ...twoRows,
      _op: "save",
    });
    expect(res.statusCode).toBe(303);
    const id = String(res.headers.location).match(/segments\/([0-9a-f-]{36})\?saved=1$/)?.[1] ?? "";
    const s = await w.prisma.segment.findUniqueOrThrow({ where: { id } });
    expect(s.owner_id).toBe(ownerId);
    expect(s.filter).toEqual({
      all: [
        { field: "city", op: "=", value: "Phoenix" },
        { field: "status", op: "=", value: "active" },
      ],
    });
    const page = await c.get(String(res.headers.location));
    expect(page.body).toContain("data-saved");
    expect(page.body).toContain('data-count="4"');
    const list = await c.get("/admin/segments");
    expect(list.body).toContain(`data-segment="${id}"`);
    expect(list.body).toContain("Phoenix &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(list.body).not.toContain(XSS);
  });

  it("shows errors next to the rows with 422 and saves nothing", async () => {
    const c = await admin();
    await c.get("/admin/segments/new");
    const before = await w.prisma.segment.count();
    const res = await c.postForm("/admin/segments", {
      owner_id: "",
      name: "",
      match: "all",
      "rows.0.field": "equipment_age",
      "rows.0.op": ">",
      "rows.0.value": "old",
      "rows.1.field": "last_service_date",
      "rows.1.op": "<",
      "rows.1.value": "last spring",
      _op: "save",
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('data-code="VALIDATION_FAILED"');
    expect(res.body).toContain('data-error-for="name">name must not be empty');
    expect(res.body).toContain('data-error-for="owner_id"');
    expect(res.body).toMatch(/data-error-for="rows\.0\.value">[^<]*expected number/);
    expect(res.body).toMatch(/data-error-for="rows\.1\.value">must be an ISO date/);
    expect(res.body).toContain('value="last spring"');
    expect(await w.prisma.segment.count()).toBe(before);
  });
});

describe("blasts", () => {
  it("confirms with the count that will receive it, then queues bulk outbox rows for opted-in customers only", async () => {
    const segment = await makeSegment(w.prisma, {
      owner_id: ownerId,
      name: "Phoenix active",
      filter: {
        all: [
          { field: "city", op: "=", value: "Phoenix" },
          { field: "status", op: "=", value: "active" },
        ],
      },
    });
    const template = await makeMessageTemplate(w.prisma, {
      name: "Tune-up",
      channel: "email",
      subject: "Tune-up time",
      body: "Hi {{first_name}}, book a tune-up.",
    });
    const c = await admin();
    const page = await c.get(`/admin/segments/${segment.id}`);
    expect(page.body).toContain("data-review-blast");
    const confirm = await c.get(`/admin/segments/${segment.id}/blast?message_template_id=${template.id}&channel=`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('data-audience="3"');
    expect(confirm.body).toMatch(/data-skipped-opted-out>1</);
    expect(await w.prisma.outboundMessage.count({ where: { kind: "blast" } })).toBe(0); // nothing yet

    // A post without the confirmation only leads back to the confirmation step.
    const unconfirmed = await c.postForm(`/admin/segments/${segment.id}/blast`, {
      message_template_id: template.id,
      channel: "",
    });
    expect(unconfirmed.statusCode).toBe(303);
    expect(unconfirmed.headers.location).toContain("/blast?");
    expect(await w.prisma.campaign.count({ where: { segment_id: segment.id } })).toBe(0);

    const sent = await c.postForm(`/admin/segments/${segment.id}/blast`, {
      message_template_id: template.id,
      channel: "",
      confirm: "yes",
      name: "Spring tune-up",
    });
    expect(sent.statusCode).toBe(303);
    const campaign = await w.prisma.campaign.findFirstOrThrow({ where: { segment_id: segment.id } });
    expect(campaign).toMatchObject({ name: "Spring tune-up", status: "sent", recipient_count: 3, skipped_count: 1 });
    const rows = await w.prisma.outboundMessage.findMany({
      where: { campaign_id: campaign.id },
      include: { customer: true },
    });
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.lane).toBe("bulk");
      expect(r.channel).toBe("email");
      expect(r.customer?.opted_out_at).toBeNull();
      expect(r.customer?.property_city).toBe("Phoenix");
      expect(r.body).toBe(`Hi ${r.customer?.name.split(" ")[0]}, book a tune-up.`);
    }
    const after = await c.get(String(sent.headers.location));
    expect(after.body).toContain("data-sent");
    expect(after.body).toContain(`data-campaign="${campaign.id}"`);
    expect(after.body).toContain('data-state="sent"');
    expect(after.body).toContain("0/3 sent");
    const list = await c.get("/admin/segments");
    expect(list.body).toContain("Spring tune-up");
  });

  it("asks for a template before showing a confirmation", async () => {
    const segment = await makeSegment(w.prisma, { owner_id: ownerId });
    const c = await admin();
    const res = await c.get(`/admin/segments/${segment.id}/blast?message_template_id=`);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('data-error-for="message_template_id"');
    expect(res.body).not.toContain("data-confirm-blast");
  });
});

describe("guard on this area", () => {
  it("refuses every templates and segments mutation without the CSRF token, and to a read-only person", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    const routes = app.routeList
      .filter((r) => /^\/admin\/(templates|segments)/.test(r.url) && r.method === "POST")
      .map((r) => r.url.replace(/:[a-zA-Z_]+/g, id));
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const c = await admin();
    for (const url of routes) {
      const res = await c.request({ method: "POST", url, csrf: false, payload: {} });
      expect(res.statusCode, url).toBe(403);
    }
    const ro = new PanelClient(app);
    await ro.login((await createPanelUser(w, "read_only")).email ?? "");
    await ro.get("/admin/segments");
    for (const url of routes) {
      const res = await ro.request({ method: "POST", url, payload: {} });
      expect(res.statusCode, url).toBe(403);
      expect(res.body).toContain('data-code="FORBIDDEN"');
    }
  });
});
