/** Scheduler keys of the nurturing area: `seq:<sequenceEventId>` and the stale-estimate sweep. */

/** The key that wakes the stale-estimate sweep (a cron may set it; the reconciler runs it anyway). */
export const STALE_ESTIMATES_KEY = "nurture:stale-estimates";

/** The key that wakes the sender of one sequence step. */
export function stepWakeKey(sequenceEventId: string): string {
  return `seq:${sequenceEventId}`;
}

/** Parse a nurturing key; null for keys of other areas. */
export function parseNurturingKey(key: string): { kind: "step"; id: string } | { kind: "stale_estimates" } | null {
  if (key === STALE_ESTIMATES_KEY) return { kind: "stale_estimates" };
  const m = /^seq:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(key);
  return m ? { kind: "step", id: (m[1] as string).toLowerCase() } : null;
}
