/**
 * Property tests of the marketplace (DESIGN.md § "Domain rules → Marketplace"): random
 * sequences of leads, bids and raises (valid and invalid), answers by any contractor at any
 * time, customers replying STOP (so their lead ends UNREACHABLE: no strike, no charge, not a won
 * lead in the figures), clock jumps, scheduler restarts, duplicate and early wake-ups and reconciler passes,
 * with every rule checked after every step. One database for the file; each run has its own
 * contractors, ZIP codes and leads and looks only at its own rows.
 * FC_RUNS=500 searches longer; FC_SEED (with the printed seed) replays a failure.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { handleMarketplaceWakeup, reconcileMarketplace } from "../../core/marketplace/deadlines.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { recountMetrics } from "../../core/marketplace/metrics.js";
import { parseWakeKey } from "../../core/marketplace/wakeups.js";
import { sendLeadMessage } from "../../core/marketplace/window.service.js";
import { toCents } from "../../core/money.js";
import type { Bid } from "../../prisma/generated/client.js";
import type { TestWorld } from "../support/deps.js";
import {
  CATEGORIES,
  createMarketplaceWorld,
  fireDue,
  leadSnapshot,
  type MarketRun,
  pick,
  type RunContractor,
  recentLead,
  restart,
  SOURCES,
  scheduledWakeups,
  startRun,
} from "../support/marketplace-fixtures.js";

const SEC = 1000;
const MIN = 60 * SEC;
const WINDOW_MS = 120 * MIN;
const WARNING_MS = 15 * MIN;
const STRIKES_TO_BAN = 3;
const NUM_RUNS = Number(process.env.FC_RUNS ?? 25); // a fresh random seed each run; FC_RUNS=200 for a long soak

let w: TestWorld;
beforeAll(async () => {
  w = await createMarketplaceWorld({ RESPONSE_WINDOW: "2h", WINDOW_WARNING: "15m", STRIKES_TO_BAN: "3" });
});
afterAll(async () => w?.close());

// ── generated inputs ─────────────────────────────────────────────────────────────────────

/** Most contractors serve both ZIPs and every category; some only a part (and are not offered the rest). */
const contractorArb = fc.record({
  rating: fc.constantFrom(5, 4.9, 4.8, 4.6, 4.5, 4.1, 4, 3.5, 0),
  zips: fc.oneof({ weight: 3, arbitrary: fc.constant([0, 1]) }, fc.subarray([0, 1], { minLength: 1 })),
  cats: fc.oneof({ weight: 3, arbitrary: fc.constant([0, 1, 2]) }, fc.subarray([0, 1, 2], { minLength: 1 })),
});
/**
 * The one-tap multipliers (so equal amounts and ties happen) and any others; tagged valid or not
 * by the rule "0.5–2.0, at most two decimals", not by the code under test.
 */
const multiplierArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0.8, 1, 1.2, 1.5).map((m) => ({ m, valid: true })) },
  { weight: 3, arbitrary: fc.integer({ min: 50, max: 200 }).map((n) => ({ m: n / 100, valid: true })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0.49, 2.01, 1.234, 1.005, 0, -1, Number.NaN).map((m) => ({ m, valid: false })),
  },
);
/** Seconds to hours, with the rules' own boundaries (bidding close, warning, window end) common. */
const delayArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 300 }).map((s) => s * SEC) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 * 3600 }).map((s) => s * SEC) },
  { weight: 2, arbitrary: fc.constantFrom(2 * MIN, 15 * MIN, WINDOW_MS - WARNING_MS, WINDOW_MS, WINDOW_MS + SEC) },
);
const leadStepArb = fc.record({
  t: fc.constant("lead" as const),
  cat: fc.nat(CATEGORIES.length - 1),
  zip: fc.nat(1),
  src: fc.nat(SOURCES.length - 1),
  who: fc.nat(2),
  base: fc.constantFrom("40.00", "25.55", "99.99"),
});
/** `lead` counts back from the newest lead; an answer with `c: null` comes from whoever's turn it is. */
const stepArb = fc.oneof(
  { weight: 2, arbitrary: leadStepArb },
  {
    weight: 10,
    arbitrary: fc.record({ t: fc.constant("bid" as const), lead: fc.nat(2), c: fc.nat(), m: multiplierArb }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("answer" as const),
      lead: fc.nat(3),
      c: fc.option(fc.nat(), { nil: null, freq: 1 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ t: fc.constant("advance" as const), ms: delayArb, fire: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("restart" as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("duplicate" as const), key: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("reconcile" as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("stop" as const), who: fc.nat(2) }) },
);
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

// ── steps ────────────────────────────────────────────────────────────────────────────────

const outcome = (r: { ok: true } | { ok: false; code: string }) => (r.ok ? "ok" : r.code);
/** DESIGN.md discount table (≥4.8 → 0.85, ≥4.5 → 0.90, ≥4.0 → 0.95, else 1.00), in hundredths. */
const discountHundredths = (rating: number) => (rating >= 4.8 ? 85 : rating >= 4.5 ? 90 : rating >= 4 ? 95 : 100);

/** What earlier steps saw: statuses and amounts (to move forward only), leads taken in (for dedupe). */
interface Seen {
  intake: Map<string, { id: string; at: number }>;
  bids: Map<string, { status: string; cents: number; multiplier: number }>;
  leads: Map<string, string>;
  /** Customer e-mail addresses that replied STOP (their only address: they cannot be reached). */
  stopped: Set<string>;
}

/** The e-mail address of customer `who` of a run (leads carry no phone here). */
const customerEmail = (run: MarketRun, who: number) => `${run.zips[0]}-${who}@customers.example.com`;

async function runStep(run: MarketRun, seen: Seen, s: Step): Promise<void> {
  const now = w.clock.now();
  switch (s.t) {
    case "lead": {
      const n = run.leads.length;
      const zip = run.zips[s.zip] as string;
      const cat = CATEGORIES[s.cat] as string;
      const r = await createLead(run.deps, {
        category: cat,
        title: `Job ${n}`,
        customer_name: "Pat Customer",
        customer_email: customerEmail(run, s.who),
        customer_zip_code: zip,
        lead_source: SOURCES[s.src]?.slug,
        base_lead_cost: s.base,
      });
      if (!r.ok) throw new Error(`createLead: ${r.code} ${r.message}`);
      // The same customer asking again for the same category within 24 hours is the same lead.
      const prior = seen.intake.get(`${cat}|${s.who}`);
      const repeat = prior && now.getTime() - prior.at <= 24 * 60 * MIN;
      expect([r.value.deduplicated, r.value.lead.id], "dedupe").toEqual(
        repeat ? [true, prior.id] : [false, r.value.lead.id],
      );
      if (repeat) return;
      seen.intake.set(`${cat}|${s.who}`, { id: r.value.lead.id, at: now.getTime() });
      // Matching: the lead is offered to every active, unbanned contractor serving its ZIP and category.
      const banned = await w.prisma.user.findMany({
        where: { id: { in: run.contractors.map((c) => c.id) }, is_bidding_banned: true },
      });
      const matching = run.contractors.filter(
        (c) => c.zips.includes(zip) && c.cats.includes(cat) && !banned.some((b) => b.id === c.id),
      );
      expect(r.value.offered, "lead offered to the matching contractors").toBe(matching.length);
      run.leads.push(r.value.lead.id);
      return;
    }
    case "bid": {
      const leadId = recentLead(run, s.lead);
      const c = pick(run.contractors, s.c) as RunContractor;
      if (!leadId) return;
      const [lead, user, existing] = await Promise.all([
        w.prisma.lead.findUniqueOrThrow({ where: { id: leadId }, include: { category: true } }),
        w.prisma.user.findUniqueOrThrow({ where: { id: c.id } }),
        w.prisma.bid.findUnique({ where: { lead_id_contractor_id: { lead_id: leadId, contractor_id: c.id } } }),
      ]);
      // Bids only while ACTIVE and before close; banned or non-matching contractors refused; raise-only.
      const expected = !s.m.valid
        ? "BID_MULTIPLIER_OUT_OF_RANGE"
        : lead.status !== "ACTIVE" || (lead.bidding_closes_at as Date) <= now
          ? "BID_WINDOW_CLOSED"
          : user.is_bidding_banned
            ? "CONTRACTOR_BANNED"
            : !c.zips.includes(lead.customer_zip_code) || !c.cats.includes(lead.category.slug)
              ? "CONTRACTOR_NOT_ELIGIBLE"
              : existing && s.m.m <= Number(existing.bid_multiplier)
                ? "CONFLICT"
                : "ok";
      const r = await placeBid(run.deps, { leadId, contractorId: c.id, multiplier: s.m.m });
      expect(outcome(r), `bid ×${s.m.m} on a ${lead.status} lead`).toBe(expected);
      if (r.ok) expect(r.value.raised).toBe(existing !== null);
      return;
    }
    case "answer": {
      const leadId = recentLead(run, s.lead);
      if (!leadId) return;
      const turn =
        s.c === null
          ? await w.prisma.bid.findFirst({ where: { lead_id: leadId, status: "WON" }, orderBy: { bid_rank: "desc" } })
          : null;
      const c = (run.contractors.find((x) => x.id === turn?.contractor_id) ??
        pick(run.contractors, s.c ?? 0)) as RunContractor;
      const [lead, bid] = await Promise.all([
        w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } }),
        w.prisma.bid.findUnique({ where: { lead_id_contractor_id: { lead_id: leadId, contractor_id: c.id } } }),
      ]);
      // Only a reply inside one's own open window is the contact; afterwards the winner's replies are relayed.
      const open =
        bid?.status === "WON" &&
        !bid.responded_at &&
        (bid.response_window_ends_at as Date) > now &&
        lead.status === `PENDING_RESPONSE_${bid.bid_rank}`;
      const relay = lead.status === "CONTACTED" && lead.contacted_by_id === c.id;
      // A customer who replied STOP cannot be reached: the contact is refused (the lead ends
      // UNREACHABLE, nobody is charged), and so is a later relay.
      const stopped = seen.stopped.has(lead.customer_email ?? "");
      const r = await sendLeadMessage(run.deps, { leadId, contractorId: c.id, text: "Hello, I can help." });
      const expected =
        open && stopped
          ? ["CUSTOMER_UNREACHABLE"]
          : relay && stopped
            ? ["CUSTOMER_OPTED_OUT"]
            : open || relay
              ? ["ok"]
              : ["NO_OPEN_WINDOW", "BID_WINDOW_CLOSED"];
      expect(expected, `answer on a ${lead.status} lead`).toContain(outcome(r));
      if (r.ok) expect(r.value.contacted).toBe(open);
      return;
    }
    case "advance":
      w.clock.advance(s.ms);
      if (s.fire) await fireDue(run);
      return;
    case "restart":
      restart(run);
      return;
    case "duplicate": {
      // Any wake-up this run ever scheduled, delivered twice at once: late, repeated or before its deadline.
      const call = pick(scheduledWakeups(run), s.key);
      if (!call) return;
      const k = parseWakeKey(call.key);
      if (!k) throw new Error(`not a marketplace key: ${call.key}`);
      const leadId =
        k.kind === "close" ? k.id : (await w.prisma.bid.findUniqueOrThrow({ where: { id: k.id } })).lead_id;
      const before = call.when > now ? await leadSnapshot(w, leadId) : null;
      await Promise.all([handleMarketplaceWakeup(run.deps, call.key), handleMarketplaceWakeup(run.deps, call.key)]);
      if (before) expect(await leadSnapshot(w, leadId), `early ${call.key} changed nothing`).toEqual(before);
      return;
    }
    case "reconcile":
      await reconcileMarketplace(run.deps);
      return;
    case "stop": {
      const address = customerEmail(run, s.who);
      await w.prisma.channelIdentity.upsert({
        where: { channel_address: { channel: "email", address } },
        create: { channel: "email", address, opted_out: true, opted_out_at: now },
        update: { opted_out: true, opted_out_at: now },
      });
      seen.stopped.add(address);
      return;
    }
  }
}

// ── invariants ───────────────────────────────────────────────────────────────────────────

const LEAD_FLOW = ["ACTIVE", "PENDING_RESPONSE_1", "PENDING_RESPONSE_2", "PENDING_RESPONSE_3"];
/** Statuses a lead may show after `s`: the same or later in the flow, or an end; an end never changes. */
const ENDS = ["CONTACTED", "EXPIRED", "UNREACHABLE"];
const leadNext = (s: string) => (ENDS.includes(s) ? [s] : [...LEAD_FLOW.slice(LEAD_FLOW.indexOf(s)), ...ENDS]);
/** Statuses a bid may show after another: ACTIVE → WON | LOST, WON → EXPIRED. */
const BID_NEXT: Record<string, string[]> = {
  ACTIVE: ["ACTIVE", "WON", "LOST", "EXPIRED"],
  WON: ["WON", "EXPIRED"],
  LOST: ["LOST"],
  EXPIRED: ["EXPIRED"],
};
const ms = (d: Date | null) => d?.getTime() ?? Number.NaN;

async function checkInvariants(run: MarketRun, seen: Seen): Promise<void> {
  const now = w.clock.now().getTime();
  const ids = run.contractors.map((c) => c.id);
  const [leads, bids, users, metrics, strikes, conversions] = await Promise.all([
    w.prisma.lead.findMany({ where: { id: { in: run.leads } }, include: { customer: true } }),
    w.prisma.bid.findMany({ where: { lead_id: { in: run.leads } } }),
    w.prisma.user.findMany({ where: { id: { in: ids } } }),
    w.prisma.contractorMetrics.findMany({ where: { contractor_id: { in: ids } } }),
    w.prisma.strikeLog.findMany({
      where: { contractor_id: { in: ids } },
      orderBy: [{ created_at: "asc" }, { strike_count_after: "asc" }],
    }),
    w.prisma.conversion.findMany({ where: { lead_id: { in: run.leads } } }),
  ]);

  for (const lead of leads) {
    const lb = bids.filter((b) => b.lead_id === lead.id);
    const where = `lead ${run.leads.indexOf(lead.id)} (${lead.status})`;
    // Lead statuses only move forward (and BIDDING_CLOSED is never seen between transactions).
    const before = seen.leads.get(lead.id) ?? "ACTIVE";
    expect(leadNext(before), `${where} after ${before}`).toContain(lead.status);
    seen.leads.set(lead.id, lead.status);

    // Ranking at close: top 3 by final amount (ties: earlier bid) get ranks 1..k, unique; the rest LOST.
    const ranked = lb.filter((b) => b.bid_rank !== null).sort((a, b) => Number(a.bid_rank) - Number(b.bid_rank));
    const beats = (a: Bid, b: Bid) =>
      toCents(a.final_bid_amount) - toCents(b.final_bid_amount) || ms(b.bid_placed_at) - ms(a.bid_placed_at);
    if (lead.status === "ACTIVE") {
      expect(ranked.length + lb.filter((b) => b.status !== "ACTIVE").length, `${where}: bids settled early`).toBe(0);
    } else {
      expect(
        ranked.map((b) => b.bid_rank),
        `${where}: ranks`,
      ).toEqual([1, 2, 3].slice(0, lb.length));
      for (const [i, b] of ranked.slice(1).entries()) {
        expect(beats(ranked[i] as Bid, b), `${where}: rank ${i + 1} ≥ rank ${i + 2}`).toBeGreaterThanOrEqual(0);
      }
      for (const b of lb.filter((x) => x.bid_rank === null)) {
        expect(b.status, `${where}: unranked`).toBe("LOST");
        expect(beats(ranked.at(-1) as Bid, b), `${where}: a LOST bid beat rank 3`).toBeGreaterThanOrEqual(0);
      }
    }

    // Windows pass down in turn, each as long as configured: rank N's opens after close and after
    // rank N−1's ended, so two windows of one lead never overlap.
    // (The window open when the customer turned out unreachable was closed then: shorter.)
    let lastEnd = ms(lead.bidding_closes_at);
    const unreachable = lead.status === "UNREACHABLE";
    for (const b of ranked.filter((x) => x.response_window_starts_at)) {
      expect(ms(b.response_window_starts_at), `${where}: overlapping windows`).toBeGreaterThanOrEqual(lastEnd);
      const length = ms(b.response_window_ends_at) - ms(b.response_window_starts_at);
      const closedEarly = unreachable && b.status === "WON";
      expect(length, `${where}: window`).toSatisfy((l) => (closedEarly ? l > 0 && l <= WINDOW_MS : l === WINDOW_MS));
      lastEnd = ms(b.response_window_ends_at);
    }
    // Never two open windows: at most one WON bid awaiting an answer, and the lead shows its rank.
    const waiting = lb.filter((b) => b.status === "WON" && !b.responded_at);
    expect(waiting.length, `${where}: bids awaiting an answer`).toBeLessThanOrEqual(1);
    expect(waiting.filter((b) => ms(b.response_window_ends_at) > now).length).toBeLessThanOrEqual(1);
    // An UNREACHABLE lead keeps its last window's bid WON and unanswered, closed (no strike, no charge).
    const current = unreachable ? undefined : waiting[0];
    if (unreachable) {
      expect(waiting.length, `${where}: the closed window`).toBe(1);
      expect(ms(waiting[0]?.response_window_ends_at ?? null), `${where}: closed`).toBeLessThanOrEqual(now + 1);
      expect(lead.current_rank, `${where}: rank`).toBeNull();
    }
    expect(lead.status.startsWith("PENDING_RESPONSE"), `${where}: pending iff a window`).toBe(Boolean(current));
    if (current)
      expect([lead.status, lead.current_rank]).toEqual([`PENDING_RESPONSE_${current.bid_rank}`, current.bid_rank]);

    // Contact: exactly one WON + answered bid (the contacter's), one `contacted` conversion, the
    // customer record owned by the winner (status lead); no answer or conversion on any other lead.
    const answered = lb.filter((b) => b.responded_at).map((b) => [b.status, b.contractor_id]);
    const conv = conversions.filter((x) => x.lead_id === lead.id).map((x) => [x.conversion_type, x.contractor_id]);
    if (lead.status === "CONTACTED") {
      expect(answered, `${where}: the answer`).toEqual([["WON", lead.contacted_by_id]]);
      expect(conv, `${where}: conversions`).toEqual([["contacted", lead.contacted_by_id]]);
      expect([lead.customer?.owner_id, lead.customer?.status], `${where}: customer`).toEqual([
        lead.contacted_by_id,
        "lead",
      ]);
    } else {
      expect(answered.length + conv.length, `${where}: contact without CONTACTED`).toBe(0);
    }
    // A finished lead (CONTACTED; EXPIRED: nobody bid or every window ran out; UNREACHABLE) keeps no bid ACTIVE.
    if (ENDS.includes(lead.status)) {
      expect([lb.filter((b) => b.status === "ACTIVE").length, lead.current_rank], where).toEqual([0, null]);
    }
  }

  for (const b of bids) {
    const c = run.contractors.find((x) => x.id === b.contractor_id) as RunContractor;
    const base = leads.find((l) => l.id === b.lead_id)?.base_lead_cost ?? 0;
    const where = `bid of c${run.contractors.indexOf(c)} on lead ${run.leads.indexOf(b.lead_id)} (${b.status})`;
    // Price: final = base × multiplier × discount(rating), rounded to the cent.
    const d = discountHundredths(c.rating);
    const cents = toCents(b.final_bid_amount);
    expect(Number(b.lead_discount_multiplier), `${where}: discount`).toBe(d / 100);
    expect(cents, `${where}: final amount`).toBe(Math.round((toCents(base) * toCents(b.bid_multiplier) * d) / 10_000));
    // Bid statuses only move forward (ACTIVE → WON | LOST, WON → EXPIRED) and a bid only goes up.
    const prev = seen.bids.get(b.id);
    if (prev) {
      expect(BID_NEXT[prev.status], `${where} after ${prev.status}`).toContain(b.status);
      expect([cents, Number(b.bid_multiplier)], `${where}: lowered`).toSatisfy(
        ([x, m]) => x >= prev.cents && m >= prev.multiplier,
      );
    }
    seen.bids.set(b.id, { status: b.status, cents, multiplier: Number(b.bid_multiplier) });
    // A window only for WON/EXPIRED bids; the answer inside it; the warning in its last 15 minutes.
    const [start, end] = [ms(b.response_window_starts_at), ms(b.response_window_ends_at)];
    expect(b.response_window_starts_at !== null, `${where}: window`).toBe(b.status === "WON" || b.status === "EXPIRED");
    if (b.responded_at) expect(ms(b.responded_at), `${where}: answered`).toSatisfy((t) => t >= start && t < end);
    const closedEarly = leads.find((l) => l.id === b.lead_id)?.status === "UNREACHABLE";
    if (b.window_warned_at)
      expect(ms(b.window_warned_at), `${where}: warned`).toSatisfy(
        (t) => t >= end - WARNING_MS && (closedEarly ? t <= end : t < end),
      );
    // One strike per unanswered window: a strike exists iff the bid is EXPIRED (strike_applied),
    // logged once the window has ended.
    const own = strikes.filter((s) => s.bid_id === b.id);
    expect([own.length, b.strike_applied], `${where}: strikes`).toEqual(
      b.status === "EXPIRED" ? [1, true] : [0, false],
    );
    for (const s of own)
      expect(ms(s.created_at), `${where}: strike before the window ended`).toBeGreaterThanOrEqual(end);
  }

  for (const u of users) {
    const where = `contractor ${ids.indexOf(u.id)}`;
    // strike_count = strikes logged (no appeals here); the ban comes exactly with the 3rd strike.
    const own = strikes.filter((s) => s.contractor_id === u.id);
    expect(
      own.map((s) => [s.strike_count_after, s.ban_triggered]),
      `${where}: strike log`,
    ).toEqual(own.map((_, i) => [i + 1, i + 1 === STRIKES_TO_BAN]));
    expect([u.strike_count, u.is_bidding_banned], `${where}: strikes`).toEqual([
      own.length,
      own.length >= STRIKES_TO_BAN,
    ]);
    // Metrics are kept current on every change: the stored row equals a recount from the bids.
    const m = metrics.find((x) => x.contractor_id === u.id);
    const stored = m && {
      total_bids_placed: m.total_bids_placed,
      total_leads_won: m.total_leads_won,
      total_leads_contacted: m.total_leads_contacted,
      contact_rate: Number(m.contact_rate),
      avg_time_to_contact_minutes: m.avg_time_to_contact_minutes,
      total_spent_cents: toCents(m.total_spent),
    };
    const mine = bids
      .filter((b) => b.contractor_id === u.id)
      .map((b) => ({ ...b, lead_status: leads.find((l) => l.id === b.lead_id)?.status }));
    expect(stored, `${where}: metrics`).toEqual(recountMetrics(mine));
  }
}

// ── the property ─────────────────────────────────────────────────────────────────────────

describe("marketplace properties", () => {
  it("random leads, bids, answers, clock jumps, restarts and duplicate wake-ups keep every rule", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(contractorArb, { minLength: 3, maxLength: 6 }),
        leadStepArb,
        fc.array(stepArb, { minLength: 10, maxLength: 60, size: "+1" }),
        async (specs, firstLead, steps) => {
          const run = await startRun(w, specs);
          const seen: Seen = { intake: new Map(), bids: new Map(), leads: new Map(), stopped: new Set() };
          for (const s of [firstLead, ...steps]) {
            await runStep(run, seen, s);
            await checkInvariants(run, seen);
          }
          // Whatever wake-ups were lost, reconciler passes alone bring every lead to an end (≤ 3 windows).
          for (let i = 0; i < 4; i++) {
            w.clock.advance(WINDOW_MS);
            await reconcileMarketplace(run.deps);
            await checkInvariants(run, seen);
          }
          const unresolved = [...seen.leads.values()].filter((st) => !ENDS.includes(st));
          expect(unresolved, "leads left unresolved").toEqual([]);
        },
      ),
      { numRuns: NUM_RUNS, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
    );
  }, 600_000);
});
