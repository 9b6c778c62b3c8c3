import type { CoreDeps } from "./context.js";
import { handleCrmWakeup, reconcileCrm } from "./crm/deadlines.js";
import { handleMarketplaceWakeup, reconcileMarketplace } from "./marketplace/deadlines.js";
import { reconcileMorningSummaries } from "./nba/morning-summary.service.js";
import { handleNurturingWakeup, reconcileNurturing } from "./nurturing/deadlines.js";

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
  const morning = await reconcileMorningSummaries(deps);
  return { handled: m.handled + crm.handled + n.handled + morning.handled, archived: m.archived };
}
