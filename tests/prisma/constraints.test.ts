import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "../../prisma/database.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

// The database itself refuses bad rows, whatever code writes them (seed 001's CHECKs and uniques).
let db: TestDatabase;
let prisma: PrismaClient;
let leadId: string;
let contractorId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrisma(db.url, { schema: db.schema, poolSize: 2 });
  const category = await prisma.category.create({ data: { slug: "plumbing", display_name: "Plumbing" } });
  const contractor = await prisma.user.create({ data: { name: "Bo", role: "contractor", is_contractor: true } });
  contractorId = contractor.id;
  const lead = await prisma.lead.create({
    data: {
      category_id: category.id,
      title: "Leaking pipe",
      customer_name: "Anna",
      customer_zip_code: "85004",
      lead_source: "website",
      base_lead_cost: "25.00",
      status: "ACTIVE",
    },
  });
  leadId = lead.id;
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.close();
});

const bid = (multiplier: string) => ({
  lead_id: leadId,
  contractor_id: contractorId,
  bid_multiplier: multiplier,
  final_bid_amount: "25.00",
  bid_placed_at: new Date(),
});

describe("constraints enforced by the database", () => {
  it("rejects a bid multiplier of 2.5", async () => {
    await expect(prisma.bid.create({ data: bid("2.50") })).rejects.toThrow(/bids_bid_multiplier_check/);
    expect(await prisma.bid.count()).toBe(0);
  });

  it("rejects a second bid by the same contractor on the same lead", async () => {
    await prisma.bid.create({ data: bid("1.00") });
    await expect(prisma.bid.create({ data: bid("1.20") })).rejects.toMatchObject({ code: "P2002" });
    expect(await prisma.bid.count()).toBe(1);
  });

  it("rejects a rank outside 1–3", async () => {
    await expect(prisma.bid.updateMany({ data: { bid_rank: 4 } })).rejects.toThrow(/bids_bid_rank_check/);
  });

  it("rejects an appeal of 5 characters (and of 1001)", async () => {
    await expect(
      prisma.banAppeal.create({ data: { contractor_id: contractorId, appeal_reason: "sorry" } }),
    ).rejects.toThrow(/ban_appeals_appeal_reason_check/);
    await expect(
      prisma.banAppeal.create({ data: { contractor_id: contractorId, appeal_reason: "x".repeat(1001) } }),
    ).rejects.toThrow(/ban_appeals_appeal_reason_check/);
    expect(await prisma.banAppeal.count()).toBe(0);
  });

  it("rejects a message over 5000 characters", async () => {
    await expect(
      prisma.message.create({
        data: { lead_id: leadId, sender_id: contractorId, message_text: "y".repeat(5001), sent_at: new Date() },
      }),
    ).rejects.toThrow(/messages_message_text_check/);
  });

  it("rejects a contact rate above 1", async () => {
    await expect(
      prisma.contractorMetrics.create({ data: { contractor_id: contractorId, contact_rate: "1.50" } }),
    ).rejects.toThrow(/contact_rate/);
  });

  it("rejects a duplicate event_id", async () => {
    const event = { event_name: "DM_STARTED" as const, timestamp: new Date(), payload_hash: "a".repeat(64) };
    await prisma.eventLog.create({ data: { ...event, event_id: "evt-1" } });
    await expect(prisma.eventLog.create({ data: { ...event, event_id: "evt-1" } })).rejects.toMatchObject({
      code: "P2002",
    });
    expect(await prisma.eventLog.count()).toBe(1);
  });

  it("rejects a second strike for the same bid", async () => {
    const b = await prisma.bid.findFirstOrThrow();
    const strike = { contractor_id: contractorId, lead_id: leadId, bid_id: b.id, strike_count_after: 1 };
    await prisma.strikeLog.create({ data: strike });
    await expect(prisma.strikeLog.create({ data: { ...strike, strike_count_after: 2 } })).rejects.toMatchObject({
      code: "P2002",
    });
  });
});
