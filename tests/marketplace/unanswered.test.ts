import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContractor } from "../../core/accounts/contractor.service.js";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { reconcileMarketplace } from "../../core/marketplace/deadlines.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { unansweredLeads } from "../../core/marketplace/unanswered.service.js";
import { sendLeadMessage } from "../../core/marketplace/window.service.js";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";

const MIN = 60_000;
let w: TestWorld;
let contractorId = "";

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h", UNANSWERED_ALERT_AFTER: "30m" });
  await w.prisma.category.create({ data: { slug: "hvac", display_name: "HVAC" } });
  await w.prisma.leadSource.create({
    data: { slug: "website", display_name: "Website", bidding_window_seconds: 900, default_base_lead_cost: "40.00" },
  });
  const c = await createContractor(w.deps, {
    name: "Quiet Cooling",
    email: "quiet@example.com",
    service_area_zip_codes: ["85004"],
    categories: ["hvac"],
    profile_rating: 4.5,
  });
  if (!c.ok) throw new Error(c.message);
  contractorId = c.value.id;
});
afterAll(async () => w?.close());

/** A lead with one bid, bidding closed: the contractor's window is open and the customer waits. */
let leads = 0;
async function waitingLead(title: string) {
  leads++;
  const r = await createLead(w.deps, {
    category: "hvac",
    title,
    description: "no heat",
    customer_name: "Anna Jensen",
    customer_phone: `+1 602 555 01${10 + leads}`, // a different customer each time (no 24-hour fold)
    customer_zip_code: "85004",
  });
  if (!r.ok) throw new Error(r.message);
  expect((await placeBid(w.deps, { leadId: r.value.lead.id, contractorId, multiplier: 1 })).ok).toBe(true);
  await w.advance(15 * MIN + 1); // bidding closes; rank 1's window opens
  const lead = await w.prisma.lead.findUniqueOrThrow({ where: { id: r.value.lead.id } });
  expect(lead.status).toBe("PENDING_RESPONSE_1");
  return lead;
}

describe("the unanswered-lead alarm", () => {
  it("goes off once when the customer has waited 30 minutes with no first contact, never before", async () => {
    const lead = await waitingLead("No heat, baby at home");
    await w.advance(29 * MIN);
    await reconcileMarketplace(w.deps);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).unanswered_alert_at).toBeNull();

    await w.advance(2 * MIN);
    await reconcileMarketplace(w.deps);
    await reconcileMarketplace(w.deps); // a second sweep (or a second worker) flags nothing twice
    const flagged = await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
    expect(flagged.unanswered_alert_at?.getTime()).toBe(w.clock.now().getTime());
    const audits = await w.prisma.auditLog.findMany({ where: { action: "lead.unanswered", entity_id: lead.id } });
    expect(audits).toHaveLength(1);
    expect(audits[0]?.after).toMatchObject({ status: "PENDING_RESPONSE_1", alert_after_minutes: 30 });

    const list = await unansweredLeads(w.prisma);
    expect(list.map((l) => [l.id, l.holder])).toContainEqual([lead.id, "Quiet Cooling"]);
  });

  it("never goes off for a lead whose customer was contacted in time, and leaves the list once contacted", async () => {
    const answered = await waitingLead("Water heater leaking");
    const sent = await sendLeadMessage(w.deps, { leadId: answered.id, contractorId, text: "On my way in 20 minutes." });
    expect(sent.ok && sent.value.contacted).toBe(true);
    await w.advance(45 * MIN);
    await reconcileMarketplace(w.deps);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: answered.id } })).unanswered_alert_at).toBeNull();

    const late = await waitingLead("Furnace clicking");
    await w.advance(31 * MIN);
    await reconcileMarketplace(w.deps);
    expect((await unansweredLeads(w.prisma)).map((l) => l.id)).toContain(late.id);
    expect((await sendLeadMessage(w.deps, { leadId: late.id, contractorId, text: "Sorry, calling now." })).ok).toBe(
      true,
    );
    expect((await unansweredLeads(w.prisma)).map((l) => l.id)).not.toContain(late.id);
  });

  it("shows the waiting leads at the top of the panel's dashboard", async () => {
    const lead = await waitingLead("AC dead <b>today</b>");
    await w.advance(31 * MIN);
    await reconcileMarketplace(w.deps);
    const app: FastifyInstance = await createTestApp(w);
    try {
      const c = new PanelClient(app);
      await c.login((await createPanelUser(w, "admin")).email ?? "");
      const page = await c.get("/admin");
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('data-alarm="unanswered"');
      expect(page.body).toContain(`data-lead="${lead.id}"`);
      expect(page.body).toContain("AC dead &lt;b&gt;today&lt;/b&gt;");
    } finally {
      await app.close();
    }
  });
});
