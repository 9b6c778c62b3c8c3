/**
 * Equipment forensics, the use cases: score one appliance now (the API), and the daily refresh
 * (the reconciler). The scores are stored on the appliance; a verdict that flips to "replace" or
 * "maintain" creates one opportunity (a unique dedupe key) in the same transaction, and its
 * sequence is enrolled once after commit (opportunity-nurture.ts nurtureOpportunity).
 */
import { z } from "zod";
import type { Appliance, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { notFound } from "../crm/owned.js";
import type { Db } from "../db.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";
import {
  type ApplianceFacts,
  applianceTypeKey,
  assessAppliance,
  brandKey,
  DEFAULT_RULES,
  type Forensics,
  type ForensicsRules,
  monthsBetween,
  opportunityForVerdict,
  priorityFor,
  type SurvivalParams,
  yearsBetween,
} from "./forensics.js";
import { opportunityRow } from "./opportunity-input.js";
import { insertOpportunity } from "./opportunity-insert.js";
import { nurtureOpportunity, reconcileOpportunities } from "./opportunity-nurture.js";

/** Scores are refreshed once a day: an appliance is due 24 hours after `health_computed_at`. */
export const FORENSICS_REFRESH_MS = 24 * 60 * 60_000;
/** The settings row holding the shared rules (thresholds, caps, brand factors). */
export const FORENSICS_SETTING = "forensics.model";

/** The model as stored: a curve per appliance type and the shared rules. */
export interface ForensicsModel {
  types: Map<string, SurvivalParams & { label: string }>;
  rules: ForensicsRules;
}

const rulesSchema = z
  .object({
    replaceAtFailProbability: z.number().gt(0).max(1),
    maintainAtFailProbability: z.number().gt(0).max(1),
    hardnessThresholdGpg: z.number().min(0).max(100),
    maxNeglectFactor: z.number().min(1).max(20),
    brandFactors: z.record(z.string(), z.number().gt(0).max(10)),
  })
  .partial();

/**
 * Read the model: every row of `appliance_survival_models` and the `forensics.model` settings
 * row over DEFAULT_RULES (a malformed row is ignored with a warning rather than stopping scores).
 */
export async function loadForensicsModel(deps: Pick<CoreDeps, "log">, db: Db): Promise<ForensicsModel> {
  const [rows, setting] = await Promise.all([
    db.applianceSurvivalModel.findMany(),
    db.setting.findUnique({ where: { key: FORENSICS_SETTING } }),
  ]);
  const types = new Map(
    rows.map((r) => [
      r.appliance_type,
      {
        label: r.label,
        shapeK: Number(r.shape_k),
        scaleYears: Number(r.scale_years),
        serviceIntervalMonths: r.service_interval_months,
        neglectPerYear: Number(r.neglect_per_year),
        hardnessPerGpg: Number(r.hardness_per_gpg),
      },
    ]),
  );
  const parsed = setting ? rulesSchema.safeParse(setting.value) : null;
  if (parsed && !parsed.success) deps.log.warn(`settings ${FORENSICS_SETTING} is malformed; using the defaults`);
  const over = parsed?.success ? parsed.data : {};
  const brandFactors = Object.fromEntries(Object.entries(over.brandFactors ?? {}).map(([b, f]) => [brandKey(b), f]));
  return { types, rules: { ...DEFAULT_RULES, ...over, brandFactors } };
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null);

/** Water hardness where known: the appliance's own forensic inputs, else the customer's latest opportunity's. */
function hardnessOf(appliance: Appliance, opportunityInputs: Prisma.JsonValue[]): number | null {
  const own = num((appliance.forensic_inputs as Record<string, unknown> | null)?.water_hardness_gpg);
  if (own !== null) return own;
  for (const inputs of opportunityInputs) {
    const gpg = num((inputs as Record<string, unknown> | null)?.water_hardness_gpg);
    if (gpg !== null) return gpg;
  }
  return null;
}

/** The facts the model needs from an appliance at `now`; null when its age is unknown. */
export function factsOfAppliance(appliance: Appliance, opportunityInputs: Prisma.JsonValue[], now: Date) {
  if (!appliance.install_date || appliance.install_date > now) return null;
  const facts: ApplianceFacts = {
    ageYears: yearsBetween(appliance.install_date, now),
    monthsSinceService: appliance.last_service_date ? monthsBetween(appliance.last_service_date, now) : null,
    waterHardnessGpg: hardnessOf(appliance, opportunityInputs),
    brand: appliance.brand,
  };
  return facts;
}

/** What scoring one appliance did. */
export interface ScoreOutcome {
  appliance: Appliance;
  forensics: Forensics | null;
  /** Why there is no score: the type has no curve, or the install date is unknown. */
  unscored?: string;
  opportunity: { id: string; created: boolean; type: string } | null;
}

/**
 * Score one appliance inside the caller's transaction (row locked): store health, failure
 * probability, equivalent age, verdict and `health_computed_at`; on a flip to replace/maintain
 * insert the opportunity once (its forensic columns filled) and, for maintain, set
 * `maintenance_due_at` when none is set. An appliance that cannot be scored is stamped too, so
 * the daily refresh does not retry it every few seconds.
 */
async function scoreInTx(tx: Db, model: ForensicsModel, applianceId: string, now: Date): Promise<ScoreOutcome | null> {
  await tx.$queryRaw`SELECT id FROM appliances WHERE id = ${applianceId}::uuid FOR UPDATE`;
  const appliance = await tx.appliance.findUnique({
    where: { id: applianceId },
    include: {
      customer: {
        include: { opportunities: { orderBy: { created_at: "desc" }, take: 10, select: { forensic_inputs: true } } },
      },
    },
  });
  if (!appliance) return null;
  const { customer, ...row } = appliance;
  const params = model.types.get(applianceTypeKey(row.type));
  const facts = factsOfAppliance(
    row,
    customer.opportunities.map((o) => o.forensic_inputs),
    now,
  );
  if (!params || !facts) {
    const updated = await tx.appliance.update({
      where: { id: row.id },
      data: { health_score: null, fail_probability: null, bio_age_years: null, verdict: null, health_computed_at: now },
    });
    const unscored = params ? "the install date is unknown" : `no survival model for type "${row.type}"`;
    return { appliance: updated, forensics: null, unscored, opportunity: null };
  }
  const f = assessAppliance(params, model.rules, facts);
  const flip = opportunityForVerdict({
    applianceId: row.id,
    before: row.verdict,
    after: f.verdict,
    lastServiceDate: row.last_service_date,
  });
  const updated = await tx.appliance.update({
    where: { id: row.id },
    data: {
      health_score: f.healthScore,
      fail_probability: f.failProbability12m.toFixed(4),
      bio_age_years: f.bioAgeYears.toFixed(2),
      verdict: f.verdict,
      health_computed_at: now,
      ...(flip?.opportunityType === "maintenance" && !row.maintenance_due_at ? { maintenance_due_at: now } : {}),
    },
  });
  if (!flip) return { appliance: updated, forensics: f, opportunity: null };
  const inputs = {
    ...((row.forensic_inputs as Record<string, Prisma.InputJsonValue> | null) ?? {}),
    appliance_type: applianceTypeKey(row.type),
    age_years: Math.round(facts.ageYears * 100) / 100,
    months_since_service: facts.monthsSinceService === null ? null : Math.round(facts.monthsSinceService * 10) / 10,
    water_hardness_gpg: facts.waterHardnessGpg,
    hazard_multiplier: f.hazardMultiplier,
  };
  const { opportunity, created } = await insertOpportunity(
    tx,
    opportunityRow(customer, {
      type: flip.opportunityType,
      source: "forensics",
      asset: { brand: row.brand, ageYears: facts.ageYears, applianceId: row.id },
      priority: priorityFor(f.failProbability12m),
      forensicInputs: inputs,
      forensics: {
        healthScore: f.healthScore,
        bioAgeYears: f.bioAgeYears,
        failProbability: f.failProbability12m,
        verdict: f.verdict,
      },
      dedupeKey: flip.dedupeKey,
      now,
    }),
  );
  return {
    appliance: updated,
    forensics: f,
    opportunity: { id: opportunity.id, created, type: flip.opportunityType },
  };
}

/**
 * Score one appliance the scope sees now (POST /appliances/:id/forensics), whatever its
 * deadline; another owner's appliance is 404. A flip's opportunity is enrolled after commit.
 */
export async function refreshApplianceHealth(
  deps: CoreDeps,
  scope: ApiScope,
  applianceId: string,
): Promise<Result<ScoreOutcome>> {
  const visible = isUuid(applianceId)
    ? await deps.prisma.appliance.findFirst({
        where: { id: applianceId, customer: ownedBy(scope) },
        select: { id: true },
      })
    : null;
  if (!visible) return notFound("appliance");
  const model = await loadForensicsModel(deps, deps.prisma);
  const r = await transact(deps, async ({ tx, now }) => {
    const out = await scoreInTx(tx, model, applianceId, now);
    return out ? ok(out) : notFound("appliance");
  });
  if (r.ok && r.value.opportunity?.created) await nurtureOpportunity(deps, r.value.opportunity.id);
  return r;
}

/** Appliances whose daily score is due at `now`: never scored, or scored 24 hours ago or more. */
function dueWhere(now: Date): Prisma.ApplianceWhereInput {
  return {
    OR: [{ health_computed_at: null }, { health_computed_at: { lte: new Date(now.getTime() - FORENSICS_REFRESH_MS) } }],
  };
}

/**
 * The daily refresh, run by the reconciler: every appliance whose score is due is claimed with
 * a conditional update of its deadline column (`health_computed_at`) in the transaction that
 * scores it, so two reconcilers, a rerun or a restart neither skip nor double a day; then the
 * new opportunities are enrolled, and any opportunity whose enrolment a crash interrupted.
 */
export async function reconcileForensics(deps: CoreDeps, limit = 200): Promise<{ handled: number; opened: number }> {
  const now = deps.clock.now();
  const due = await deps.prisma.appliance.findMany({
    where: dueWhere(now),
    orderBy: [{ health_computed_at: { sort: "asc", nulls: "first" } }, { id: "asc" }],
    select: { id: true },
    take: limit,
  });
  let opened = 0;
  if (due.length > 0) {
    const model = await loadForensicsModel(deps, deps.prisma);
    for (const { id } of due) {
      const r = await transact(deps, async ({ tx, now: at }) => {
        const claimed = await tx.appliance.updateMany({
          where: { id, ...dueWhere(at) },
          data: { health_computed_at: at },
        });
        if (claimed.count !== 1) return ok(null);
        return ok(await scoreInTx(tx, model, id, at));
      });
      const opp = r.ok ? r.value?.opportunity : null;
      if (opp?.created) {
        opened += 1;
        await nurtureOpportunity(deps, opp.id);
      }
    }
  }
  await reconcileOpportunities(deps);
  return { handled: due.length, opened };
}
