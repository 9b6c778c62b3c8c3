/**
 * Equipment forensics (seeds 000 and 004), the pure part: a Weibull survival model per appliance
 * type, shifted by what is known of the unit (months since its last service, water hardness,
 * brand), giving a 0–100 health score, a 12-month failure probability, an equivalent
 * ("biological") age and a verdict. The parameters are data (table `appliance_survival_models`
 * and the settings row `forensics.model`); docs/forensics.md has the formula and a worked
 * example that tests/service/forensics.test.ts checks to the digit.
 */
import { DateTime } from "luxon";

/** One appliance type's survival curve and how care and conditions shift it. */
export interface SurvivalParams {
  /** Weibull shape k (≥ 1: wear-out, the hazard grows with age). */
  shapeK: number;
  /** Weibull scale λ in years (the characteristic life: 63.2 % have failed by then). */
  scaleYears: number;
  /** How often the type should be serviced; longer than this without service is "overdue". */
  serviceIntervalMonths: number;
  /** Hazard added per year overdue (0.15 = +15 % per year without the service it needed). */
  neglectPerYear: number;
  /** Hazard added per grain per gallon above the hard-water threshold (0 for types water never touches). */
  hardnessPerGpg: number;
}

/** The rules shared by every type: thresholds, caps and brand factors. */
export interface ForensicsRules {
  /** 12-month failure probability from which the verdict is "replace". */
  replaceAtFailProbability: number;
  /** 12-month failure probability from which the verdict is at least "maintain". */
  maintainAtFailProbability: number;
  /** Water at or below this hardness (gpg) does no extra harm. */
  hardnessThresholdGpg: number;
  /** The neglect factor never exceeds this. */
  maxNeglectFactor: number;
  /** Hazard factor per brand (key: brandKey of the brand); unknown brands are 1. */
  brandFactors: Record<string, number>;
}

/** The defaults of the settings row `forensics.model` (the migration seeds the same values). */
export const DEFAULT_RULES: ForensicsRules = {
  replaceAtFailProbability: 0.25,
  maintainAtFailProbability: 0.1,
  hardnessThresholdGpg: 7,
  maxNeglectFactor: 3,
  brandFactors: {},
};

/** What is known of one appliance at `now`. */
export interface ApplianceFacts {
  ageYears: number;
  /** Months since its last service; null = never serviced (counted from installation). */
  monthsSinceService: number | null;
  /** Water hardness in grains per gallon, when known. */
  waterHardnessGpg: number | null;
  brand: string | null;
}

export type Verdict = "replace" | "maintain" | "monitor";

/** The forensic result, with the factors that produced it (shown to people as the "why"). */
export interface Forensics {
  /** round(100 · S(t)) — the share of such units still running at this unit's age, adjusted. */
  healthScore: number;
  /** 1 − S(t+1)/S(t), rounded to 4 decimals. */
  failProbability12m: number;
  /** The age at which an average unit of the type is as worn (t · m^(1/k)), rounded to 2 decimals. */
  bioAgeYears: number;
  verdict: Verdict;
  /** m = neglect × hardness × brand. */
  hazardMultiplier: number;
  factors: { neglect: number; hardness: number; brand: number };
  serviceOverdue: boolean;
}

const round = (x: number, places: number) => {
  const f = 10 ** places;
  return Math.round(x * f) / f;
};

/** A brand as a lookup key: "A. O. Smith" and "ao smith" are the same brand. */
export function brandKey(brand: string | null | undefined): string {
  return (brand ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Appliance types as people write them, mapped onto the model's type keys. */
const TYPE_ALIASES: Record<string, string> = {
  ac: "air_conditioner",
  a_c: "air_conditioner",
  central_ac: "air_conditioner",
  split_ac: "air_conditioner",
  air_conditioning: "air_conditioner",
  water_heater_tank: "water_heater",
  tank_water_heater: "water_heater",
  gas_water_heater: "water_heater",
  electric_water_heater: "water_heater",
  tankless: "tankless_water_heater",
  gas_furnace: "furnace",
  heatpump: "heat_pump",
};

/** The model key of an appliance type: lower case, words joined by "_", common aliases folded. */
export function applianceTypeKey(type: string): string {
  const k = type
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return TYPE_ALIASES[k] ?? k;
}

/** Weibull survival S(t) = exp(−m·(t/λ)^k): the share of units still running at age t. */
export function survival(p: Pick<SurvivalParams, "shapeK" | "scaleYears">, ageYears: number, m = 1): number {
  return Math.exp(-m * (Math.max(0, ageYears) / p.scaleYears) ** p.shapeK);
}

/**
 * The hazard multiplier m of a unit: neglect × hardness × brand. Neglect = 1 + neglectPerYear ×
 * years overdue (capped at maxNeglectFactor); a unit never serviced is overdue from installation.
 * Hardness = 1 + hardnessPerGpg × gpg above the threshold (1 when unknown). Brand = its factor, else 1.
 */
export function hazardFactors(
  p: SurvivalParams,
  rules: ForensicsRules,
  facts: ApplianceFacts,
): { neglect: number; hardness: number; brand: number; overdue: boolean } {
  const sinceService = facts.monthsSinceService ?? facts.ageYears * 12;
  const overdueMonths = Math.max(0, sinceService - p.serviceIntervalMonths);
  const neglect = Math.min(rules.maxNeglectFactor, 1 + (p.neglectPerYear * overdueMonths) / 12);
  const gpg = facts.waterHardnessGpg;
  const hardness = gpg == null ? 1 : 1 + p.hardnessPerGpg * Math.max(0, gpg - rules.hardnessThresholdGpg);
  const key = brandKey(facts.brand);
  const brand = key && Object.hasOwn(rules.brandFactors, key) ? (rules.brandFactors[key] ?? 1) : 1;
  return { neglect, hardness, brand, overdue: overdueMonths > 0 };
}

/**
 * Score one appliance. With m the hazard multiplier (proportional hazards on the type's Weibull
 * curve): health = round(100·S(t)), 12-month failure probability = 1 − S(t+1)/S(t), equivalent
 * age τ = t·m^(1/k) (the base curve's age with the same survival). Verdict: replace when the
 * 12-month failure probability reaches replaceAtFailProbability; maintain when it reaches
 * maintainAtFailProbability or the service is overdue (a service helps); else monitor.
 * Monotone: with the same type and history an older unit never scores healthier.
 */
export function assessAppliance(p: SurvivalParams, rules: ForensicsRules, facts: ApplianceFacts): Forensics {
  const f = hazardFactors(p, rules, facts);
  const m = f.neglect * f.hardness * f.brand;
  const t = Math.max(0, facts.ageYears);
  const sNow = survival(p, t, m);
  const sNext = survival(p, t + 1, m);
  const failProbability12m = round(sNow > 0 ? 1 - sNext / sNow : 1, 4);
  const verdict: Verdict =
    failProbability12m >= rules.replaceAtFailProbability
      ? "replace"
      : failProbability12m >= rules.maintainAtFailProbability || f.overdue
        ? "maintain"
        : "monitor";
  return {
    healthScore: Math.round(100 * sNow),
    failProbability12m,
    bioAgeYears: round(t * m ** (1 / p.shapeK), 2),
    verdict,
    hazardMultiplier: round(m, 4),
    factors: { neglect: round(f.neglect, 4), hardness: round(f.hardness, 4), brand: f.brand },
    serviceOverdue: f.overdue,
  };
}

/** Whole years between two instants as a decimal (calendar-aware: leap years count right). */
export function yearsBetween(from: Date, to: Date): number {
  return Math.max(0, DateTime.fromJSDate(to).diff(DateTime.fromJSDate(from), "years").years);
}

/** Months between two instants as a decimal. */
export function monthsBetween(from: Date, to: Date): number {
  return Math.max(0, DateTime.fromJSDate(to).diff(DateTime.fromJSDate(from), "months").months);
}

/**
 * What a new verdict starts: "replace" → a replacement opportunity, "maintain" → a maintenance
 * opportunity (its sequence is the customer's maintenance reminder), "monitor" → nothing. Only
 * when the verdict changed (a flip), and once per key: a replacement once per appliance, a
 * maintenance once per service cycle (the key names the last service, so servicing the unit
 * starts a new cycle).
 */
export function opportunityForVerdict(input: {
  applianceId: string;
  before: string | null;
  after: Verdict;
  lastServiceDate: Date | null;
}): { opportunityType: "replacement" | "maintenance"; dedupeKey: string } | null {
  if (input.before === input.after || input.after === "monitor") return null;
  if (input.after === "replace")
    return { opportunityType: "replacement", dedupeKey: `forensics:${input.applianceId}:replace` };
  const cycle = input.lastServiceDate ? input.lastServiceDate.toISOString().slice(0, 10) : "never";
  return { opportunityType: "maintenance", dedupeKey: `forensics:${input.applianceId}:maintain:${cycle}` };
}

/** Priority of a forensic opportunity from its 12-month failure probability (seed 000's scale). */
export function priorityFor(failProbability12m: number): "critical" | "high" | "medium" | "low" {
  if (failProbability12m >= 0.5) return "critical";
  if (failProbability12m >= 0.25) return "high";
  if (failProbability12m >= 0.1) return "medium";
  return "low";
}
