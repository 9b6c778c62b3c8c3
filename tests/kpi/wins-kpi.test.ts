/**
 * One person's weekly wins (the chat's /stats) over all three places a win is recorded:
 * converted sequences, won deals and marketplace leads' booked/paid conversions — each counted
 * once, only the owner's own, this ISO week in their zone against last week to the same moment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personWeeklyStats } from "../../core/kpi/wins.kpi.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeDeal, makeLead, makeSequence } from "../support/factories.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date("2026-01-08T18:00:00.000Z"); // Thursday 11:00 in Phoenix
const TZ = "America/Phoenix";
const ago = (ms: number) => new Date(NOW.getTime() - ms);
let w: TestWorld;
let owner: string;

async function won(ownerId: string, at: Date, revenue: string | null, automated = false) {
  const seq = await makeSequence(w.prisma, {
    owner_id: ownerId,
    customer_id: (await makeCustomer(w.prisma, { owner_id: ownerId })).id,
    status: "completed",
    outcome: "converted",
    outcome_at: at,
    completed_at: at,
    revenue_usd: revenue,
  });
  if (automated) {
    await w.prisma.sequenceEvent.create({
      data: {
        sequence_id: seq.id,
        step_number: 1,
        action_type: "sms",
        status: "sent",
        scheduled_at: new Date(at.getTime() - DAY),
        executed_at: new Date(at.getTime() - DAY),
      },
    });
  }
}

async function conversion(ownerId: string, leadId: string, type: "booked" | "paid", at: Date, revenue: string) {
  await w.prisma.conversion.create({
    data: { lead_id: leadId, contractor_id: ownerId, conversion_type: type, converted_at: at, revenue_usd: revenue },
  });
}

beforeAll(async () => {
  w = await createWorld();
  owner = (await makeContractor(w.prisma)).id;
  const other = (await makeContractor(w.prisma)).id;
  // This week (since Monday 00:00 Phoenix = 2026-01-05T07:00Z).
  await won(owner, ago(2 * DAY), "1000.00", true);
  await won(owner, ago(HOUR), null);
  await makeDeal(w.prisma, { owner_id: owner, status: "won", closed_at: ago(DAY), revenue_usd: "2500.00" });
  await makeDeal(w.prisma, { owner_id: owner, status: "lost", closed_at: ago(DAY), revenue_usd: null });
  const lead = await makeLead(w.prisma, { contacted_by_id: owner, status: "CONTACTED" });
  await conversion(owner, lead.id, "booked", ago(3 * DAY), "500.00");
  await conversion(owner, lead.id, "paid", ago(2 * DAY), "700.00"); // the same job: counted once, paid amount
  // Last week up to Thursday 11:00: one deal; Friday's paid lead is after that point.
  await makeDeal(w.prisma, { owner_id: owner, status: "won", closed_at: ago(9 * DAY), revenue_usd: "300.00" });
  const old = await makeLead(w.prisma, { contacted_by_id: owner, status: "CONTACTED" });
  await conversion(owner, old.id, "paid", ago(6 * DAY), "100.00");
  // Someone else's win this week.
  await won(other, ago(HOUR), "99999.00", true);
});
afterAll(async () => w?.close());

describe("personWeeklyStats", () => {
  it("counts every kind of win once, the revenue people entered, and the trend", async () => {
    const s = await personWeeklyStats(w.prisma, owner, NOW, TZ);
    expect(s).toMatchObject({
      timezone: TZ,
      week_start: "2026-01-05T07:00:00.000Z",
      jobs_booked: 4,
      revenue_usd: 4200,
      from_automation: 1,
      trend: 300,
      trend_label: "up",
      last_week: { jobs_booked: 1, revenue_usd: 300, from_automation: 0 },
    });
  });

  it("starts the week at the person's own Monday midnight", async () => {
    const monday = await personWeeklyStats(w.prisma, owner, new Date("2026-01-05T06:59:00.000Z"), TZ);
    expect(monday.week_start).toBe("2025-12-29T07:00:00.000Z"); // still Sunday in Phoenix
    const none = await personWeeklyStats(w.prisma, (await makeContractor(w.prisma)).id, NOW, "Not/AZone");
    expect(none).toMatchObject({ timezone: "UTC", jobs_booked: 0, revenue_usd: 0, trend: 0, trend_label: "flat" });
  });
});
