import type { CoreDeps } from "../context.js";
import { notifyReminder, notifyReminders, nudgeInactiveCustomer } from "./reminder.service.js";
import { INACTIVITY_AFTER_MS } from "./reminder-rules.js";
import { crmWakeKey, parseCrmWakeKey } from "./wakeups.js";

/**
 * Handle one CRM wake-up (`reminder:<id>`, `inactive:<customerId>`). Handlers re-read the row
 * and act with a conditional update, so early, late, lost or doubled wake-ups are harmless.
 * Returns false for keys that are not the CRM's.
 */
export async function handleCrmWakeup(deps: CoreDeps, key: string): Promise<boolean> {
  const k = parseCrmWakeKey(key);
  if (!k) return false;
  if (k.kind === "reminder") await notifyReminder(deps, k.id);
  else await nudgeInactiveCustomer(deps, k.id);
  return true;
}

/**
 * Handle many CRM wake-ups: the reminders' together (notifyReminders, one transaction per
 * `batch`), the rest one by one. Same effect as handleCrmWakeup on each key. Returns the keys
 * that are not the CRM's, for the caller to route elsewhere.
 */
export async function handleCrmWakeups(deps: CoreDeps, keys: readonly string[], batch = 200): Promise<string[]> {
  const reminders: string[] = [];
  const others: string[] = [];
  for (const key of keys) {
    const k = parseCrmWakeKey(key);
    if (!k) others.push(key);
    else if (k.kind === "reminder") reminders.push(k.id);
    else await nudgeInactiveCustomer(deps, k.id);
  }
  for (let i = 0; i < reminders.length; i += batch) await notifyReminders(deps, reminders.slice(i, i + batch));
  return others;
}

/**
 * Keys of every CRM deadline due at `now`: reminders due and not yet notified, and customers
 * quiet for 7 days who have not been nudged since their last activity (oldest first, at most
 * `limit` of each).
 */
export async function dueCrmKeys(deps: CoreDeps, now: Date, limit = 500): Promise<string[]> {
  const [reminders, quiet] = await Promise.all([
    deps.prisma.reminder.findMany({
      where: { completed: false, notified_at: null, scheduled_for: { lte: now } },
      orderBy: { scheduled_for: "asc" },
      select: { id: true },
      take: limit,
    }),
    deps.prisma.customer.findMany({
      where: {
        opted_out_at: null,
        status: { not: "churned" },
        last_activity_at: { lte: new Date(now.getTime() - INACTIVITY_AFTER_MS) },
        OR: [
          { inactivity_nudged_at: null },
          { inactivity_nudged_at: { lte: deps.prisma.customer.fields.last_activity_at } },
        ],
      },
      orderBy: { last_activity_at: "asc" },
      select: { id: true },
      take: limit,
    }),
  ]);
  return [...reminders.map((r) => crmWakeKey("reminder", r.id)), ...quiet.map((c) => crmWakeKey("inactive", c.id))];
}

/**
 * The CRM reconciler: find every due CRM deadline and handle it. Runs with the marketplace's
 * on an interval, so a lost or flushed scheduler job is caught.
 */
export async function reconcileCrm(deps: CoreDeps): Promise<{ handled: number }> {
  const keys = await dueCrmKeys(deps, deps.clock.now());
  await handleCrmWakeups(deps, keys);
  return { handled: keys.length };
}
