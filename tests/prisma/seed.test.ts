import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discountForRating } from "../../core/marketplace/pricing.js";
import { createPrisma } from "../../prisma/database.js";
import type { LeadStatus, PrismaClient } from "../../prisma/generated/client.js";
import { ALREADY_SEEDED, SUMMARY_GROUPS, seedDemoData } from "../../prisma/seed.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

const NOW = new Date("2026-03-10T17:30:00.000Z");
const MINUTE = 60_000;

let db: TestDatabase;
let prisma: PrismaClient;
let first: string;
let second: string;
let countsAfterFirst: Record<string, number>;
let countsAfterSecond: Record<string, number>;

/** Row counts of every table in the test database (schema-qualified: never SET search_path here). */
async function countAll(): Promise<Record<string, number>> {
  const schema = db.schema ?? "public";
  const tables = await prisma.$queryRawUnsafe<{ table_name: string }[]>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    schema,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "${schema}"."${table_name}"`,
    );
    counts[table_name] = row?.n ?? 0;
  }
  return counts;
}

/** `table count` pairs of the summary's table lines. */
function summaryCounts(summary: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of summary.split("\n").slice(1, 1 + Object.keys(SUMMARY_GROUPS).length)) {
    for (const m of line.matchAll(/([a-z_]+) (\d+)/g)) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrisma(db.url, { schema: db.schema, poolSize: 4 });
  first = await seedDemoData(prisma, NOW);
  countsAfterFirst = await countAll();
  second = await seedDemoData(prisma, NOW);
  countsAfterSecond = await countAll();
});

afterAll(async () => {
  await prisma?.$disconnect();
  await db?.close();
});

describe("seedDemoData", () => {
  it("reports every table it fills, each non-empty and with the count the database holds", () => {
    const reported = summaryCounts(first);
    expect(Object.keys(reported).sort()).toEqual(Object.values(SUMMARY_GROUPS).flat().sort());
    for (const [table, n] of Object.entries(reported)) {
      expect(n, table).toBeGreaterThan(0);
      expect(countsAfterFirst[table], table).toBe(n);
    }
    expect(first).toContain("admin@leadrelay.local");
  });

  it("is idempotent: the second run says so and changes no row count", () => {
    expect(second).toBe(ALREADY_SEEDED);
    expect(countsAfterSecond).toEqual(countsAfterFirst);
  });

  it("keeps every contractor_metrics row equal to a recount of bids and conversions", async () => {
    const metrics = await prisma.contractorMetrics.findMany({ include: { contractor: true } });
    expect(metrics).toHaveLength(7);
    for (const m of metrics) {
      const bids = await prisma.bid.findMany({ where: { contractor_id: m.contractor_id } });
      const contacts = await prisma.conversion.findMany({
        where: { contractor_id: m.contractor_id, conversion_type: "contacted" },
      });
      const contactedLeads = new Set(contacts.map((c) => c.lead_id));
      const won = bids.filter((b) => b.status === "WON" || b.response_window_starts_at !== null).length;
      const contactedBids = bids.filter((b) => contactedLeads.has(b.lead_id));
      const minutes = contactedBids.map((b) =>
        Math.round(
          ((b.responded_at?.getTime() ?? Number.NaN) - (b.response_window_starts_at?.getTime() ?? Number.NaN)) / MINUTE,
        ),
      );
      const spentCents = contactedBids.reduce((a, b) => a + Math.round(Number(b.final_bid_amount) * 100), 0);
      const who = m.contractor.name;
      expect(m.total_bids_placed, who).toBe(bids.length);
      expect(m.total_leads_won, who).toBe(won);
      expect(m.total_leads_contacted, who).toBe(contacts.length);
      expect(Number(m.contact_rate), who).toBe(won === 0 ? 0 : Math.round((contacts.length / won) * 100) / 100);
      expect(m.avg_time_to_contact_minutes, who).toBe(
        minutes.length === 0 ? null : Math.round(minutes.reduce((a, x) => a + x, 0) / minutes.length),
      );
      expect(m.total_minutes_to_contact, who).toBe(minutes.reduce((a, x) => a + x, 0));
      expect(Math.round(Number(m.total_spent) * 100), who).toBe(spentCents);
      expect(Number(m.contractor.response_rate), who).toBe(Number(m.contact_rate));
    }
  });

  it("has leads in every state the demo promises, consistent with their bids", async () => {
    const leads = await prisma.lead.findMany({ include: { bids: true } });
    const statuses = new Set(leads.map((l) => l.status));
    const promised: LeadStatus[] = [
      "ACTIVE",
      "PENDING_RESPONSE_1",
      "PENDING_RESPONSE_2",
      "CONTACTED",
      "EXPIRED",
      "ARCHIVED",
    ];
    for (const s of promised) expect(statuses, s).toContain(s);
    for (const l of leads.filter((x) => x.status === "ACTIVE")) {
      expect(l.bidding_closes_at?.getTime()).toBeGreaterThan(NOW.getTime());
      expect(l.bids.length).toBeGreaterThanOrEqual(2);
      expect(l.bids.length).toBeLessThanOrEqual(4);
      for (const b of l.bids) expect(b.bid_placed_at.getTime()).toBeLessThan(NOW.getTime());
    }
    const pending = leads.find((l) => l.status === "PENDING_RESPONSE_1");
    const open = pending?.bids.find((b) => b.bid_rank === 1);
    expect(open?.status).toBe("WON");
    expect(((open?.response_window_ends_at?.getTime() ?? 0) - NOW.getTime()) / MINUTE).toBe(80);
    expect(
      pending?.bids
        .filter((b) => b.status === "ACTIVE")
        .map((b) => b.bid_rank)
        .sort(),
    ).toEqual([2, 3]);
    for (const l of leads.filter((x) => x.status === "CONTACTED")) {
      const customer = await prisma.customer.findUniqueOrThrow({ where: { id: l.customer_id ?? "" } });
      expect(customer.owner_id).toBe(l.contacted_by_id);
      expect(customer.status).toBe("lead");
      expect(await prisma.message.count({ where: { lead_id: l.id, sender_id: l.contacted_by_id } })).toBeGreaterThan(0);
    }
    const archived = leads.find((l) => l.status === "ARCHIVED");
    expect(NOW.getTime() - (archived?.created_at.getTime() ?? NOW.getTime())).toBeGreaterThan(30 * 24 * 60 * MINUTE);
  });

  it("prices bids with the contractor's rating discount and bans the contractor with three strikes", async () => {
    const contractors = await prisma.user.findMany({ where: { is_contractor: true } });
    expect(contractors).toHaveLength(6);
    for (const c of contractors)
      expect(Number(c.lead_discount_multiplier)).toBe(discountForRating(Number(c.profile_rating)));
    const hvac = await prisma.category.findUniqueOrThrow({ where: { slug: "hvac" } });
    const matching = contractors.filter(
      (c) =>
        !c.is_bidding_banned && c.service_area_zip_codes.includes("85004") && c.contractor_categories.includes(hvac.id),
    );
    expect(matching.length).toBeGreaterThanOrEqual(4);
    expect(matching.length).toBeLessThanOrEqual(5);

    const banned = contractors.filter((c) => c.is_bidding_banned);
    expect(banned).toHaveLength(1);
    const strikes = await prisma.strikeLog.findMany({
      where: { contractor_id: banned[0]?.id },
      include: { bid: true },
    });
    expect(banned[0]?.strike_count).toBe(3);
    expect(strikes).toHaveLength(3);
    expect(new Set(strikes.map((s) => s.lead_id)).size).toBe(3);
    for (const s of strikes)
      expect(s.bid).toMatchObject({ status: "EXPIRED", strike_applied: true, lead_id: s.lead_id });
    expect(strikes.filter((s) => s.ban_triggered)).toHaveLength(1);
    const appeal = await prisma.banAppeal.findFirstOrThrow({
      where: { contractor_id: banned[0]?.id, status: "PENDING" },
    });
    expect(appeal.appeal_reason.length).toBeGreaterThanOrEqual(10);
    expect(appeal.appeal_reason.length).toBeLessThanOrEqual(1000);
  });

  it("covers every customer status, canonical status and sequence status", async () => {
    const customers = await prisma.customer.findMany();
    expect(new Set(customers.map((c) => c.status))).toEqual(new Set(["lead", "active", "churned"]));
    expect(new Set(customers.map((c) => c.pipeline_status)).size).toBe(7);
    expect(customers.some((c) => c.language_preference === "da")).toBe(true);
    const sequences = await prisma.nurturingSequence.findMany();
    expect(new Set(sequences.map((s) => s.status))).toEqual(new Set(["active", "paused", "completed", "cancelled"]));
    expect(
      sequences
        .filter((s) => s.outcome === "converted")
        .map((s) => Number(s.revenue_usd))
        .sort(),
    ).toEqual([4500, 9000]);
    expect(sequences.some((s) => s.click_count >= 2 && s.high_interest_at !== null)).toBe(true);
  });

  it("gives the same data on another fresh database", async () => {
    const other = await createTestDatabase();
    const client = createPrisma(other.url, { schema: other.schema, poolSize: 4 });
    try {
      expect(await seedDemoData(client, NOW)).toBe(first);
      const pick = {
        select: { id: true, status: true, final_bid_amount: true, bid_rank: true },
        orderBy: { id: "asc" as const },
      };
      expect(await client.bid.findMany(pick)).toEqual(await prisma.bid.findMany(pick));
    } finally {
      await client.$disconnect();
      await other.close();
    }
  });
});
