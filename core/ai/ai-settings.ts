/**
 * Per-feature on/off switches of the AI layer (the panel's AI page), kept in one settings row
 * (`ai.features`: `{ feature: false }` for each feature switched off; absent = on). A feature
 * switched off never calls the model: it answers from its rules, as with no model configured.
 */
import { z } from "zod";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { transact } from "../service.js";
import { FEATURE_SCHEMAS, type FeatureKey } from "./schemas.js";

/** The settings row holding the switches. */
export const AI_FEATURES_SETTING = "ai.features";

/** Every switchable feature (the prompt keys), in the panel's order, with what it does. */
export const AI_FEATURE_LABELS: Readonly<Record<FeatureKey, string>> = {
  timeline_summary: "Timeline summary (API, chat /summary)",
  followup_suggestions: "Follow-up suggestions (API, daily drafts)",
  generate_greeting: "Greetings (API, occasion drafts)",
  analyze_sentiment: "Sentiment analysis (API)",
  profitability_analysis: "Profitability analysis (API)",
  predict_maintenance: "Predictive maintenance (API)",
  match_technician: "Technician matching (API)",
  generate_survey: "Post-service survey (API)",
  nba: "Next best action phrasing (API)",
  reply_draft: "Suggest reply (chat)",
  coaching: "Daily method coaching (dashboard, morning summary)",
};

export const AI_FEATURES = Object.keys(FEATURE_SCHEMAS) as FeatureKey[];

const switchesSchema = z.record(z.string(), z.boolean());

/** The switches as stored: every feature, true unless switched off. */
export async function aiFeatureSwitches(db: Db): Promise<Record<FeatureKey, boolean>> {
  const row = await db.setting.findUnique({ where: { key: AI_FEATURES_SETTING } });
  const parsed = row ? switchesSchema.safeParse(row.value) : null;
  const stored = parsed?.success ? parsed.data : {};
  return Object.fromEntries(AI_FEATURES.map((f) => [f, stored[f] !== false])) as Record<FeatureKey, boolean>;
}

/** May `feature` use the model? True unless an admin switched it off (unknown features: true). */
export async function aiFeatureEnabled(db: Db, feature: string): Promise<boolean> {
  const row = await db.setting.findUnique({ where: { key: AI_FEATURES_SETTING } });
  const parsed = row ? switchesSchema.safeParse(row.value) : null;
  return !(parsed?.success && parsed.data[feature] === false);
}

/**
 * Switch one feature's model use on or off, audited in the same transaction. A switch to the
 * state it already has writes nothing (no audit row for a non-change).
 */
export async function setAiFeature(
  deps: CoreDeps,
  feature: string,
  enabled: boolean,
  actor: AuditActor,
): Promise<Result<{ feature: FeatureKey; enabled: boolean; changed: boolean }>> {
  if (!(AI_FEATURES as string[]).includes(feature)) {
    return fail("VALIDATION_FAILED", `unknown AI feature "${feature.slice(0, 60)}"`, [{ field: "feature" }]);
  }
  const key = feature as FeatureKey;
  return transact(deps, async ({ tx, now }) => {
    const before = await aiFeatureSwitches(tx);
    if (before[key] === enabled) return ok({ feature: key, enabled, changed: false as boolean });
    const off = Object.fromEntries(
      AI_FEATURES.filter((f) => (f === key ? !enabled : !before[f])).map((f) => [f, false]),
    );
    await tx.setting.upsert({
      where: { key: AI_FEATURES_SETTING },
      create: { key: AI_FEATURES_SETTING, value: off, updated_at: now },
      update: { value: off, updated_at: now },
    });
    await writeAudit(tx, {
      actor,
      action: enabled ? "ai.feature_enabled" : "ai.feature_disabled",
      entityType: "setting",
      entityId: AI_FEATURES_SETTING,
      before: { [key]: before[key] },
      after: { [key]: enabled },
      at: now,
    });
    return ok({ feature: key, enabled, changed: true as boolean });
  });
}
