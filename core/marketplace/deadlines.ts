import type { CoreDeps } from "../context.js";
import { closeBidding } from "./bid.service.js";
import { archiveOldLeads } from "./lead.service.js";
import { biddingCloseDueWhere, windowExpiryDueWhere, windowWarningDueWhere } from "./lead-state.js";
import { raiseUnansweredAlarms } from "./unanswered.service.js";
import { parseWakeKey, wakeKey } from "./wakeups.js";
import { expireDueWindows, expireOnWakeup, warnWindow } from "./window-expiry.service.js";

/**
 * Handle one scheduler wake-up. The handler re-reads the row and acts only if the deadline
 * really passed, so early, late, lost or doubled wake-ups are all harmless.
 * Returns false for keys that are not the marketplace's.
 */
export async function handleMarketplaceWakeup(deps: CoreDeps, key: string): Promise<boolean> {
  const k = parseWakeKey(key);
  if (!k) return false;
  if (k.kind === "close") await closeBidding(deps, k.id);
  else if (k.kind === "expire") await expireOnWakeup(deps, k.id);
  else await warnWindow(deps, k.id);
  return true;
}

/** Keys of every marketplace deadline that is due at `now` (oldest first, at most `limit`). */
export async function dueMarketplaceKeys(deps: CoreDeps, now: Date, limit = 500): Promise<string[]> {
  const [closes, expiries, warnings] = await Promise.all([
    deps.prisma.lead.findMany({
      where: biddingCloseDueWhere(now),
      orderBy: { bidding_closes_at: "asc" },
      select: { id: true },
      take: limit,
    }),
    deps.prisma.bid.findMany({
      where: windowExpiryDueWhere(now),
      orderBy: { response_window_ends_at: "asc" },
      select: { id: true },
      take: limit,
    }),
    deps.prisma.bid.findMany({
      // Each window's own warning time; windows opened before it was stored use the configured one.
      where: windowWarningDueWhere(now, deps.config.marketplace.windowWarningMs),
      select: { id: true },
      take: limit,
    }),
  ]);
  return [
    ...closes.map((l) => wakeKey("close", l.id)),
    ...expiries.map((b) => wakeKey("expire", b.id)),
    ...warnings.map((b) => wakeKey("warn", b.id)),
  ];
}

/**
 * The reconciler: find every due marketplace deadline and handle it, raise the unanswered-lead
 * alarms, then archive old leads.
 * Runs every few seconds, so a lost or flushed scheduler job is caught.
 */
export async function reconcileMarketplace(deps: CoreDeps): Promise<{ handled: number; archived: number }> {
  const keys = await dueMarketplaceKeys(deps, deps.clock.now());
  let swept = false; // due windows expire in batches, all of them at the first expiry key
  for (const key of keys) {
    if (parseWakeKey(key)?.kind !== "expire") await handleMarketplaceWakeup(deps, key);
    else if (!swept) {
      swept = true;
      await expireDueWindows(deps);
    }
  }
  const alarms = await raiseUnansweredAlarms(deps);
  if (alarms > 0)
    deps.log.warn(`${alarms} lead(s) unanswered for ${deps.config.marketplace.unansweredAlertMs / 60_000} min`);
  const archived = await archiveOldLeads(deps);
  return { handled: keys.length + alarms, archived };
}
