import { reconcileAiSchedules } from "./ai/schedules.service.js";
import type { CoreDeps } from "./context.js";
import { handleCrmWakeup, reconcileCrm } from "./crm/deadlines.js";
import { handleMarketplaceWakeup, reconcileMarketplace } from "./marketplace/deadlines.js";
import { reconcileMorningSummaries } from "./nba/morning-summary.service.js";
import { handleNurturingWakeup, reconcileNurturing } from "./nurturing/deadlines.js";
import { reconcileForensics } from "./service/forensics.service.js";
import { reconcileSurveys } from "./service/survey.service.js";

/** Each area owns its wake-up keys; the first that recognises a key handles it. */
const AREAS = [handleMarketplaceWakeup, handleCrmWakeup, handleNurturingWakeup];

/**
 * Route a scheduler wake-up to the area that owns its key. Unknown keys are logged and
 * dropped (a stale job from an older version must not crash the worker).
 */
export async function handleWakeup(deps: CoreDeps, key: string): Promise<void> {
  for (const handle of AREAS) if (await handle(deps, key)) return;
  deps.log.warn(`unknown wake-up key ${key}`);
}

/** Sweep every area's due rows; the safety net under the scheduler. */
export async function reconcileAll(deps: CoreDeps): Promise<{ handled: number; archived: number }> {
  const m = await reconcileMarketplace(deps);
  const crm = await reconcileCrm(deps);
  const n = await reconcileNurturing(deps);
  // AI layer: the day's follow-up and greeting drafts (once per UTC day), before the morning summaries show them.
  const ai = await reconcileAiSchedules(deps);
  const morning = await reconcileMorningSummaries(deps);
  // Service area: the daily equipment-forensics refresh (deadline column appliances.health_computed_at)
  // and post-service surveys (jobs.survey_sent_at), both claimed with conditional updates.
  const forensics = await reconcileForensics(deps);
  const surveys = await reconcileSurveys(deps);
  const handled =
    m.handled + crm.handled + n.handled + ai.handled + morning.handled + forensics.handled + surveys.handled;
  return { handled, archived: m.archived };
}
