import type { CoreDeps } from "./context.js";
import { handleMarketplaceWakeup, reconcileMarketplace } from "./marketplace/deadlines.js";

/**
 * Route a scheduler wake-up to the area that owns its key. Unknown keys are logged and
 * dropped (a stale job from an older version must not crash the worker).
 */
export async function handleWakeup(deps: CoreDeps, key: string): Promise<void> {
  if (await handleMarketplaceWakeup(deps, key)) return;
  deps.log.warn(`unknown wake-up key ${key}`);
}

/** Sweep every area's due rows; the safety net under the scheduler. */
export async function reconcileAll(deps: CoreDeps): Promise<{ handled: number; archived: number }> {
  return reconcileMarketplace(deps);
}
