import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreDeps } from "../../core/context.js";
import {
  type ApplianceFacts,
  applianceTypeKey,
  assessAppliance,
  brandKey,
  DEFAULT_RULES,
  type SurvivalParams,
} from "../../core/service/forensics.js";
import { loadForensicsModel, reconcileForensics } from "../../core/service/forensics.service.js";
import { reconcileAll } from "../../core/wakeups.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeSequenceTemplate } from "../support/factories.js";
import { RecordingScheduler } from "../support/scheduler.js";

const DAY = 86_400_000;
const YEAR = 365.25 * DAY;
const WATER_HEATER: SurvivalParams = {
  shapeK: 3,
  scaleYears: 12.5,
  serviceIntervalMonths: 12,
  neglectPerYear: 0.15,
  hardnessPerGpg: 0.04,
};
const AIR_CONDITIONER: SurvivalParams = { ...WATER_HEATER, scaleYears: 16, hardnessPerGpg: 0 };

describe("the survival model (docs/forensics.md)", () => {
  // Each row is the docs' table, computed by hand there: type, age, months since service, gpg → m, health, P12, τ, verdict.
  const table: Array<[SurvivalParams, ApplianceFacts, number, number, number, number, string]> = [
    [
      WATER_HEATER,
      { ageYears: 10, monthsSinceService: 30, waterHardnessGpg: 19, brand: null },
      1.813,
      40,
      0.2645,
      12.19,
      "replace",
    ],
    [
      WATER_HEATER,
      { ageYears: 10, monthsSinceService: 1, waterHardnessGpg: 5, brand: null },
      1,
      60,
      0.1559,
      10,
      "maintain",
    ],
    [
      WATER_HEATER,
      { ageYears: 2, monthsSinceService: 6, waterHardnessGpg: null, brand: null },
      1,
      100,
      0.0097,
      2,
      "monitor",
    ],
    [
      WATER_HEATER,
      { ageYears: 8, monthsSinceService: 3, waterHardnessGpg: 5, brand: null },
      1,
      77,
      0.1052,
      8,
      "maintain",
    ],
    [
      AIR_CONDITIONER,
      { ageYears: 11, monthsSinceService: 10, waterHardnessGpg: 19, brand: null },
      1,
      72,
      0.0924,
      11,
      "monitor",
    ],
    [
      AIR_CONDITIONER,
      { ageYears: 14, monthsSinceService: null, waterHardnessGpg: null, brand: null },
      2.95,
      14,
      0.3652,
      20.08,
      "replace",
    ],
    [
      AIR_CONDITIONER,
      { ageYears: 5, monthsSinceService: 6, waterHardnessGpg: null, brand: null },
      1,
      97,
      0.022,
      5,
      "monitor",
    ],
  ];

  it.each(table)("case %#: equals the hand-computed values", (params, facts, m, health, p12, tau, verdict) => {
    const f = assessAppliance(params, DEFAULT_RULES, facts);
    expect(f.hazardMultiplier).toBeCloseTo(m, 4);
    expect(f.healthScore).toBe(health);
    expect(f.failProbability12m).toBe(p12);
    expect(f.bioAgeYears).toBe(tau);
    expect(f.verdict).toBe(verdict);
  });

  it("the worked example step by step: neglect 1.225 × hardness 1.48, and a brand factor shifts it further", () => {
    const facts = { ageYears: 10, monthsSinceService: 30, waterHardnessGpg: 19, brand: "A. O. Smith" };
    const plain = assessAppliance(WATER_HEATER, DEFAULT_RULES, facts);
    expect(plain.factors).toEqual({ neglect: 1.225, hardness: 1.48, brand: 1 });
    expect(plain.serviceOverdue).toBe(true);
    const rules = { ...DEFAULT_RULES, brandFactors: { [brandKey("ao smith")]: 1.2 } };
    const branded = assessAppliance(WATER_HEATER, rules, facts);
    expect(branded.factors.brand).toBe(1.2);
    expect(branded.healthScore).toBeLessThan(plain.healthScore);
    expect(branded.bioAgeYears).toBeGreaterThan(plain.bioAgeYears);
    // The neglect factor is capped.
    const never = assessAppliance(WATER_HEATER, DEFAULT_RULES, { ...facts, ageYears: 40, monthsSinceService: null });
    expect(never.factors.neglect).toBe(DEFAULT_RULES.maxNeglectFactor);
  });

  it("appliance types and brands are matched loosely", () => {
    expect(applianceTypeKey("Water Heater")).toBe("water_heater");
    expect(applianceTypeKey("AC")).toBe("air_conditioner");
    expect(applianceTypeKey("split-AC")).toBe("air_conditioner");
    expect(applianceTypeKey("Heat pump")).toBe("heat_pump");
    expect(brandKey("A. O. Smith")).toBe(brandKey("ao smith"));
  });

  it("an older appliance never scores healthier than a newer one of the same type and history (property)", () => {
    const params = fc.record({
      shapeK: fc.double({ min: 1, max: 6, noNaN: true }),
      scaleYears: fc.double({ min: 3, max: 40, noNaN: true }),
      serviceIntervalMonths: fc.integer({ min: 1, max: 36 }),
      neglectPerYear: fc.double({ min: 0, max: 1, noNaN: true }),
      hardnessPerGpg: fc.double({ min: 0, max: 0.2, noNaN: true }),
    });
    const history = fc.record({
      monthsSinceService: fc.option(fc.double({ min: 0, max: 240, noNaN: true })),
      waterHardnessGpg: fc.option(fc.double({ min: 0, max: 40, noNaN: true })),
      brand: fc.constantFrom(null, "Rheem", "Goodman"),
    });
    fc.assert(
      fc.property(
        params,
        history,
        fc.double({ min: 0, max: 40, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (p, h, younger, gap) => {
          const rules = { ...DEFAULT_RULES, brandFactors: { goodman: 1.1 } };
          const newer = assessAppliance(p, rules, { ...h, ageYears: younger });
          const older = assessAppliance(p, rules, { ...h, ageYears: younger + gap });
          expect(older.healthScore).toBeLessThanOrEqual(newer.healthScore);
          expect(older.failProbability12m).toBeGreaterThanOrEqual(newer.failProbability12m);
          expect(older.bioAgeYears).toBeGreaterThanOrEqual(newer.bioAgeYears);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("the daily refresh (real database)", () => {
  let w: TestWorld;
  let owner: string;

  beforeAll(async () => {
    w = await createWorld();
    w.clock.set("2026-01-07T18:00:00.000Z");
    owner = (await makeContractor(w.prisma)).id;
    await makeSequenceTemplate(w.prisma, { name: "replacement_urgent", trigger_type: "replacement" });
    await makeSequenceTemplate(w.prisma, { name: "maintenance", trigger_type: "maintenance" });
  });
  afterAll(async () => {
    await w?.close();
  });

  const ago = (ms: number) => new Date(w.clock.now().getTime() - ms);

  it("reads the parameters from the table and the settings row the migration seeded", async () => {
    const model = await loadForensicsModel(w.deps, w.prisma);
    expect(model.types.get("water_heater")).toMatchObject({ shapeK: 3, scaleYears: 12.5, hardnessPerGpg: 0.04 });
    expect([...model.types.keys()].sort()).toEqual(
      ["air_conditioner", "boiler", "furnace", "heat_pump", "tankless_water_heater", "water_heater"].sort(),
    );
    expect(model.rules).toEqual(DEFAULT_RULES);
    // Tuning is data: a row edit changes the next score.
    await w.prisma.setting.update({
      where: { key: "forensics.model" },
      data: { value: { ...DEFAULT_RULES, brandFactors: { "Bradford White": 0.9 } } },
    });
    expect((await loadForensicsModel(w.deps, w.prisma)).rules.brandFactors).toEqual({ bradfordwhite: 0.9 });
    await w.prisma.setting.update({ where: { key: "forensics.model" }, data: { value: { ...DEFAULT_RULES } } });
  });

  it("a flip to replace creates one opportunity and enrols one sequence, however often the job runs", async () => {
    const customer = await makeCustomer(w.prisma, {
      owner_id: owner,
      name: "Ruth Whitaker",
      property_address: "12 E Palm Ln",
      property_city: "Phoenix",
    });
    const appliance = await w.prisma.appliance.create({
      data: {
        customer_id: customer.id,
        type: "Water heater",
        brand: "Rheem",
        install_date: ago(10 * YEAR),
        last_service_date: ago(30 * 30.44 * DAY),
        forensic_inputs: { water_hardness_gpg: 19 },
      },
    });
    const healthy = await w.prisma.appliance.create({
      data: {
        customer_id: customer.id,
        type: "air_conditioner",
        install_date: ago(2 * YEAR),
        last_service_date: ago(60 * DAY),
      },
    });
    const unknownType = await w.prisma.appliance.create({
      data: { customer_id: customer.id, type: "garage door", install_date: ago(3 * YEAR) },
    });

    // The reconciler runs it (registered in reconcileAll), three times in a row.
    for (let i = 0; i < 3; i++) await reconcileAll(w.deps);
    // A "restart": a new process is new deps on the same database, with nothing in memory.
    const restarted: CoreDeps = { ...w.deps, scheduler: new RecordingScheduler() };
    await reconcileForensics(restarted);
    await reconcileForensics(restarted);

    const scored = await w.prisma.appliance.findUniqueOrThrow({ where: { id: appliance.id } });
    expect(scored.health_score).toBeGreaterThanOrEqual(39);
    expect(scored.health_score).toBeLessThanOrEqual(41);
    expect(scored.verdict).toBe("replace");
    expect(Number(scored.fail_probability)).toBeGreaterThan(0.25);
    expect(Number(scored.bio_age_years)).toBeGreaterThan(12);
    expect(scored.health_computed_at?.toISOString()).toBe(w.clock.now().toISOString());
    const other = await w.prisma.appliance.findUniqueOrThrow({ where: { id: healthy.id } });
    expect(other.verdict).toBe("monitor");
    const unscored = await w.prisma.appliance.findUniqueOrThrow({ where: { id: unknownType.id } });
    expect(unscored.health_score).toBeNull();
    expect(unscored.health_computed_at).not.toBeNull();

    const opps = await w.prisma.opportunity.findMany({ where: { customer_id: customer.id } });
    expect(opps).toHaveLength(1);
    const [opp] = opps;
    expect(opp).toMatchObject({
      opportunity_type: "replacement",
      source: "forensics",
      appliance_id: appliance.id,
      customer_name: "Ruth Whitaker",
      property_address: "12 E Palm Ln",
      asset_brand: "Rheem",
      verdict_action: "replace",
      health_score: scored.health_score,
      status: "nurturing",
      priority: "high",
    });
    expect(Number(opp?.fail_probability)).toBe(Number(scored.fail_probability));
    expect(Number(opp?.est_value_usd)).toBe(18000);
    expect((opp?.forensic_inputs as Record<string, unknown> | undefined)?.water_hardness_gpg).toBe(19);
    const seqs = await w.prisma.nurturingSequence.findMany({ where: { customer_id: customer.id } });
    expect(seqs).toHaveLength(1);
    expect(seqs[0]).toMatchObject({ opportunity_id: opp?.id, sequence_type: "replacement_urgent" });

    // A day later the scores are refreshed (due again), the verdict stays: nothing new.
    w.clock.advance(DAY + 1000);
    await reconcileAll(w.deps);
    await reconcileAll(restarted);
    const refreshed = await w.prisma.appliance.findUniqueOrThrow({ where: { id: appliance.id } });
    expect(refreshed.health_computed_at?.toISOString()).toBe(w.clock.now().toISOString());
    expect(await w.prisma.opportunity.count({ where: { customer_id: customer.id } })).toBe(1);
    expect(await w.prisma.nurturingSequence.count({ where: { customer_id: customer.id } })).toBe(1);

    // Even if something cleared the stored verdict (a flip back and forth), the key keeps it to one.
    await w.prisma.appliance.update({ where: { id: appliance.id }, data: { verdict: null, health_computed_at: null } });
    await reconcileAll(w.deps);
    expect(await w.prisma.opportunity.count({ where: { customer_id: customer.id } })).toBe(1);
    expect(await w.prisma.nurturingSequence.count({ where: { customer_id: customer.id } })).toBe(1);
  });

  it("a flip to maintain creates a maintenance opportunity once per service cycle and sets maintenance_due_at", async () => {
    const customer = await makeCustomer(w.prisma, { owner_id: owner });
    const ac = await w.prisma.appliance.create({
      data: {
        customer_id: customer.id,
        type: "AC",
        install_date: ago(5 * YEAR),
        last_service_date: ago(20 * 30.44 * DAY),
      },
    });
    await reconcileAll(w.deps);
    await reconcileAll(w.deps);
    const scored = await w.prisma.appliance.findUniqueOrThrow({ where: { id: ac.id } });
    expect(scored.verdict).toBe("maintain");
    expect(scored.maintenance_due_at?.toISOString()).toBe(w.clock.now().toISOString());
    const opps = await w.prisma.opportunity.findMany({ where: { appliance_id: ac.id } });
    expect(opps.map((o) => o.opportunity_type)).toEqual(["maintenance"]);
    expect(await w.prisma.nurturingSequence.count({ where: { opportunity_id: opps[0]?.id } })).toBe(1);

    // Serviced today → monitor; a year and a half later it is overdue again → a new cycle, one more.
    await w.prisma.appliance.update({
      where: { id: ac.id },
      data: { last_service_date: w.clock.now(), maintenance_due_at: null, health_computed_at: null },
    });
    await reconcileAll(w.deps);
    expect((await w.prisma.appliance.findUniqueOrThrow({ where: { id: ac.id } })).verdict).toBe("monitor");
    w.clock.advance(540 * DAY);
    await reconcileAll(w.deps);
    await reconcileAll(w.deps);
    expect(await w.prisma.opportunity.count({ where: { appliance_id: ac.id, opportunity_type: "maintenance" } })).toBe(
      2,
    );
  });

  it("an opportunity whose enrolment a crash interrupted is enrolled by the reconciler, once", async () => {
    const customer = await makeCustomer(w.prisma, { owner_id: owner });
    const opp = await w.prisma.opportunity.create({
      data: {
        owner_id: owner,
        customer_id: customer.id,
        customer_name: customer.name,
        property_address: "",
        property_city: "",
        property_zip: "",
        opportunity_type: "replacement",
        priority: "high",
        asset_brand: "Rheem",
        asset_age_years: "12.00",
        source: "forensics",
      },
    });
    for (let i = 0; i < 3; i++) await reconcileAll(w.deps);
    expect(await w.prisma.nurturingSequence.count({ where: { opportunity_id: opp.id } })).toBe(1);
    const after = await w.prisma.opportunity.findUniqueOrThrow({ where: { id: opp.id } });
    expect(after.nurture_checked_at).not.toBeNull();
    expect(after.status).toBe("nurturing");
  });
});
