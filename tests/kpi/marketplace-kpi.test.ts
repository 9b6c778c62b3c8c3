/**
 * Marketplace KPIs against a recount: contact rate, time to contact, first-response time that
 * ignores automated messages, leads by status and entered revenue per week.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { percentile, round1 } from "../../core/kpi/kpi-math.js";
import { localDate, weekStarts } from "../../core/kpi/kpi-time.js";
import { LEAD_STATUSES, marketplaceKpis } from "../../core/kpi/marketplace.kpi.js";
import { contactRate } from "../../core/marketplace/metrics.js";
import { toCents } from "../../core/money.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeBid, makeCategory, makeContractor, makeLead, makeLeadSource } from "../support/factories.js";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const NOW = new Date("2026-01-08T18:00:00.000Z");
const TZ = "America/Phoenix";
let w: TestWorld;
let a: string;
let b: string;

function prng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  a = (await makeContractor(w.prisma, { timezone: TZ })).id;
  b = (await makeContractor(w.prisma, { timezone: TZ })).id;
  const category = await makeCategory(w.prisma);
  const source = await makeLeadSource(w.prisma);
  const rnd = prng(7);
  const wholeMinutes = (fromMs: number, toMs: number) =>
    new Date(Math.floor((NOW.getTime() + fromMs + rnd() * (toMs - fromMs)) / MIN) * MIN);
  for (let i = 0; i < 40; i++) {
    const lead = await makeLead(w.prisma, {
      category_id: category.id,
      lead_source: source.slug,
      status: LEAD_STATUSES[i % LEAD_STATUSES.length],
      created_at: wholeMinutes(-90 * DAY, -DAY),
    });
    const bidders = i % 3 === 0 ? [a, b] : [i % 2 === 0 ? a : b];
    for (const contractor of bidders) {
      const opened = rnd() < 0.75 ? wholeMinutes(-80 * DAY, i === 5 ? 2 * DAY : 0) : null; // one opens in the future
      const responded = opened && rnd() < 0.7 ? new Date(opened.getTime() + Math.floor(rnd() * 180) * MIN) : null;
      await makeBid(w.prisma, {
        lead_id: lead.id,
        contractor_id: contractor,
        status: opened ? "WON" : "LOST",
        response_window_starts_at: opened,
        response_window_ends_at: opened ? new Date(opened.getTime() + 120 * MIN) : null,
        responded_at: responded,
      });
      if (!opened) continue;
      const say = (sent: Date, automated: boolean, sender: string | null = contractor) =>
        w.prisma.message.create({
          data: {
            lead_id: lead.id,
            sender_id: sender,
            direction: sender ? "outbound" : "inbound",
            is_automated: automated,
            message_text: automated ? "Thanks, we got your request!" : "Hi, this is Bob",
            sent_at: sent,
          },
        });
      await say(new Date(opened.getTime() + MIN), true); // the auto-reply always comes first
      await say(new Date(opened.getTime() - 30 * MIN), false); // before the window: not a response
      await say(new Date(opened.getTime() + 2 * MIN), false, null); // the customer writes
      if (responded) await say(new Date(responded.getTime() + Math.floor(rnd() * 30) * MIN), false);
      if (responded && rnd() < 0.3) await say(new Date(responded.getTime() + 240 * MIN), false);
      if (responded && rnd() < 0.8) {
        const booked = wholeMinutes(-84 * DAY, 0);
        await w.prisma.conversion
          .create({
            data: {
              lead_id: lead.id,
              contractor_id: contractor,
              conversion_type: "booked",
              converted_at: booked,
              revenue_usd: rnd() < 0.8 ? (100 + Math.floor(rnd() * 500_000) / 100).toFixed(2) : null,
            },
          })
          .catch(() => undefined); // one booked conversion per lead
        if (rnd() < 0.5) {
          await w.prisma.conversion
            .create({
              data: {
                lead_id: lead.id,
                contractor_id: contractor,
                conversion_type: "paid",
                converted_at: new Date(Math.min(NOW.getTime(), booked.getTime() + 5 * DAY)),
                revenue_usd: rnd() < 0.7 ? (100 + Math.floor(rnd() * 500_000) / 100).toFixed(2) : null,
              },
            })
            .catch(() => undefined);
        }
      }
    }
  }
});
afterAll(async () => w?.close());

describe("marketplace KPIs", () => {
  for (const who of ["contractor a", "contractor b", "admin"] as const) {
    it(`equal a recount for ${who}`, async () => {
      const scope: ApiScope =
        who === "admin" ? { kind: "admin" } : { kind: "contractor", ownerId: who === "contractor a" ? a : b };
      const mine = <T extends { contractor_id: string }>(xs: T[]) =>
        scope.kind === "admin" ? xs : xs.filter((x) => x.contractor_id === scope.ownerId);
      const bids = mine(await w.prisma.bid.findMany());
      const messages = await w.prisma.message.findMany();
      const conversions = mine(await w.prisma.conversion.findMany());
      const leads = await w.prisma.lead.findMany({ include: { bids: true } });

      const opened = bids.filter((x) => x.response_window_starts_at && x.response_window_starts_at <= NOW);
      // A window on a lead that ended UNREACHABLE is not a won lead (the customer's opt-out is nobody's miss).
      const won = opened.filter((x) => leads.find((l) => l.id === x.lead_id)?.status !== "UNREACHABLE");
      const contacted = opened.filter((x) => x.responded_at);
      const ttc = contacted.map((x) => (x.responded_at!.getTime() - x.response_window_starts_at!.getTime()) / MIN);
      const firstHuman = opened.flatMap((x) => {
        const start = x.response_window_starts_at!;
        const times = messages
          .filter(
            (m) =>
              m.lead_id === x.lead_id &&
              m.sender_id === x.contractor_id &&
              m.direction === "outbound" &&
              !m.is_automated &&
              m.sent_at >= start &&
              m.sent_at <= NOW,
          )
          .map((m) => m.sent_at.getTime());
        return times.length ? [(Math.min(...times) - start.getTime()) / MIN] : [];
      });
      const visibleLeads =
        scope.kind === "admin" ? leads : leads.filter((l) => l.bids.some((x) => x.contractor_id === scope.ownerId));
      const byStatus = Object.fromEntries(
        LEAD_STATUSES.map((s) => [s, visibleLeads.filter((l) => l.status === s).length]),
      );
      // revenue: per lead, the paid conversion's amount if it has one, else the booked one's
      const chosen = new Map<string, (typeof conversions)[number]>();
      for (const c of conversions.filter((c) => c.revenue_usd !== null && c.conversion_type !== "contacted")) {
        const prev = chosen.get(c.lead_id);
        if (!prev || (c.conversion_type === "paid" && prev.conversion_type !== "paid")) chosen.set(c.lead_id, c);
      }
      const starts = weekStarts(NOW, TZ, 12);
      const weeks = starts.map((start, i) => {
        const end = starts[i + 1] ?? new Date(NOW.getTime() + 1);
        const inWeek = [...chosen.values()].filter((c) => c.converted_at >= start && c.converted_at < end);
        return {
          week_start: localDate(start, TZ),
          revenue_usd: inWeek.reduce((s, c) => s + toCents(c.revenue_usd!), 0) / 100,
          conversions: inWeek.length,
        };
      });

      const k = await marketplaceKpis(w.prisma, scope, NOW, TZ, 12);
      expect(k).toEqual({
        timezone: TZ,
        won: won.length,
        contacted: contacted.length,
        contact_rate: contactRate(contacted.length, won.length),
        time_to_contact_minutes: {
          median: round1(percentile(ttc, 0.5)),
          p90: round1(percentile(ttc, 0.9)),
          count: contacted.length,
        },
        first_response_minutes: {
          median: round1(percentile(firstHuman, 0.5)),
          p90: round1(percentile(firstHuman, 0.9)),
          count: firstHuman.length,
        },
        spent_usd: contacted.reduce((s, x) => s + toCents(x.final_bid_amount), 0) / 100,
        leads_by_status: byStatus,
        revenue_per_week: weeks,
      });
      expect(won.length).toBeGreaterThan(5);
      expect(firstHuman.length).toBeGreaterThan(3);
      expect(weeks.some((x) => x.revenue_usd > 0)).toBe(true);
    });
  }

  it("first-response time ignores automated messages, time to contact does not", async () => {
    const c = await makeContractor(w.prisma);
    const lead = await makeLead(w.prisma);
    const opened = new Date(NOW.getTime() - 60 * MIN);
    await makeBid(w.prisma, {
      lead_id: lead.id,
      contractor_id: c.id,
      status: "WON",
      response_window_starts_at: opened,
      responded_at: new Date(opened.getTime() + MIN), // the auto-reply counted as contact
    });
    for (const [offset, automated] of [
      [1, true],
      [25, false],
    ] as const) {
      await w.prisma.message.create({
        data: {
          lead_id: lead.id,
          sender_id: c.id,
          is_automated: automated,
          message_text: "hello",
          sent_at: new Date(opened.getTime() + offset * MIN),
        },
      });
    }
    const k = await marketplaceKpis(w.prisma, { kind: "contractor", ownerId: c.id }, NOW, TZ);
    expect(k.time_to_contact_minutes).toEqual({ median: 1, p90: 1, count: 1 });
    expect(k.first_response_minutes).toEqual({ median: 25, p90: 25, count: 1 });
    expect(k.contact_rate).toBe(1);
  });
});
