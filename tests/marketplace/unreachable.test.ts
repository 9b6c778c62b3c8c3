/**
 * A lead nobody can contact (issue 12, DESIGN.md "Unreachable customers"): the contractor's
 * answer is refused (409 CUSTOMER_UNREACHABLE, a clear chat reply), nobody is charged, nobody
 * gets a strike — not even when the window then runs out — the lead ends UNREACHABLE, the
 * bidders still waiting are told, the KPIs count it apart from EXPIRED and the panel shows it.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { createContractor } from "../../core/accounts/contractor.service.js";
import { marketplaceKpis } from "../../core/kpi/marketplace.kpi.js";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { dueMarketplaceKeys } from "../../core/marketplace/deadlines.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { recountMetrics } from "../../core/marketplace/metrics.js";
import { wakeKey } from "../../core/marketplace/wakeups.js";
import { sendLeadMessage } from "../../core/marketplace/window.service.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { MIN, sandboxApp, sandboxClient, textsOf } from "../bot/helpers.js";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";

// 17:00 UTC = 10:00 in Phoenix: outside quiet hours, so only reachability matters here.
const NOW = new Date("2026-01-05T17:00:00.000Z");
let w: TestWorld;
let app: FastifyInstance;
let chatApp: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let panel: PanelClient;
let panelEmail = "";
let n = 0;

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h" });
  w.clock.set(NOW);
  await w.prisma.category.create({ data: { slug: "hvac", display_name: "HVAC" } });
  await w.prisma.leadSource.create({
    data: { slug: "website", display_name: "Website", bidding_window_seconds: 900, default_base_lead_cost: "40.00" },
  });
  app = await createTestApp(w);
  chatApp = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(chatApp, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  panelEmail = (await createPanelUser(w, "read_only")).email ?? "";
  panel = new PanelClient(app);
});
afterAll(async () => {
  await chatApp?.close();
  await app?.close();
  await w?.close();
});

/** Three contractors with linked sandbox chats, who all bid on a fresh lead; rank 1's window opens. */
async function leadWithWindow(customer: { email?: string; phone?: string }) {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    n += 1;
    const r = await createContractor(w.deps, {
      name: `Pro ${n}`,
      email: `pro${n}@example.com`,
      service_area_zip_codes: ["85004"],
      categories: ["hvac"],
      profile_rating: 4.0,
    });
    if (!r.ok) throw new Error(r.message);
    await w.prisma.channelIdentity.create({
      data: { channel: "sandbox", address: `sbx-pro${n}`, user_id: r.value.id },
    });
    ids.push(r.value.id);
  }
  const created = await createLead(w.deps, {
    category: "hvac",
    title: `Furnace ${n}`,
    customer_name: "Una Reach",
    ...(customer.email ? { customer_email: customer.email } : {}),
    ...(customer.phone ? { customer_phone: customer.phone } : {}),
    customer_zip_code: "85004",
  });
  if (!created.ok) throw new Error(created.message);
  const lead = created.value.lead;
  for (const [i, id] of ids.entries()) {
    const bid = await placeBid(w.deps, { leadId: lead.id, contractorId: id, multiplier: 1.5 - i * 0.2 });
    if (!bid.ok) throw new Error(bid.message);
  }
  await w.advance(15 * MIN);
  const opened = await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
  expect(opened.status).toBe("PENDING_RESPONSE_1");
  const [rank1, rank2, rank3] = ids as [string, string, string];
  return { lead, rank1, rank2, rank3, ids };
}

/** Everything that would show a charge or a strike for these contractors. */
async function chargesAndStrikes(ids: string[], leadId: string) {
  const users = await w.prisma.user.findMany({ where: { id: { in: ids } } });
  const metrics = await w.prisma.contractorMetrics.findMany({ where: { contractor_id: { in: ids } } });
  return {
    strikes: await w.prisma.strikeLog.count({ where: { lead_id: leadId } }),
    strikeCounts: users.map((u) => u.strike_count),
    spent: metrics.map((m) => Number(m.total_spent)),
    contacted: metrics.map((m) => m.total_leads_contacted),
    conversions: await w.prisma.conversion.count({ where: { lead_id: leadId } }),
  };
}

const NOTHING = {
  strikes: 0,
  strikeCounts: [0, 0, 0],
  spent: [0, 0, 0],
  contacted: [0, 0, 0],
  conversions: 0,
};

describe("a lead whose customer opted out everywhere", () => {
  it("refuses the answer with 409, charges nobody, strikes nobody, tells the bidders; the lead is UNREACHABLE", async () => {
    const email = "una.stop@example.com";
    // The customer left only an e-mail address, and answered an earlier mail with STOP.
    await w.prisma.channelIdentity.create({ data: { channel: "email", address: email, opted_out: true } });
    const { lead, rank1, rank2, rank3, ids } = await leadWithWindow({ email });
    const before = await marketplaceKpis(w.prisma, { kind: "admin" }, w.clock.now(), "UTC");

    const res = await app.inject({
      method: "POST",
      url: `/api/leads/${lead.id}/messages`,
      headers: await apiKey(w, rank1),
      payload: { message_text: "Hi Una, I can come by today." },
    });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error).toMatchObject({
      code: "CUSTOMER_UNREACHABLE",
      details: { reason: "opted_out", lead_status: "UNREACHABLE" },
    });

    const after = await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
    expect(after).toMatchObject({ status: "UNREACHABLE", current_rank: null, contacted_at: null, customer_id: null });
    expect(await chargesAndStrikes(ids, lead.id)).toEqual(NOTHING);
    // Nothing went (or waits to go) to the customer, and no customer record was made of them.
    expect(await w.prisma.outboundMessage.count({ where: { lead_id: lead.id, kind: "relay" } })).toBe(0);
    expect(await w.prisma.message.count({ where: { lead_id: lead.id } })).toBe(0);
    expect(await w.prisma.customer.count({ where: { email } })).toBe(0);
    // Rank 1's window is closed; ranks 2 and 3 are LOST and told why.
    const bids = await w.prisma.bid.findMany({ where: { lead_id: lead.id } });
    const bidOf = (id: string) => bids.find((b) => b.contractor_id === id);
    expect(bidOf(rank1)).toMatchObject({ status: "WON", responded_at: null, strike_applied: false });
    expect(bidOf(rank1)?.response_window_ends_at?.getTime()).toBeLessThanOrEqual(w.clock.now().getTime() + 1);
    expect(bidOf(rank2)?.status).toBe("LOST");
    expect(bidOf(rank3)?.status).toBe("LOST");
    const told = await w.prisma.outboundMessage.findMany({ where: { lead_id: lead.id, kind: "lead_lost" } });
    expect(told.map((t) => t.user_id).sort()).toEqual([rank2, rank3].sort());
    for (const t of told) {
      expect(t.payload).toMatchObject({ reason: "unreachable" });
      expect(t.body).toMatch(/cannot be reached on any channel/);
    }
    expect(textsOf(await chat.fresh(told[0]?.to_address ?? ""))).toMatch(
      /is closed: the customer can't be reached on any channel\. Nobody is charged and nobody gets a strike\./,
    );

    // The window's own deadline passes later: still no strike for anyone.
    await w.advance(2 * 60 * MIN);
    expect(await chargesAndStrikes(ids, lead.id)).toEqual(NOTHING);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("UNREACHABLE");

    // A second try says the same thing and changes nothing.
    const again = await sendLeadMessage(w.deps, { leadId: lead.id, contractorId: rank1, text: "Hello?" });
    expect(again).toMatchObject({ ok: false });

    // KPIs: counted as UNREACHABLE, not EXPIRED, and nothing spent.
    const kpis = await marketplaceKpis(w.prisma, { kind: "admin" }, w.clock.now(), "UTC");
    expect(kpis.leads_by_status.UNREACHABLE).toBe(before.leads_by_status.UNREACHABLE + 1);
    expect(kpis.leads_by_status.EXPIRED).toBe(before.leads_by_status.EXPIRED);
    expect(kpis.spent_usd).toBe(before.spent_usd);
    const api = await app.inject({ method: "GET", url: "/api/kpi/marketplace", headers: await apiKey(w) });
    expect(api.statusCode, api.body).toBe(200);
    expect(api.json().leads_by_status.UNREACHABLE).toBe(kpis.leads_by_status.UNREACHABLE);

    // The panel: the leads list filters by the status and badges it; the lead page explains it.
    await panel.login(panelEmail);
    const list = await panel.get("/admin/leads?status=UNREACHABLE");
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`data-lead="${lead.id}"`);
    expect(list.body).toMatch(/class="badge lead-unreachable bad" data-status="UNREACHABLE"/);
    expect(list.body).toMatch(/<option value="UNREACHABLE" selected>unreachable<\/option>/);
    const page = await panel.get(`/admin/leads/${lead.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-status="UNREACHABLE"');
    expect(page.body).toMatch(/data-unreachable>The customer cannot be reached on any channel/);
    const dash = await panel.get("/admin");
    expect(dash.body).toContain("Unreachable");
  });

  it("answers a clear chat reply when the answer comes from chat", async () => {
    const phone = "+16025550777";
    await w.prisma.channelIdentity.create({ data: { channel: "sms", address: phone, opted_out: true } });
    const { lead, rank1, ids } = await leadWithWindow({ phone });
    const session = (await w.prisma.channelIdentity.findFirstOrThrow({ where: { user_id: rank1 } })).address;
    await chat.fresh(session);
    const reply = await chat.say(session, `contractor:${rank1}`, { text: "Hi, I can come by at 3." });
    expect(textsOf(reply)).toMatch(
      /can't be reached on any channel .*so nothing was sent\. The lead is closed: you are not charged and get no strike\./,
    );
    expect(textsOf(reply)).not.toMatch(/Sent to the customer/);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("UNREACHABLE");
    expect(await chargesAndStrikes(ids, lead.id)).toEqual(NOTHING);
  });
});

describe("a window that runs out while the customer cannot be reached", () => {
  it("gives no strike and ends the lead UNREACHABLE, telling every bidder", async () => {
    const phone = "+16025550888";
    await w.prisma.channelIdentity.create({ data: { channel: "sms", address: phone, opted_out: true } });
    const { lead, rank1, rank2, rank3, ids } = await leadWithWindow({ phone });
    await w.advance(2 * 60 * MIN);
    const after = await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
    expect(after.status).toBe("UNREACHABLE");
    expect(await chargesAndStrikes(ids, lead.id)).toEqual(NOTHING);
    // No second window opened for rank 2.
    expect(await w.prisma.bid.count({ where: { lead_id: lead.id, status: "WON" } })).toBe(1);
    const told = await w.prisma.outboundMessage.findMany({ where: { lead_id: lead.id, kind: "lead_lost" } });
    expect(told.map((t) => t.user_id).sort()).toEqual([rank1, rank2, rank3].sort());
    expect(await w.prisma.outboundMessage.count({ where: { lead_id: lead.id, kind: "window_expired" } })).toBe(0);
  });

  it("a reachable customer still costs the silent contractor a strike (unchanged)", async () => {
    const { lead, rank1 } = await leadWithWindow({ phone: "+16025550999" });
    await w.advance(2 * 60 * MIN);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("PENDING_RESPONSE_2");
    expect(await w.prisma.strikeLog.count({ where: { lead_id: lead.id, contractor_id: rank1 } })).toBe(1);
  });
});

describe("a contractor's figures when the customer cannot be reached", () => {
  /** A fresh lead of `customer` on which `contractorId` bids highest; its window opens for them. */
  async function windowFor(contractorId: string, customer: { email?: string; phone?: string }) {
    n += 1;
    const created = await createLead(w.deps, {
      category: "hvac",
      title: `Boiler ${n}`,
      customer_name: "Una Reach",
      ...(customer.email ? { customer_email: customer.email } : {}),
      ...(customer.phone ? { customer_phone: customer.phone } : {}),
      customer_zip_code: "85004",
    });
    if (!created.ok) throw new Error(created.message);
    const bid = await placeBid(w.deps, { leadId: created.value.lead.id, contractorId, multiplier: 2 });
    if (!bid.ok) throw new Error(bid.message);
    await w.advance(15 * MIN);
    expect((await w.prisma.bid.findUniqueOrThrow({ where: { id: bid.value.bid.id } })).status).toBe("WON");
    return { leadId: created.value.lead.id, bidId: bid.value.bid.id };
  }

  async function figures(contractorId: string) {
    const m = await w.prisma.contractorMetrics.findUniqueOrThrow({ where: { contractor_id: contractorId } });
    const user = await w.prisma.user.findUniqueOrThrow({ where: { id: contractorId } });
    const bids = await w.prisma.bid.findMany({ where: { contractor_id: contractorId }, include: { lead: true } });
    const recount = recountMetrics(bids.map((b) => ({ ...b, lead_status: b.lead.status })));
    const kpis = await marketplaceKpis(w.prisma, { kind: "contractor", ownerId: contractorId }, w.clock.now(), "UTC");
    return {
      won: m.total_leads_won,
      contacted: m.total_leads_contacted,
      contactRate: Number(m.contact_rate),
      responseRate: Number(user.response_rate),
      recount: [recount.total_leads_won, recount.total_leads_contacted, recount.contact_rate],
      kpi: [kpis.won, kpis.contacted, kpis.contact_rate],
    };
  }

  it("an UNREACHABLE lead is not a won lead: the contact rate does not drop for the customer's opt-out", async () => {
    const { rank1: pro } = await leadWithWindow({ phone: "+16025550401" });
    // The contractor answers their first lead in time: one won, one contacted, contact rate 1.00.
    const first = await w.prisma.lead.findFirstOrThrow({ where: { bids: { some: { contractor_id: pro } } } });
    const answered = await sendLeadMessage(w.deps, { leadId: first.id, contractorId: pro, text: "On my way." });
    expect(answered.ok).toBe(true);
    const one = { won: 1, contacted: 1, contactRate: 1, responseRate: 1, recount: [1, 1, 1], kpi: [1, 1, 1] };
    expect(await figures(pro)).toEqual(one);

    // Their next lead's customer opted out everywhere: the answer is refused, the lead is UNREACHABLE.
    const phone = "+16025550402";
    await w.prisma.channelIdentity.create({ data: { channel: "sms", address: phone, opted_out: true } });
    const refused = await windowFor(pro, { phone });
    const r = await sendLeadMessage(w.deps, { leadId: refused.leadId, contractorId: pro, text: "Hello?" });
    expect(r).toMatchObject({ ok: false, code: "CUSTOMER_UNREACHABLE" });
    expect(await figures(pro)).toEqual(one);

    // And one whose window simply runs out while the customer cannot be reached: the same.
    const email = "una.gone@example.com";
    await w.prisma.channelIdentity.create({ data: { channel: "email", address: email, opted_out: true } });
    const silent = await windowFor(pro, { email });
    await w.advance(2 * 60 * MIN);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: silent.leadId } })).status).toBe("UNREACHABLE");
    expect(await figures(pro)).toEqual(one);

    // Neither closed window is due for expiry any more: the reconciler leaves them alone.
    const due = await dueMarketplaceKeys(w.deps, new Date(w.clock.now().getTime() + 24 * 60 * MIN));
    expect(due).not.toContain(wakeKey("expire", refused.bidId));
    expect(due).not.toContain(wakeKey("expire", silent.bidId));
  });
});
