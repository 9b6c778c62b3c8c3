import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../../prisma/seed.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { createPanelUser, PanelClient } from "./support.js";

const XSS = `<script>alert("xss")</script><img src=x onerror=alert(1)>`;
const ESCAPED = "&lt;script&gt;alert(";

let w: TestWorld;
let app: FastifyInstance;
let c: PanelClient;
const ids: Record<string, string> = {};

beforeAll(async () => {
  w = await createWorld();
  await seedDemoData(w.prisma, w.clock.now());
  app = await createTestApp(w, { sandbox: true });
  // Put the payload into everything a person can name or write.
  const customer = await w.prisma.customer.findFirstOrThrow({ orderBy: { created_at: "asc" } });
  await w.prisma.customer.update({ where: { id: customer.id }, data: { name: XSS, notes: XSS, next_action: XSS } });
  const contractor = await w.prisma.user.findFirstOrThrow({ where: { role: "contractor" } });
  await w.prisma.user.update({ where: { id: contractor.id }, data: { company_name: XSS, name: XSS } });
  const lead = await w.prisma.lead.findFirstOrThrow();
  await w.prisma.lead.update({ where: { id: lead.id }, data: { title: XSS, customer_name: XSS } });
  await w.prisma.deal.updateMany({ data: { title: XSS } });
  const sequence = await w.prisma.sequenceTemplate.findFirstOrThrow();
  await w.prisma.sequenceTemplate.update({ where: { id: sequence.id }, data: { name: XSS } });
  const message = await w.prisma.messageTemplate.findFirstOrThrow();
  await w.prisma.messageTemplate.update({ where: { id: message.id }, data: { name: XSS, body: XSS } });
  await w.prisma.banAppeal.updateMany({ data: { appeal_reason: XSS } });
  await w.prisma.message.updateMany({ data: { message_text: XSS } });
  await w.prisma.customerInteraction.updateMany({ where: { customer_id: customer.id }, data: { content: XSS } });
  const segment = await w.prisma.segment.findFirst();
  if (segment) await w.prisma.segment.update({ where: { id: segment.id }, data: { name: XSS } });
  const prompt = await w.prisma.promptTemplate.findFirst();
  Object.assign(ids, {
    leads: lead.id,
    customers: customer.id,
    contractors: contractor.id,
    sequences: sequence.id,
    messages: message.id,
    prompts: prompt?.id ?? "",
    segments: segment?.id ?? "",
  });
  c = new PanelClient(app);
  await c.login((await createPanelUser(w, "admin")).email ?? "");
});
afterAll(async () => {
  await app.close();
  await w.close();
});

/** Every panel page (GET), with path parameters filled from the rows holding the payload. */
function pages(): string[] {
  const urls: string[] = [];
  for (const r of app.routeList) {
    if (r.method !== "GET" || !r.url.startsWith("/admin") || /\*|login|ticker|vendor|static/.test(r.url)) continue;
    const area =
      r.url
        .split("/")
        .filter((p) => p && !p.startsWith(":"))
        .at(-1) ?? "";
    const key = r.url.includes("/templates/") ? (r.url.split("/")[3] ?? "") : (r.url.split("/")[2] ?? area);
    const id = ids[key];
    if (r.url.includes(":id") && !id) continue;
    urls.push(r.url.replace(":id", id ?? "").replace(":field", "name"));
  }
  return urls;
}

describe("an XSS payload in names and texts", () => {
  it("is shown escaped on every panel page, never as markup", async () => {
    const urls = pages();
    expect(urls.length).toBeGreaterThan(20);
    let escapedSeen = 0;
    for (const url of urls) {
      const res = await c.get(url.includes("sandbox/log") ? `${url}?as=new` : url);
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.body, url).not.toContain("<script>alert");
      expect(res.body, url).not.toContain("<img src=x");
      if (res.body.includes(ESCAPED)) escapedSeen++;
    }
    expect(escapedSeen, "the payload shows (escaped) on many pages").toBeGreaterThan(8);
  });

  it("is escaped in htmx fragments too", async () => {
    for (const url of ["/admin/customers?q=script", "/admin/leads", `/admin/customers/${ids.customers}`]) {
      const res = await c.get(url, { "hx-request": "true" });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toContain("<script>alert");
      expect(res.body, url).toContain(ESCAPED);
    }
  });
});
