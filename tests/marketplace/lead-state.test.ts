/**
 * A lead's state as pure rules (core/marketplace/lead-state.ts, issue 12): each predicate on a
 * table of cases written from DESIGN.md's marketplace rules, then each predicate against its
 * Prisma `where` twin on generated rows in a real database — the query must find exactly the
 * rows the predicate accepts.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  biddingCloseDue,
  biddingCloseDueWhere,
  biddingOpen,
  biddingOpenWhere,
  eligibleBiddersWhere,
  eligibleToBid,
  isBiddingBanned,
  leadMatchesContractor,
  leadsMatchingWhere,
  leadWaitsOn,
  leadWaitsOnWhere,
  notBiddingBannedWhere,
  strikeOutcome,
  unbannedState,
  windowExpiryDue,
  windowExpiryDueWhere,
  windowOpen,
  windowOpenWhere,
  windowRunning,
  windowRunningWhere,
  windowWarningDue,
  windowWarningDueWhere,
} from "../../core/marketplace/lead-state.js";
import { countsAsWon, recountMetrics } from "../../core/marketplace/metrics.js";
import type { Bid, BidStatus, Lead, LeadStatus, User } from "../../prisma/generated/client.js";
import { BidStatus as BidStatuses, LeadStatus as LeadStatuses } from "../../prisma/generated/enums.js";
import { createWorld, type TestWorld } from "../support/deps.js";

const NOW = new Date("2026-03-02T15:00:00.000Z");
const MIN = 60_000;
const WARNING_MS = 15 * MIN;
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MIN);

// ── tables ───────────────────────────────────────────────────────────────────────────────

describe("bidding open / due to close", () => {
  const cases: Array<[string, { status: string; bidding_closes_at: Date | null }, boolean, boolean]> = [
    // what                                        lead                                              open   due
    ["ACTIVE, closes in a minute", { status: "ACTIVE", bidding_closes_at: at(1) }, true, false],
    ["ACTIVE, closes right now", { status: "ACTIVE", bidding_closes_at: at(0) }, false, true],
    ["ACTIVE, closed a minute ago (not yet ranked)", { status: "ACTIVE", bidding_closes_at: at(-1) }, false, true],
    ["ACTIVE with no close time", { status: "ACTIVE", bidding_closes_at: null }, false, false],
    ["BIDDING_CLOSED", { status: "BIDDING_CLOSED", bidding_closes_at: at(5) }, false, false],
    ["PENDING_RESPONSE_1", { status: "PENDING_RESPONSE_1", bidding_closes_at: at(-5) }, false, false],
    ["EXPIRED", { status: "EXPIRED", bidding_closes_at: at(5) }, false, false],
  ];
  it.each(cases)("%s", (_what, lead, open, due) => {
    expect([biddingOpen(lead, NOW), biddingCloseDue(lead, NOW)]).toEqual([open, due]);
  });
});

type WindowBid = Parameters<typeof windowExpiryDue>[0];
const won = (over: Partial<WindowBid> = {}): WindowBid => ({
  status: "WON",
  bid_rank: 2,
  response_window_starts_at: at(-60),
  response_window_ends_at: at(60),
  responded_at: null,
  strike_applied: false,
  window_warn_at: at(45),
  window_warned_at: null,
  ...over,
});

describe("response windows", () => {
  const pending2 = { status: "PENDING_RESPONSE_2" };
  const cases: Array<[string, WindowBid, { status: string }, { open: boolean; expiry: boolean }]> = [
    ["rank 2's window, an hour left", won(), pending2, { open: true, expiry: false }],
    ["the lead waits on rank 3, not this bid", won(), { status: "PENDING_RESPONSE_3" }, { open: false, expiry: false }],
    ["answered", won({ responded_at: at(-5) }), pending2, { open: false, expiry: false }],
    ["ends right now", won({ response_window_ends_at: at(0) }), pending2, { open: false, expiry: true }],
    [
      "ended, struck already",
      won({ response_window_ends_at: at(-1), strike_applied: true }),
      pending2,
      { open: false, expiry: false },
    ],
    [
      "ended on a lead nobody can reach",
      won({ response_window_ends_at: at(-1) }),
      { status: "UNREACHABLE" },
      { open: false, expiry: false },
    ],
    [
      "ended on an archived lead",
      won({ response_window_ends_at: at(-1) }),
      { status: "ARCHIVED" },
      { open: false, expiry: false },
    ],
    ["not started yet", won({ response_window_starts_at: at(1) }), pending2, { open: false, expiry: false }],
    ["a ranked bid still waiting (ACTIVE)", won({ status: "ACTIVE" }), pending2, { open: false, expiry: false }],
    [
      "EXPIRED bid",
      won({ status: "EXPIRED", response_window_ends_at: at(-1) }),
      pending2,
      { open: false, expiry: false },
    ],
    ["no rank", won({ bid_rank: null }), pending2, { open: false, expiry: false }],
  ];
  it.each(cases)("%s", (_what, bid, lead, want) => {
    expect({ open: windowOpen(bid, lead, NOW), expiry: windowExpiryDue(bid, lead, NOW) }).toEqual(want);
    expect(leadWaitsOn(bid, lead)).toBe(lead.status === `PENDING_RESPONSE_${bid.bid_rank}`);
  });

  it("a window runs over [start, end) for a WON bid that has not answered", () => {
    expect(windowRunning(won({ response_window_starts_at: at(0) }), NOW)).toBe(true);
    expect(windowRunning(won({ response_window_ends_at: at(0) }), NOW)).toBe(false);
    expect(windowRunning(won({ responded_at: at(-1) }), NOW)).toBe(false);
    expect(windowRunning(won({ status: "LOST" }), NOW)).toBe(false);
  });

  const warn: Array<[string, WindowBid, { status: string }, boolean]> = [
    ["its own warning time has come", won({ window_warn_at: at(0) }), pending2, true],
    ["its own warning time is a minute away", won({ window_warn_at: at(1) }), pending2, false],
    [
      "no stored time: 15 minutes before the end",
      won({ window_warn_at: null, response_window_ends_at: at(15) }),
      pending2,
      true,
    ],
    [
      "no stored time, 16 minutes left",
      won({ window_warn_at: null, response_window_ends_at: at(16) }),
      pending2,
      false,
    ],
    ["warned already", won({ window_warn_at: at(-1), window_warned_at: at(-1) }), pending2, false],
    ["answered", won({ window_warn_at: at(-1), responded_at: at(-2) }), pending2, false],
    ["window over", won({ window_warn_at: at(-20), response_window_ends_at: at(0) }), pending2, false],
    ["lead became UNREACHABLE", won({ window_warn_at: at(-1) }), { status: "UNREACHABLE" }, false],
  ];
  it.each(warn)("warning: %s", (_what, bid, lead, due) => {
    expect(windowWarningDue(bid, lead, NOW, WARNING_MS)).toBe(due);
  });
});

type ContractorRow = Parameters<typeof eligibleToBid>[0];
const pro = (over: Partial<ContractorRow> = {}): ContractorRow => ({
  role: "contractor",
  account_status: "active",
  is_bidding_banned: false,
  service_area_zip_codes: ["85004", "85006"],
  contractor_categories: ["hvac"],
  ...over,
});

describe("who may bid", () => {
  const lead = { customer_zip_code: "85004", category_id: "hvac" };
  const cases: Array<[string, ContractorRow, { matches: boolean; eligible: boolean }]> = [
    ["active, unbanned, serves the ZIP and category", pro(), { matches: true, eligible: true }],
    ["another ZIP", pro({ service_area_zip_codes: ["85005"] }), { matches: false, eligible: false }],
    ["another category", pro({ contractor_categories: ["plumbing"] }), { matches: false, eligible: false }],
    ["bidding-banned", pro({ is_bidding_banned: true }), { matches: true, eligible: false }],
    ["account pending approval", pro({ account_status: "pending" }), { matches: true, eligible: false }],
    ["account disabled", pro({ account_status: "disabled" }), { matches: true, eligible: false }],
    ["a marketer, not a contractor", pro({ role: "marketer" }), { matches: true, eligible: false }],
  ];
  it.each(cases)("%s", (_what, c, want) => {
    expect({ matches: leadMatchesContractor(lead, c), eligible: eligibleToBid(c, lead) }).toEqual(want);
  });
});

describe("strikes and unban", () => {
  const cases: Array<[string, { strike_count: number; is_bidding_banned: boolean }, number, object]> = [
    [
      "first strike",
      { strike_count: 0, is_bidding_banned: false },
      3,
      { strikeCount: 1, banned: false, banTriggered: false },
    ],
    [
      "the third strike bans",
      { strike_count: 2, is_bidding_banned: false },
      3,
      { strikeCount: 3, banned: true, banTriggered: true },
    ],
    [
      "a threshold of 1 bans at once",
      { strike_count: 0, is_bidding_banned: false },
      1,
      { strikeCount: 1, banned: true, banTriggered: true },
    ],
    [
      "already banned: no second ban",
      { strike_count: 3, is_bidding_banned: true },
      3,
      { strikeCount: 4, banned: true, banTriggered: false },
    ],
    [
      "past the threshold after the threshold was raised",
      { strike_count: 4, is_bidding_banned: false },
      3,
      { strikeCount: 5, banned: true, banTriggered: true },
    ],
  ];
  it.each(cases)("%s", (_what, user, strikesToBan, want) => {
    expect(strikeOutcome(user, strikesToBan)).toEqual(want);
  });

  it("an unban lifts the ban and resets strikes, so the next miss does not ban again at once", () => {
    const after = unbannedState();
    expect(after).toEqual({ strike_count: 0, is_bidding_banned: false });
    expect(isBiddingBanned(after)).toBe(false);
    expect(strikeOutcome(after, 3).banned).toBe(false);
  });
});

describe("won leads in a contractor's figures", () => {
  const bid = { final_bid_amount: "40.00", response_window_starts_at: at(-60), responded_at: null };
  it("a window on a lead nobody could reach is not a won lead, so the contact rate does not drop", () => {
    expect(countsAsWon({ ...bid, lead_status: "PENDING_RESPONSE_1" })).toBe(true);
    expect(countsAsWon({ ...bid, lead_status: "EXPIRED" })).toBe(true);
    expect(countsAsWon({ ...bid, lead_status: "UNREACHABLE" })).toBe(false);
    expect(countsAsWon({ ...bid, response_window_starts_at: null })).toBe(false);
    const contacted = { ...bid, responded_at: at(-50), lead_status: "CONTACTED" };
    expect(recountMetrics([contacted, { ...bid, lead_status: "UNREACHABLE" }])).toMatchObject({
      total_bids_placed: 2,
      total_leads_won: 1,
      total_leads_contacted: 1,
      contact_rate: 1,
    });
    expect(recountMetrics([contacted, { ...bid, lead_status: "EXPIRED" }]).contact_rate).toBe(0.5);
  });
});

// ── each predicate against its `where` twin, on generated rows ───────────────────────────

const ZIPS = ["85004", "85005", "85006"];
let w: TestWorld;
const categories: string[] = [];
let runNo = 0;

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  await w.prisma.leadSource.create({
    data: { slug: "website", display_name: "Website", bidding_window_seconds: 900, default_base_lead_cost: "40.00" },
  });
  for (const slug of ["hvac", "plumbing"]) {
    categories.push((await w.prisma.category.create({ data: { slug, display_name: slug } })).id);
  }
});
afterAll(async () => w?.close());

/** Minutes around NOW, the boundaries (0, ±15) common. */
const offsetArb = fc.oneof(fc.constantFrom(-15, -1, 0, 1, 15), fc.integer({ min: -180, max: 180 }));
const timeArb = fc.option(offsetArb.map(at), { nil: null, freq: 4 });
const leadArb = fc.record({
  status: fc.constantFrom(...(Object.values(LeadStatuses) as LeadStatus[])),
  bidding_closes_at: timeArb,
  zip: fc.nat(ZIPS.length - 1),
  cat: fc.nat(1),
});
const userArb = fc.record({
  role: fc.constantFrom("contractor", "contractor", "marketer", "admin") as fc.Arbitrary<User["role"]>,
  account_status: fc.constantFrom("active", "active", "pending", "disabled") as fc.Arbitrary<User["account_status"]>,
  is_bidding_banned: fc.boolean(),
  strike_count: fc.nat(4),
  zips: fc.subarray(ZIPS),
  cats: fc.subarray([0, 1]),
});
const bidArb = fc.record({
  lead: fc.nat(),
  user: fc.nat(),
  status: fc.constantFrom(...(Object.values(BidStatuses) as BidStatus[])),
  bid_rank: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null, freq: 5 }),
  response_window_starts_at: timeArb,
  response_window_ends_at: timeArb,
  responded_at: timeArb,
  strike_applied: fc.boolean(),
  window_warn_at: timeArb,
  window_warned_at: fc.option(offsetArb.map(at), { nil: null, freq: 2 }),
});

/** The ids of `rows` a predicate accepts, sorted. */
const accepted = <T extends { id: string }>(rows: readonly T[], pred: (row: T) => boolean) =>
  rows
    .filter(pred)
    .map((r) => r.id)
    .sort();
const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id).sort();

describe("each predicate and its where twin agree on generated rows", () => {
  it("bidding, windows, deadlines, matching, eligibility and bans", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(leadArb, { minLength: 2, maxLength: 8 }),
        fc.array(userArb, { minLength: 2, maxLength: 6 }),
        fc.array(bidArb, { minLength: 4, maxLength: 20 }),
        async (leadSpecs, userSpecs, bidSpecs) => {
          const run = ++runNo;
          const users: User[] = [];
          for (const [i, u] of userSpecs.entries()) {
            users.push(
              await w.prisma.user.create({
                data: {
                  name: `R${run} U${i}`,
                  email: `r${run}-u${i}@example.com`,
                  role: u.role,
                  account_status: u.account_status,
                  is_bidding_banned: u.is_bidding_banned,
                  strike_count: u.strike_count,
                  service_area_zip_codes: u.zips,
                  contractor_categories: u.cats.map((c) => categories[c] as string),
                },
              }),
            );
          }
          const leads: Lead[] = [];
          for (const [i, l] of leadSpecs.entries()) {
            leads.push(
              await w.prisma.lead.create({
                data: {
                  category_id: categories[l.cat] as string,
                  title: `R${run} L${i}`,
                  customer_name: "Pat",
                  customer_zip_code: ZIPS[l.zip] as string,
                  lead_source: "website",
                  base_lead_cost: "40.00",
                  status: l.status,
                  bidding_closes_at: l.bidding_closes_at,
                },
              }),
            );
          }
          const bids: Array<Bid & { lead: Lead }> = [];
          const pairs = new Set<string>();
          for (const b of bidSpecs) {
            const lead = leads[b.lead % leads.length] as Lead;
            const user = users[b.user % users.length] as User;
            if (pairs.has(`${lead.id}|${user.id}`)) continue;
            pairs.add(`${lead.id}|${user.id}`);
            const { lead: _l, user: _u, ...cols } = b;
            // The schema's own check: a window ends after it starts.
            const [starts, ends] = [cols.response_window_starts_at, cols.response_window_ends_at];
            if (starts && ends && ends <= starts) cols.response_window_ends_at = new Date(starts.getTime() + MIN);
            const row = await w.prisma.bid.create({
              data: {
                ...cols,
                lead_id: lead.id,
                contractor_id: user.id,
                bid_multiplier: "1.00",
                final_bid_amount: "40.00",
                bid_placed_at: at(-200),
              },
            });
            bids.push({ ...row, lead });
          }
          const leadIds = { id: { in: leads.map((l) => l.id) } };
          const bidIds = { id: { in: bids.map((b) => b.id) } };
          const userIds = { id: { in: users.map((u) => u.id) } };
          const findLeads = async (where: object) =>
            ids(await w.prisma.lead.findMany({ where: { AND: [where, leadIds] } }));
          const findBids = async (where: object) =>
            ids(await w.prisma.bid.findMany({ where: { AND: [where, bidIds] } }));
          const findUsers = async (where: object) =>
            ids(await w.prisma.user.findMany({ where: { AND: [where, userIds] } }));

          expect(await findLeads(biddingOpenWhere(NOW)), "biddingOpen").toEqual(
            accepted(leads, (l) => biddingOpen(l, NOW)),
          );
          expect(await findLeads(biddingCloseDueWhere(NOW)), "biddingCloseDue").toEqual(
            accepted(leads, (l) => biddingCloseDue(l, NOW)),
          );
          expect(await findBids(leadWaitsOnWhere()), "leadWaitsOn").toEqual(
            accepted(bids, (b) => leadWaitsOn(b, b.lead)),
          );
          expect(await findBids(windowRunningWhere(NOW)), "windowRunning").toEqual(
            accepted(bids, (b) => windowRunning(b, NOW)),
          );
          expect(await findBids(windowOpenWhere(NOW)), "windowOpen").toEqual(
            accepted(bids, (b) => windowOpen(b, b.lead, NOW)),
          );
          expect(await findBids(windowExpiryDueWhere(NOW)), "windowExpiryDue").toEqual(
            accepted(bids, (b) => windowExpiryDue(b, b.lead, NOW)),
          );
          expect(await findBids(windowWarningDueWhere(NOW, WARNING_MS)), "windowWarningDue").toEqual(
            accepted(bids, (b) => windowWarningDue(b, b.lead, NOW, WARNING_MS)),
          );
          expect(await findUsers(notBiddingBannedWhere()), "isBiddingBanned").toEqual(
            accepted(users, (u) => !isBiddingBanned(u)),
          );
          for (const lead of leads) {
            expect(await findUsers(eligibleBiddersWhere(lead)), "eligibleToBid").toEqual(
              accepted(users, (u) => eligibleToBid(u, lead)),
            );
          }
          for (const user of users) {
            expect(await findLeads(leadsMatchingWhere(user)), "leadMatchesContractor").toEqual(
              accepted(leads, (l) => leadMatchesContractor(l, user)),
            );
          }
        },
      ),
      {
        numRuns: Number(process.env.FC_RUNS ?? 25),
        seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
      },
    );
  }, 120_000);
});
