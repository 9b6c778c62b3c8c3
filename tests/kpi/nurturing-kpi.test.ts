/**
 * Seed-000 KPIs against a recount: a seeded, varied data set for two contractors, then every
 * figure the SQL returns is recomputed in JS from the same rows (fetched with plain findMany).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { ACTIVITY_ORDER, recentActivity } from "../../core/kpi/activity.kpi.js";
import { trend } from "../../core/kpi/kpi-math.js";
import { lastWeekSameSpan, type Window, weekWindow } from "../../core/kpi/kpi-time.js";
import { pulseMetrics, valueVsRevenue, weeklyStats } from "../../core/kpi/nurturing.kpi.js";
import { toCents } from "../../core/money.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeOpportunity, makeSequence } from "../support/factories.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date("2026-01-08T18:00:00.000Z"); // a Thursday
const TZ = "America/Phoenix";
let w: TestWorld;
let ownerA: string;
let ownerB: string;

/** A small deterministic PRNG (mulberry32), so the data set is varied but reproducible. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seedOwner(ownerId: string, seed: number) {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const at = (fromMs: number, toMs: number) => new Date(NOW.getTime() + fromMs + rnd() * (toMs - fromMs));
  const customers = [];
  for (let i = 0; i < 6; i++) {
    customers.push(await makeCustomer(w.prisma, { owner_id: ownerId, property_address: `${i + 1} Customer St` }));
  }
  for (let i = 0; i < 45; i++) {
    const customer = pick(customers);
    const opportunity =
      rnd() < 0.5 ? await makeOpportunity(w.prisma, { owner_id: ownerId, customer_id: customer.id }) : null;
    const started = at(-30 * DAY, i === 0 ? 2 * HOUR : 0); // the first one starts in the future
    const outcome = pick([null, null, "converted", "converted", "lost", "stopped"] as const);
    const outcomeAt = outcome ? new Date(Math.min(NOW.getTime(), started.getTime() + rnd() * 20 * DAY)) : null;
    const status = outcome
      ? outcome === "converted"
        ? "completed"
        : "cancelled"
      : pick(["active", "paused"] as const);
    const seq = await makeSequence(w.prisma, {
      owner_id: ownerId,
      customer_id: customer.id,
      opportunity_id: opportunity?.id ?? null,
      sequence_type: pick(["replacement_urgent", "maintenance", "code_violation"]),
      started_at: started,
      status,
      outcome,
      outcome_at: outcomeAt,
      outcome_reason: outcome && outcome !== "converted" ? "not interested" : null,
      revenue_usd:
        outcome === "converted" && rnd() < 0.8 ? (1000 + Math.floor(rnd() * 900_000) / 100).toFixed(2) : null,
      est_value_usd: rnd() < 0.85 ? (500 + Math.floor(rnd() * 1_500_000) / 100).toFixed(2) : null,
    });
    const steps = 1 + Math.floor(rnd() * 3);
    for (let step = 1; step <= steps; step++) {
      const sent = rnd() < 0.7;
      const executed = sent ? at(-30 * DAY, 0) : null;
      await w.prisma.sequenceEvent.create({
        data: {
          sequence_id: seq.id,
          step_number: step,
          action_type: pick(["sms", "email", "whatsapp", "call_reminder"] as const),
          status: sent ? "sent" : "pending",
          scheduled_at: executed ?? at(0, 3 * DAY),
          executed_at: executed,
          message_content: `Step ${step}`,
          opened_at: sent && rnd() < 0.6 ? at(-3 * DAY, HOUR) : null,
          clicked_at: sent && rnd() < 0.4 ? at(-3 * DAY, HOUR) : null,
        },
      });
    }
  }
}

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  ownerA = (await makeContractor(w.prisma, { timezone: TZ })).id;
  ownerB = (await makeContractor(w.prisma, { timezone: "Pacific/Auckland" })).id;
  await seedOwner(ownerA, 1);
  await seedOwner(ownerB, 2);
});
afterAll(async () => w?.close());

/** Every sequence (with events, customer, opportunity) a scope sees, for the recount. */
async function rows(scope: ApiScope) {
  return w.prisma.nurturingSequence.findMany({
    where: scope.kind === "contractor" ? { owner_id: scope.ownerId } : {},
    include: { events: true, customer: true, opportunity: true },
  });
}

const scopes = (): Array<[string, ApiScope]> => [
  ["contractor A", { kind: "contractor", ownerId: ownerA }],
  ["contractor B", { kind: "contractor", ownerId: ownerB }],
  ["admin", { kind: "admin" }],
];
const inWin = (d: Date | null, win: Window) => d !== null && d >= win.from && d < win.to;
const t = (d: Date | null) => d?.getTime() ?? Number.NaN;

describe("pulse metrics", () => {
  it("equal a recount for each scope", async () => {
    for (const [label, scope] of scopes()) {
      const seqs = await rows(scope);
      const events = seqs.flatMap((s) => s.events);
      const in24h = (d: Date | null) => d !== null && t(d) > NOW.getTime() - DAY && t(d) <= NOW.getTime();
      const expected = {
        enrolled_7_days: seqs.filter((s) => t(s.started_at) > NOW.getTime() - 7 * DAY && s.started_at <= NOW).length,
        active_now: seqs.filter((s) => s.status === "active").length,
        engaged_24h: events.filter((e) => in24h(e.opened_at) || in24h(e.clicked_at)).length,
        converted: seqs.filter((s) => s.outcome === "converted").length,
      };
      expect(await pulseMetrics(w.prisma, scope, NOW), label).toEqual(expected);
      expect(expected.engaged_24h, `${label} has engagement to count`).toBeGreaterThan(0);
    }
  });
});

describe("weekly stats", () => {
  it("equal a recount: converted this week, entered revenue only, from automation, trend", async () => {
    for (const [label, scope] of scopes()) {
      const seqs = (await rows(scope)).filter((s) => s.outcome === "converted");
      const figures = (win: Window) => {
        const booked = seqs.filter((s) => inWin(s.outcome_at, win));
        return {
          jobs: booked.length,
          cents: booked.reduce((sum, s) => sum + (s.revenue_usd ? toCents(s.revenue_usd) : 0), 0),
          automated: booked.filter((s) =>
            s.events.some(
              (e) =>
                e.status === "sent" &&
                e.action_type !== "call_reminder" &&
                e.executed_at &&
                e.executed_at <= s.outcome_at!,
            ),
          ).length,
        };
      };
      const cur = figures(weekWindow(NOW, TZ));
      const prev = figures(lastWeekSameSpan(NOW, TZ));
      const stats = await weeklyStats(w.prisma, scope, NOW, TZ);
      expect(stats, label).toMatchObject({
        jobs_booked: cur.jobs,
        revenue_usd: cur.cents / 100,
        from_automation: cur.automated,
        trend: trend(cur.jobs, prev.jobs).pct,
        revenue_trend: trend(cur.cents, prev.cents).pct,
        last_week: { jobs_booked: prev.jobs, revenue_usd: prev.cents / 100, from_automation: prev.automated },
      });
    }
    const all = await weeklyStats(w.prisma, { kind: "admin" }, NOW, TZ);
    expect(all.jobs_booked + all.last_week.jobs_booked).toBeGreaterThan(0);
  });

  it("never counts estimated value as revenue", async () => {
    const c = await makeContractor(w.prisma);
    await makeSequence(w.prisma, {
      owner_id: c.id,
      status: "completed",
      outcome: "converted",
      outcome_at: new Date(NOW.getTime() - HOUR),
      est_value_usd: "9000.00",
      revenue_usd: null,
    });
    const stats = await weeklyStats(w.prisma, { kind: "contractor", ownerId: c.id }, NOW, TZ);
    expect(stats).toMatchObject({ jobs_booked: 1, revenue_usd: 0, trend: null, trend_label: "new" });
  });
});

describe("est. value vs revenue", () => {
  it("equals a recount, all time and for a period", async () => {
    for (const [label, scope] of scopes()) {
      for (const since of [null, new Date(NOW.getTime() - 10 * DAY)]) {
        const seqs = (await rows(scope)).filter((s) => since === null || s.started_at >= since);
        const cents = (xs: typeof seqs, pick: (s: (typeof seqs)[number]) => unknown) =>
          xs.reduce((sum, s) => sum + (pick(s) ? toCents(String(pick(s))) : 0), 0);
        const converted = seqs.filter((s) => s.outcome === "converted");
        const v = await valueVsRevenue(w.prisma, scope, since);
        expect(v, label).toMatchObject({
          est_value_usd: cents(seqs, (s) => s.est_value_usd) / 100,
          open_pipeline_usd:
            cents(
              seqs.filter((s) => s.status === "active" || s.status === "paused"),
              (s) => s.est_value_usd,
            ) / 100,
          revenue_usd: cents(converted, (s) => s.revenue_usd) / 100,
          won_est_value_usd: cents(converted, (s) => s.est_value_usd) / 100,
          converted: converted.length,
          converted_without_revenue: converted.filter((s) => s.revenue_usd === null).length,
        });
        expect(v.pitch).toMatch(/^We generated \$[\d.]+k in opportunities\. You closed \$[\d.]+k\./);
      }
    }
  });
});

describe("recent activity", () => {
  it("is the newest items of a recount, with names, addresses and types", async () => {
    for (const [label, scope] of scopes()) {
      const seqs = await rows(scope);
      type Item = { id: string; type: string; at: Date; rank: number; ref: string };
      const items: Item[] = [];
      const add = (type: (typeof ACTIVITY_ORDER)[number], ref: string, at: Date | null) => {
        if (at && at <= NOW) items.push({ id: `${type}:${ref}`, type, at, rank: ACTIVITY_ORDER.indexOf(type), ref });
      };
      for (const s of seqs) {
        add("started", s.id, s.started_at);
        if (s.outcome === "converted") add("booked", s.id, s.outcome_at);
        if (s.outcome === "stopped" || s.outcome === "lost") add("stopped", s.id, s.outcome_at);
        for (const e of s.events) {
          add("opened", e.id, e.opened_at);
          add("clicked", e.id, e.clicked_at);
        }
      }
      items.sort((a, b) => t(b.at) - t(a.at) || a.rank - b.rank || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
      for (const limit of [1, 7, 20, 100]) {
        const feed = await recentActivity(w.prisma, scope, NOW, limit);
        expect(
          feed.map((f) => f.id),
          `${label} limit ${limit}`,
        ).toEqual(items.slice(0, limit).map((i) => i.id));
      }
      const feed = await recentActivity(w.prisma, scope, NOW, 50);
      const bySeq = new Map(seqs.map((s) => [s.id, s]));
      for (const f of feed) {
        const s = bySeq.get(f.sequence_id)!;
        expect(f.customer_name).toBe(s.customer.name);
        expect(f.property_address).toBe(s.opportunity?.property_address ?? s.customer.property_address);
        expect(f.sequence_type).toBe(s.sequence_type);
        if (f.type === "opened" || f.type === "clicked") expect(f.message_content).toMatch(/^Step \d$/);
      }
    }
  });
});
