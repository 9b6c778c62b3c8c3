import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContractor } from "../../core/accounts/contractor.service.js";
import { createAppeal, decideAppeal } from "../../core/marketplace/appeal.service.js";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { recordConversion } from "../../core/marketplace/conversion.service.js";
import { archiveOldLeads, createLead } from "../../core/marketplace/lead.service.js";
import { recountMetrics } from "../../core/marketplace/metrics.js";
import { sendLeadMessage } from "../../core/marketplace/window.service.js";
import { createWorld, type TestWorld } from "../support/deps.js";

const MIN = 60_000;
let w: TestWorld;

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h", STRIKES_TO_BAN: "3" });
  await w.prisma.category.create({ data: { slug: "hvac", display_name: "HVAC" } });
  await w.prisma.leadSource.create({
    data: { slug: "website", display_name: "Website", bidding_window_seconds: 900, default_base_lead_cost: "40.00" },
  });
});
afterAll(async () => w?.close());

/** Five contractors serving 85004/hvac with ratings that give different discounts. */
async function fiveContractors(tag: string) {
  const ratings = [4.9, 4.6, 4.1, 3.5, 4.0];
  const ids: string[] = [];
  for (const [i, rating] of ratings.entries()) {
    const r = await createContractor(w.deps, {
      name: `${tag} Contractor ${i + 1}`,
      email: `${tag}${i + 1}@example.com`,
      service_area_zip_codes: ["85004", "85006"],
      categories: ["hvac"],
      profile_rating: rating,
    });
    if (!r.ok) throw new Error(r.message);
    ids.push(r.value.id);
    await w.prisma.channelIdentity.create({
      data: { channel: "sandbox", address: `${tag}-${i}`, user_id: r.value.id },
    });
  }
  return ids;
}

async function newLead(title: string, phone = "+1 602 555 0142") {
  const r = await createLead(w.deps, {
    category: "hvac",
    title,
    description: "AC blowing warm air",
    customer_name: "Anna Jensen",
    customer_phone: phone,
    customer_email: `anna+${title.length}@example.com`,
    customer_zip_code: "85004-1234",
  });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

async function expectMetricsMatchRecount(contractorId: string) {
  const bids = await w.prisma.bid.findMany({ where: { contractor_id: contractorId }, include: { lead: true } });
  const expected = recountMetrics(bids.map((b) => ({ ...b, lead_status: b.lead.status })));
  const stored = await w.prisma.contractorMetrics.findUniqueOrThrow({ where: { contractor_id: contractorId } });
  expect({
    total_bids_placed: stored.total_bids_placed,
    total_leads_won: stored.total_leads_won,
    total_leads_contacted: stored.total_leads_contacted,
    contact_rate: Number(stored.contact_rate),
    avg_time_to_contact_minutes: stored.avg_time_to_contact_minutes,
    total_spent_cents: Math.round(Number(stored.total_spent) * 100),
  }).toEqual(expected);
}

describe("a lead's whole life on a fake clock", () => {
  it("rank 1 silent (strike), rank 2 answers: contacted, charged, metrics right, the rest LOST", async () => {
    const [c1, c2, c3, c4, c5] = await fiveContractors("a");
    const { lead, offered } = await newLead("Replace AC unit");
    expect(lead.status).toBe("ACTIVE");
    expect(lead.customer_phone).toBe("+16025550142");
    expect(lead.customer_zip_code).toBe("85004");
    expect(offered).toBe(5);
    expect(await w.prisma.outboundMessage.count({ where: { lead_id: lead.id, kind: "lead_offer" } })).toBe(5);

    // 4 bids: base 40.00; c1 (4.9 → ×0.85) ×1.5 = 51.00; c2 (4.6 → 0.90) ×1.2 = 43.20;
    // c3 (4.1 → 0.95) ×1.0 = 38.00; c4 (3.5 → 1.00) ×0.8 = 32.00.
    w.clock.advance(MIN);
    for (const [id, m] of [
      [c1, 1.5],
      [c2, 1.2],
      [c3, 1.0],
      [c4, 0.8],
    ] as const) {
      const r = await placeBid(w.deps, { leadId: lead.id, contractorId: id as string, multiplier: m });
      expect(r.ok).toBe(true);
    }
    const amounts = await w.prisma.bid.findMany({ where: { lead_id: lead.id }, orderBy: { final_bid_amount: "desc" } });
    expect(amounts.map((b) => b.final_bid_amount.toString())).toEqual(["51", "43.2", "38", "32"]);

    // Bidding closes after 15 minutes: ranks 1–3, c4 LOST, rank 1's window opens.
    await w.advance(14 * MIN);
    const closed = await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
    expect(closed.status).toBe("PENDING_RESPONSE_1");
    const byContractor = async (id: string) =>
      w.prisma.bid.findUniqueOrThrow({ where: { lead_id_contractor_id: { lead_id: lead.id, contractor_id: id } } });
    expect((await byContractor(c1 as string)).status).toBe("WON");
    expect((await byContractor(c1 as string)).bid_rank).toBe(1);
    expect((await byContractor(c4 as string)).status).toBe("LOST");
    expect((await byContractor(c4 as string)).bid_rank).toBeNull();

    // c1 stays silent for two hours: warned at 1h45, then one strike and rank 2's window.
    await w.advance(105 * MIN);
    expect((await byContractor(c1 as string)).window_warned_at).not.toBeNull();
    await w.advance(15 * MIN);
    expect((await byContractor(c1 as string)).status).toBe("EXPIRED");
    expect(await w.prisma.strikeLog.count({ where: { contractor_id: c1 as string } })).toBe(1);
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: c1 as string } })).strike_count).toBe(1);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("PENDING_RESPONSE_2");

    // c3 (rank 3) cannot answer yet; c2 answers 30 minutes into its window.
    const early = await sendLeadMessage(w.deps, { leadId: lead.id, contractorId: c3 as string, text: "Hi!" });
    expect(early.ok ? "ok" : early.code).toBe("NO_OPEN_WINDOW");
    await w.advance(30 * MIN);
    const answer = await sendLeadMessage(w.deps, {
      leadId: lead.id,
      contractorId: c2 as string,
      text: "Hi Anna, I can come by today at 3pm to look at your AC.",
    });
    expect(answer.ok).toBe(true);
    expect(answer.ok && answer.value.contacted).toBe(true);

    const done = await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
    expect(done.status).toBe("CONTACTED");
    expect(done.contacted_by_id).toBe(c2);
    expect((await byContractor(c3 as string)).status).toBe("LOST");
    expect((await byContractor(c2 as string)).status).toBe("WON");
    expect(await w.prisma.conversion.count({ where: { lead_id: lead.id, conversion_type: "contacted" } })).toBe(1);
    const customer = await w.prisma.customer.findUniqueOrThrow({ where: { id: done.customer_id as string } });
    expect(customer.owner_id).toBe(c2);
    expect(customer.status).toBe("lead");
    // The relay to the customer went into the outbox on their phone.
    const relay = await w.prisma.outboundMessage.findFirstOrThrow({ where: { lead_id: lead.id, kind: "relay" } });
    expect(relay.to_address).toBe("+16025550142");

    const m2 = await w.prisma.contractorMetrics.findUniqueOrThrow({ where: { contractor_id: c2 as string } });
    expect(m2.total_spent.toString()).toBe("43.2");
    expect(m2.total_leads_contacted).toBe(1);
    expect(m2.total_leads_won).toBe(1);
    expect(m2.avg_time_to_contact_minutes).toBe(30);
    expect(Number(m2.contact_rate)).toBe(1);
    const m1 = await w.prisma.contractorMetrics.findUniqueOrThrow({ where: { contractor_id: c1 as string } });
    expect(m1.total_leads_won).toBe(1);
    expect(Number(m1.contact_rate)).toBe(0);
    expect(m1.total_spent.toString()).toBe("0");
    for (const id of [c1, c2, c3, c4, c5]) await expectMetricsMatchRecount(id as string);

    // A late wake-up for c1's old window does nothing.
    await w.advance(3 * 60 * MIN);
    expect(await w.prisma.strikeLog.count({ where: { lead_id: lead.id } })).toBe(1);
  });

  it("all three silent: three strikes, lead EXPIRED, a ban at the threshold, appeal approved → unbanned", async () => {
    const [c1, c2, c3] = await fiveContractors("b");
    await w.prisma.user.update({ where: { id: c3 as string }, data: { strike_count: 2 } });
    const { lead } = await newLead("Furnace not starting", "+1 602 555 0143");
    for (const [id, m] of [
      [c1, 2.0],
      [c2, 1.5],
      [c3, 1.2],
    ] as const) {
      expect((await placeBid(w.deps, { leadId: lead.id, contractorId: id as string, multiplier: m })).ok).toBe(true);
    }
    await w.advance(15 * MIN);
    for (const rank of [1, 2, 3]) {
      expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe(
        `PENDING_RESPONSE_${rank}`,
      );
      await w.advance(120 * MIN);
    }
    const expired = await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
    expect(expired.status).toBe("EXPIRED");
    const strikes = await w.prisma.strikeLog.findMany({ where: { lead_id: lead.id }, orderBy: { created_at: "asc" } });
    expect(strikes.map((s) => s.contractor_id)).toEqual([c1, c2, c3]);
    expect(strikes.map((s) => s.ban_triggered)).toEqual([false, false, true]);
    const banned = await w.prisma.user.findUniqueOrThrow({ where: { id: c3 as string } });
    expect(banned.strike_count).toBe(3);
    expect(banned.is_bidding_banned).toBe(true);

    // Banned: no more bids.
    const { lead: next } = await newLead("Water heater leaking", "+1 602 555 0144");
    const refused = await placeBid(w.deps, { leadId: next.id, contractorId: c3 as string, multiplier: 1 });
    expect(refused.ok ? "ok" : refused.code).toBe("CONTRACTOR_BANNED");

    // Appeal with evidence attached; a second one is refused; approval unbans and resets.
    const appeal = await createAppeal(w.deps, {
      contractorId: c3 as string,
      reason: "I was on a roof with no signal.",
    });
    expect(appeal.ok).toBe(true);
    if (!appeal.ok) return;
    expect(Array.isArray(appeal.value.evidence)).toBe(true);
    expect((appeal.value.evidence as unknown[]).length).toBe(1);
    const second = await createAppeal(w.deps, { contractorId: c3 as string, reason: "Please look at my appeal." });
    expect(second.ok ? "ok" : second.code).toBe("APPEAL_PENDING");
    const decided = await decideAppeal(w.deps, {
      appealId: appeal.value.id,
      actor: { kind: "api_key" },
      approve: true,
    });
    expect(decided.ok).toBe(true);
    const unbanned = await w.prisma.user.findUniqueOrThrow({ where: { id: c3 as string } });
    expect(unbanned.is_bidding_banned).toBe(false);
    expect(unbanned.strike_count).toBe(0);
    expect(await w.prisma.auditLog.count({ where: { entity_id: appeal.value.id, action: "appeal.approved" } })).toBe(1);
    expect(await w.prisma.outboundMessage.count({ where: { user_id: c3 as string, kind: "appeal_decided" } })).toBe(1);
    expect((await placeBid(w.deps, { leadId: next.id, contractorId: c3 as string, multiplier: 1 })).ok).toBe(true);
    for (const id of [c1, c2, c3]) await expectMetricsMatchRecount(id as string);
  });

  it("booked and paid conversions with revenue, once each, only by the winner; leads archive after 30 days", async () => {
    const [c1, c2] = await fiveContractors("c");
    const { lead } = await newLead("Tankless water heater install", "+1 602 555 0145");
    await placeBid(w.deps, { leadId: lead.id, contractorId: c1 as string, multiplier: 1 });
    await w.advance(15 * MIN);
    expect((await sendLeadMessage(w.deps, { leadId: lead.id, contractorId: c1 as string, text: "On my way" })).ok).toBe(
      true,
    );
    const other = await recordConversion(w.deps, { leadId: lead.id, contractorId: c2 as string, type: "booked" });
    expect(other.ok ? "ok" : other.code).toBe("LEAD_NOT_OPEN");
    const booked = await recordConversion(w.deps, { leadId: lead.id, contractorId: c1 as string, type: "booked" });
    expect(booked.ok).toBe(true);
    const paid = await recordConversion(w.deps, {
      leadId: lead.id,
      contractorId: c1 as string,
      type: "paid",
      revenueUsd: 4250.5,
    });
    expect(paid.ok && paid.value.revenue_usd?.toString()).toBe("4250.5");
    const again = await recordConversion(w.deps, {
      leadId: lead.id,
      contractorId: c1 as string,
      type: "paid",
      revenueUsd: 1,
    });
    expect(again.ok ? "ok" : again.code).toBe("CONFLICT");
    const contacted = await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } });
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: contacted.customer_id as string } })).status).toBe(
      "active",
    );

    // 30 days later every lead of this world is archived, whatever its state, exactly once.
    w.clock.advance(30 * 24 * 60 * MIN + MIN);
    const archived = await archiveOldLeads(w.deps);
    expect(archived).toBeGreaterThanOrEqual(1);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("ARCHIVED");
    expect(await archiveOldLeads(w.deps)).toBe(0);
  });
});
