import type { CoreDeps } from "../context.js";
import { sendStep } from "./send.service.js";
import { nurtureStaleEstimates } from "./triggers.js";
import { parseNurturingKey, stepWakeKey } from "./wakeups.js";

/**
 * Handle one scheduler wake-up of the nurturing area (`seq:<sequenceEventId>` sends a step,
 * `nurture:stale-estimates` runs the stale-estimate sweep). The handlers re-read their rows, so
 * early, late, lost or doubled wake-ups are harmless. Returns false for other areas' keys.
 */
export async function handleNurturingWakeup(deps: CoreDeps, key: string): Promise<boolean> {
  const k = parseNurturingKey(key);
  if (!k) return false;
  if (k.kind === "step") await sendStep(deps, k.id);
  else await nurtureStaleEstimates(deps);
  return true;
}

/** Keys of every sequence step due at `now` on an active sequence (oldest first, at most `limit`). */
export async function dueNurturingKeys(deps: CoreDeps, now: Date, limit = 500): Promise<string[]> {
  const due = await deps.prisma.sequenceEvent.findMany({
    where: { status: "pending", scheduled_at: { lte: now }, sequence: { status: "active" } },
    orderBy: [{ scheduled_at: "asc" }, { step_number: "asc" }],
    select: { id: true },
    take: limit,
  });
  return due.map((e) => stepWakeKey(e.id));
}

/**
 * The nurturing reconciler: send every due step (a lost or flushed scheduler job is caught
 * here), then nurture stale estimates. Runs on the reconcile interval with the other areas.
 */
export async function reconcileNurturing(deps: CoreDeps): Promise<{ handled: number; nurtured: number }> {
  const keys = await dueNurturingKeys(deps, deps.clock.now());
  for (const key of keys) await handleNurturingWakeup(deps, key);
  const { nurtured } = await nurtureStaleEstimates(deps);
  return { handled: keys.length, nurtured };
}
