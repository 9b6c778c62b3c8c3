/**
 * Segments against a real database: every filter's count and first page equal an independent
 * evaluation in JS over the same rows, always within the owner's customers, and hostile input
 * is rejected or matched as plain text — never executed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { validateFilter } from "../../core/segments/filter.js";
import { previewFilter, previewSegment, previewUnsaved } from "../../core/segments/segment.service.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import {
  makeContractor,
  makeCustomer,
  makeDeal,
  makeOpportunity,
  makePipeline,
  makeSegment,
} from "../support/factories.js";
import { matches } from "./reference.js";

const DAY = 86_400_000;
const NOW = new Date("2026-01-05T09:00:00.000Z");
const EVIL = "' OR 1=1 --";
let w: TestWorld;
let a: string;
let b: string;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

async function seedOwner(ownerId: string, n: number, seed: number) {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const ago = (maxDays: number) => new Date(NOW.getTime() - Math.floor(rnd() * maxDays * DAY));
  const pipeline = await makePipeline(w.prisma, { owner_id: ownerId });
  for (let i = 0; i < n; i++) {
    const c = await makeCustomer(w.prisma, {
      owner_id: ownerId,
      name:
        i === 0 ? "100% Pure Plumbing" : pick(["Anna Jensen", "Bo Hansen", "Carla Diaz", "Dan O'Brien", "Eve Stan"]),
      status: pick(["lead", "active", "churned"] as const),
      pipeline_status: pick(["lead", "invited", "qualified", "signed_up"] as const),
      lead_source: i === 1 ? EVIL : pick([null, "Google Ads", "google ads", "Referral", "Tech upsell"]),
      language_preference: pick(["en", "es", "da"]),
      preferred_contact_method: pick([null, "email", "sms", "whatsapp", "phone"] as const),
      property_city: pick([null, "Phoenix", "Mesa", "Tempe"]),
      property_zip: pick([null, "85004", "85201", "85281"]),
      created_at: ago(120),
      last_activity_at: ago(60),
      last_contacted_at: rnd() < 0.3 ? null : ago(90),
      next_action_date: rnd() < 0.4 ? null : new Date(NOW.getTime() + (rnd() - 0.5) * 20 * DAY),
      opted_out_at: rnd() < 0.2 ? ago(10) : null,
    });
    for (let k = Math.floor(rnd() * 3); k > 0; k--) {
      await w.prisma.appliance.create({
        data: {
          customer_id: c.id,
          type: "water_heater",
          install_date:
            rnd() < 0.2
              ? null
              : new Date(
                  `${ago(20 * 365)
                    .toISOString()
                    .slice(0, 10)}T00:00:00Z`,
                ),
          last_service_date: rnd() < 0.3 ? null : ago(3 * 365),
        },
      });
    }
    if (rnd() < 0.3) {
      await makeOpportunity(w.prisma, {
        owner_id: ownerId,
        customer_id: c.id,
        asset_age_years: (rnd() * 20).toFixed(2),
      });
    }
    for (let k = Math.floor(rnd() * 3); k > 0; k--) {
      await w.prisma.payment.create({
        data: { owner_id: ownerId, customer_id: c.id, amount: (rnd() * 800).toFixed(2), paid_at: ago(200) },
      });
    }
    for (let k = Math.floor(rnd() * 4); k > 0; k--) {
      await makeDeal(w.prisma, {
        customer_id: c.id,
        pipeline_id: pipeline.id,
        status: pick(["open", "won", "open"] as const),
      });
    }
  }
}

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  a = (await makeContractor(w.prisma)).id;
  b = (await makeContractor(w.prisma)).id;
  await seedOwner(a, 45, 11);
  await seedOwner(b, 25, 12);
});
afterAll(async () => w?.close());

async function customersOf(ownerId: string | null) {
  return w.prisma.customer.findMany({
    where: ownerId ? { owner_id: ownerId } : {},
    include: { appliances: true, opportunities: true, payments: true, deals: true },
  });
}

const FILTERS: unknown[] = [
  { all: [] },
  {
    all: [
      { field: "equipment_age", op: ">", value: 10 },
      { field: "last_service_date", op: "<", value: "-6 months" },
    ],
  },
  { field: "lead_source", op: "=", value: "google ads" },
  { field: "lead_source", op: "!=", value: "Referral" },
  { field: "lead_source", op: "in", value: ["Referral", "TECH UPSELL"] },
  { field: "lead_source", op: "is_null", value: false },
  {
    any: [
      { field: "status", op: "in", value: ["lead", "churned"] },
      { field: "opted_out", op: "=", value: true },
    ],
  },
  { field: "name", op: "contains", value: "an" },
  { field: "name", op: "contains", value: "%" },
  { field: "name", op: "contains", value: "O'B" },
  { field: "city", op: "is_null", value: true },
  {
    all: [
      { field: "zip", op: "=", value: "85004" },
      { field: "language_preference", op: "!=", value: "EN" },
    ],
  },
  { field: "total_revenue", op: ">=", value: 500 },
  { field: "total_revenue", op: "=", value: 0 },
  { field: "open_deals", op: ">=", value: 2 },
  { field: "open_deals", op: "=", value: 0 },
  { field: "equipment_age", op: "is_null", value: true },
  { field: "equipment_age", op: "<=", value: 5.5 },
  { field: "last_service_date", op: "is_null" },
  { field: "last_service_date", op: ">=", value: "2025-01-01" },
  { field: "created_at", op: ">=", value: "-14 days" },
  { field: "next_action_date", op: "<", value: "now" },
  { field: "last_contacted_at", op: "is_null", value: true },
  { field: "preferred_contact_method", op: "!=", value: "email" },
  { field: "pipeline_status", op: "=", value: "signed_up" },
  {
    all: [
      {
        any: [
          { field: "city", op: "=", value: "phoenix" },
          { field: "city", op: "=", value: "Mesa" },
        ],
      },
      {
        all: [
          {
            any: [
              { field: "open_deals", op: ">", value: 0 },
              { field: "total_revenue", op: ">", value: 300 },
            ],
          },
        ],
      },
    ],
  },
  { any: [] },
];

describe("segment preview equals an independent evaluation", () => {
  it("for every filter, per owner and for the whole platform", async () => {
    for (const owner of [a, b, null]) {
      const rows = await customersOf(owner);
      const ordered = [...rows].sort(
        (x, y) => y.created_at.getTime() - x.created_at.getTime() || (x.id < y.id ? -1 : 1),
      );
      for (const input of FILTERS) {
        const f = validateFilter(input);
        if (!f.ok) throw new Error(`${JSON.stringify(input)}: ${f.message}`);
        const expected = ordered.filter((c) => matches(f.value, c, NOW));
        const p = await previewFilter(w.prisma, owner, f.value, NOW);
        const label = `${owner ?? "all"} ${JSON.stringify(input)}`;
        expect(p.count, label).toBe(expected.length);
        expect(
          p.customers.map((c) => c.id),
          label,
        ).toEqual(expected.slice(0, 20).map((c) => c.id));
      }
    }
  });

  it("is selective: the filters do not all match everyone or no one", async () => {
    const counts = [];
    for (const input of FILTERS.slice(1, -1)) {
      const f = validateFilter(input);
      if (f.ok) counts.push((await previewFilter(w.prisma, a, f.value, NOW)).count);
    }
    expect(counts.filter((n) => n > 0 && n < 45).length).toBeGreaterThan(FILTERS.length / 2);
  });
});

describe("hostile input is never executed", () => {
  const scopeA = (): ApiScope => ({ kind: "contractor", ownerId: a });

  it("rejects malicious field names and leaves the customers table intact", async () => {
    const before = await w.prisma.customer.count();
    for (const field of ["name; DROP TABLE customers", "__proto__", "owner_id", "id) OR (1=1"]) {
      const r = await previewUnsaved(w.deps, scopeA(), { filter: { field, op: "=", value: "x" } });
      expect(r).toMatchObject({ ok: false, code: "VALIDATION_FAILED", details: [{ field: "filter.field" }] });
    }
    expect(await w.prisma.customer.count()).toBe(before);
  });

  it("matches a malicious value as plain text", async () => {
    const before = await w.prisma.customer.count();
    const r = await previewUnsaved(w.deps, scopeA(), { filter: { field: "lead_source", op: "=", value: EVIL } });
    // exactly the one customer whose lead source literally is that string, not everyone
    expect(r).toMatchObject({ ok: true, value: { count: 1 } });
    const drop = await previewUnsaved(w.deps, scopeA(), {
      filter: { field: "name", op: "contains", value: "'; DROP TABLE customers; --" },
    });
    expect(drop).toMatchObject({ ok: true, value: { count: 0, customers: [] } });
    const wildcard = await previewUnsaved(w.deps, scopeA(), { filter: { field: "name", op: "contains", value: "%" } });
    expect(wildcard).toMatchObject({ ok: true, value: { count: 1 } });
    expect(await w.prisma.customer.count()).toBe(before);
    expect((await w.prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM customers`)[0]?.n).toBe(
      before,
    );
  });
});

describe("owner scope", () => {
  it("a saved segment previews its owner's customers only; another contractor cannot see it", async () => {
    const segment = await makeSegment(w.prisma, { owner_id: a, filter: { all: [] } });
    const mine = await previewSegment(w.deps, { kind: "contractor", ownerId: a }, segment.id);
    expect(mine).toMatchObject({ ok: true, value: { count: 45 } });
    expect(await previewSegment(w.deps, { kind: "contractor", ownerId: b }, segment.id)).toMatchObject({
      ok: false,
      code: "NOT_FOUND",
    });
    expect(await previewSegment(w.deps, { kind: "admin" }, segment.id)).toMatchObject({
      ok: true,
      value: { count: 45 },
    });
  });

  it("an unsaved preview is AND-ed with the contractor's own customers", async () => {
    expect(await previewUnsaved(w.deps, { kind: "contractor", ownerId: b }, { filter: { all: [] } })).toMatchObject({
      ok: true,
      value: { count: 25 },
    });
    expect(
      await previewUnsaved(w.deps, { kind: "contractor", ownerId: b }, { filter: { all: [] }, owner_id: a }),
    ).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await previewUnsaved(w.deps, { kind: "admin" }, { filter: { all: [] } })).toMatchObject({
      ok: true,
      value: { count: 70 },
    });
    expect(await previewUnsaved(w.deps, { kind: "admin" }, { filter: { all: [] }, owner_id: b })).toMatchObject({
      ok: true,
      value: { count: 25 },
    });
  });

  it("re-validates a stored filter that no longer passes the whitelist", async () => {
    const segment = await makeSegment(w.prisma, { owner_id: a, filter: { field: "owner_id", op: "=", value: b } });
    expect(await previewSegment(w.deps, { kind: "contractor", ownerId: a }, segment.id)).toMatchObject({
      ok: false,
      code: "VALIDATION_FAILED",
    });
  });
});
