/**
 * Windows expired in batches (window-expiry.service.ts expireWindows): the same outcome as one
 * at a time — strikes counted in the order the windows ended, one ban at the threshold, an
 * unreachable customer's lead UNREACHABLE without a strike, the turn passed to the next rank —
 * and batches racing each other take disjoint windows, so every bid gets exactly one strike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContractor } from "../../core/accounts/contractor.service.js";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { reconcileMarketplace } from "../../core/marketplace/deadlines.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { EXPIRY_BATCH, expireOnWakeup, expireWindows } from "../../core/marketplace/window-expiry.service.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { seedOpenWindows } from "../support/open-windows.js";

const MIN = 60_000;
let w: TestWorld;

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h", STRIKES_TO_BAN: "2" });
  await w.prisma.category.create({ data: { slug: "hvac", display_name: "HVAC" } });
  await w.prisma.leadSource.create({
    data: { slug: "website", display_name: "Website", bidding_window_seconds: 900, default_base_lead_cost: "40.00" },
  });
});
afterAll(async () => w?.close());

async function contractor(tag: string, rating: number): Promise<string> {
  const r = await createContractor(w.deps, {
    name: `Batch ${tag}`,
    email: `batch-${tag}@example.com`,
    service_area_zip_codes: ["85004"],
    categories: ["hvac"],
    profile_rating: rating,
  });
  if (!r.ok) throw new Error(r.message);
  await w.prisma.channelIdentity.create({ data: { channel: "sandbox", address: `batch-${tag}`, user_id: r.value.id } });
  return r.value.id;
}

async function lead(title: string, customer: { phone?: string; email?: string }): Promise<string> {
  const r = await createLead(w.deps, {
    category: "hvac",
    title,
    customer_name: "Anna Jensen",
    ...(customer.phone ? { customer_phone: customer.phone } : {}),
    ...(customer.email ? { customer_email: customer.email } : {}),
    customer_zip_code: "85004",
  });
  if (!r.ok) throw new Error(r.message);
  return r.value.lead.id;
}

async function bid(leadId: string, contractorId: string, multiplier: number): Promise<string> {
  const r = await placeBid(w.deps, { leadId, contractorId, multiplier });
  if (!r.ok) throw new Error(r.message);
  return r.value.bid.id;
}

describe("window expiry in batches", () => {
  it("one batch: strikes in the order the windows ended, one ban, UNREACHABLE without a strike, the next rank's turn", async () => {
    const a = await contractor("a", 4.8);
    const b = await contractor("b", 4.5);
    // Four leads a minute apart, so their windows end a minute apart. A outbids B on the first.
    const l1 = await lead("Batch one", { phone: "+16025550101" });
    const a1 = await bid(l1, a, 1.5);
    const b1 = await bid(l1, b, 1.1);
    w.clock.advance(MIN);
    const l2 = await lead("Batch two", { phone: "+16025550102" });
    const a2 = await bid(l2, a, 1.2);
    w.clock.advance(MIN);
    // The customer of the third said STOP at the only address they gave: nobody can reach them.
    await w.prisma.channelIdentity.create({
      data: { channel: "email", address: "gone@example.com", opted_out: true, opted_out_at: w.clock.now() },
    });
    const l3 = await lead("Batch three", { email: "gone@example.com" });
    const a3 = await bid(l3, a, 1.2);
    w.clock.advance(MIN);
    const l4 = await lead("Batch four", { phone: "+16025550104" });
    const a4 = await bid(l4, a, 1.2);

    // Bidding closes 15 minutes after each lead came in: rank 1's windows open a minute apart.
    w.clock.advance(12 * MIN);
    for (let i = 0; i < 4; i++) {
      w.clock.advance(MIN);
      await reconcileMarketplace(w.deps);
    }
    expect(await w.prisma.bid.count({ where: { id: { in: [a1, a2, a3, a4] }, status: "WON" } })).toBe(4);
    w.clock.advance(2 * 60 * MIN + MIN);

    const r = await expireWindows(w.deps, { others: EXPIRY_BATCH });
    expect(r.ok && [...r.value.expired].sort()).toEqual([a1, a2, a3, a4].sort());

    const strikes = await w.prisma.strikeLog.findMany({
      where: { contractor_id: a },
      orderBy: { strike_count_after: "asc" },
    });
    expect(strikes.map((s) => [s.bid_id, s.strike_count_after, s.ban_triggered])).toEqual([
      [a1, 1, false],
      [a2, 2, true],
      [a4, 3, false],
    ]);
    expect(await w.prisma.user.findUniqueOrThrow({ where: { id: a } })).toMatchObject({
      strike_count: 3,
      is_bidding_banned: true,
    });
    expect(await w.prisma.auditLog.count({ where: { action: "contractor.banned", entity_id: a } })).toBe(1);
    const leads = await w.prisma.lead.findMany({ where: { id: { in: [l1, l2, l3, l4] } } });
    const status = Object.fromEntries(leads.map((l) => [l.id, l.status]));
    expect(status).toEqual({ [l1]: "PENDING_RESPONSE_2", [l2]: "EXPIRED", [l3]: "UNREACHABLE", [l4]: "EXPIRED" });
    expect(await w.prisma.bid.findUniqueOrThrow({ where: { id: a3 } })).toMatchObject({
      status: "WON",
      strike_applied: false,
    });
    const next = await w.prisma.bid.findUniqueOrThrow({ where: { id: b1 } });
    expect(next.status).toBe("WON");
    expect(next.response_window_ends_at?.getTime()).toBe(w.clock.now().getTime() + 2 * 60 * MIN);
    expect(w.scheduler.pending.has(`expire:${b1}`)).toBe(true);
    const notices = await w.prisma.outboundMessage.findMany({ where: { user_id: a }, select: { dedupe_key: true } });
    expect(notices.map((n) => n.dedupe_key)).toEqual(
      expect.arrayContaining([`strike:${a1}`, `strike:${a2}`, `strike:${a4}`, `unreachable:${a3}`]),
    );

    // Again, and the wake-ups of the same windows: nothing more happens.
    expect(await expireWindows(w.deps, { others: EXPIRY_BATCH })).toEqual({
      ok: true,
      value: { expired: [], skipped: [] },
    });
    for (const id of [a1, a2, a3, a4]) await expireOnWakeup(w.deps, id);
    expect(await w.prisma.strikeLog.count({ where: { contractor_id: a } })).toBe(3);
  });

  it("batches racing each other take disjoint windows: every bid exactly one strike, counts 1..n", async () => {
    const windows = await seedOpenWindows(w.prisma, {
      count: 60,
      contractors: 4,
      firstDueAt: new Date(w.clock.now().getTime() - 10 * MIN),
      spreadMs: 5 * MIN,
    });
    const ids = windows.map((x) => x.bidId);
    // Six batches at once, each with its own window and up to 14 others…
    const racing = await Promise.all(
      windows.slice(0, 6).map((x) => expireWindows(w.deps, { bidIds: [x.bidId], others: 14 })),
    );
    const taken = racing.flatMap((r) => (r.ok ? r.value.expired : []));
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.length).toBeGreaterThan(6);
    // …then every window's wake-up at once: they queue into this process's next batches, and each
    // resolves only when its window is settled.
    await Promise.all(ids.map((id) => expireOnWakeup(w.deps, id)));
    expect(await w.prisma.bid.count({ where: { id: { in: ids }, status: "EXPIRED" } })).toBe(60);
    await reconcileMarketplace(w.deps); // and the sweep finds nothing left to do
    const strikes = await w.prisma.strikeLog.findMany({ where: { bid_id: { in: ids } } });
    expect(strikes).toHaveLength(60);
    expect(new Set(strikes.map((s) => s.bid_id)).size).toBe(60);
    for (const c of new Set(windows.map((x) => x.contractorId))) {
      const mine = strikes.filter((s) => s.contractor_id === c).map((s) => s.strike_count_after);
      expect(mine.sort((x, y) => x - y)).toEqual(mine.map((_, i) => i + 1));
      expect(strikes.filter((s) => s.contractor_id === c && s.ban_triggered)).toHaveLength(1);
    }
    expect(await w.prisma.bid.count({ where: { id: { in: ids }, status: "EXPIRED" } })).toBe(60);
  });

  // Needs a second connection to hold the lock: PostgreSQL (PGlite serves one statement at a time).
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "a wake-up whose lead another transaction holds is not lost: it settles once the lock is let go",
    async () => {
      const [x] = await seedOpenWindows(w.prisma, {
        count: 1,
        contractors: 1,
        firstDueAt: new Date(w.clock.now().getTime() - MIN),
        spreadMs: 0,
      });
      if (!x) throw new Error("no window");
      let release = () => {};
      let locked = () => {};
      const holding = new Promise<void>((r) => (locked = r));
      const held = w.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT id FROM leads WHERE id = ${x.leadId}::uuid FOR UPDATE`;
        locked();
        await new Promise<void>((r) => (release = r));
      });
      await holding;
      let settled = false;
      const wake = expireOnWakeup(w.deps, x.bidId).then(() => (settled = true));
      // Skipped round after round, then waiting for the lock itself: still open while it is held.
      await expect
        .poll(
          async () =>
            (
              await w.prisma.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`
            )[0]?.n,
        )
        .toBe(1n);
      expect(settled).toBe(false);
      release();
      await held;
      await wake;
      expect(await w.prisma.strikeLog.count({ where: { bid_id: x.bidId } })).toBe(1);
    },
  );
});
