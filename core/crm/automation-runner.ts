import type { Customer } from "../../prisma/generated/client.js";
import type { TxCtx } from "../service.js";
import type { AutomationPlan } from "./automations.js";
import { touchCustomer } from "./status-change.js";
import { crmWakeKey } from "./wakeups.js";

/** What an automation run did, as stored in `event_logs.result` and answered to the caller. */
export interface AutomationOutcome {
  rules: string[];
  reminders: Array<{ id: string; type: string; scheduled_for: string }>;
  status_change: { from: string; to: string } | null;
  next_action: { text: string; date: string } | null;
}

/**
 * Apply a plan inside the caller's transaction. Reminders are keyed
 * `<dedupePrefix>:<type>`, so a replay or a second sweep never creates one twice; each gets a
 * `reminder:<id>` wake-up at its time. `activityAt` is the cause's time when it counts as the
 * customer's activity (an event), null when it does not (inactivity). A status move is logged
 * as STATUS_CHANGED with id `<statusEventId>` and the cause.
 */
export async function applyAutomationPlan(
  c: TxCtx,
  customer: Customer,
  plan: AutomationPlan,
  opts: { dedupePrefix: string; activityAt: Date | null; statusEventId: string; source: string; cause: string | null },
): Promise<{ customer: Customer; outcome: AutomationOutcome }> {
  const created =
    plan.reminders.length === 0
      ? []
      : await c.tx.reminder.createManyAndReturn({
          data: plan.reminders.map((r) => ({
            owner_id: customer.owner_id,
            customer_id: customer.id,
            type: r.type,
            scheduled_for: r.scheduled_for,
            message: r.message,
            dedupe_key: `${opts.dedupePrefix}:${r.type}`,
            created_at: c.now,
          })),
          skipDuplicates: true,
          select: { id: true, type: true, scheduled_for: true },
        });
  for (const r of created) c.wake(crmWakeKey("reminder", r.id), r.scheduled_for);
  const patch = plan.nextAction ? { next_action: plan.nextAction.text, next_action_date: plan.nextAction.date } : {};
  let updated = customer;
  let moved: AutomationOutcome["status_change"] = null;
  if (opts.activityAt || plan.nextAction || plan.moveTo) {
    const r = await touchCustomer(c, customer, patch, {
      activityAt: opts.activityAt,
      move: plan.moveTo
        ? { to: plan.moveTo, eventId: opts.statusEventId, source: opts.source, cause: opts.cause }
        : undefined,
    });
    updated = r.customer;
    moved = r.moved;
  }
  return {
    customer: updated,
    outcome: {
      rules: plan.rules,
      reminders: created.map((r) => ({ id: r.id, type: r.type, scheduled_for: r.scheduled_for.toISOString() })),
      status_change: moved,
      next_action: plan.nextAction ? { text: plan.nextAction.text, date: plan.nextAction.date.toISOString() } : null,
    },
  };
}

/**
 * Opt a customer out everywhere (UNSUBSCRIBED, STOP): `opted_out_at` set once, every channel
 * identity opted out, and their open reminders closed, since following up on someone who said
 * stop is exactly what must not happen. Opt-out wins over every schedule.
 */
export async function optOutCustomer(c: TxCtx, customer: Customer, at: Date): Promise<{ remindersClosed: number }> {
  if (!customer.opted_out_at) {
    await c.tx.customer.update({ where: { id: customer.id }, data: { opted_out_at: at, updated_at: c.now } });
  }
  await c.tx.channelIdentity.updateMany({
    where: { customer_id: customer.id, opted_out: false },
    data: { opted_out: true, opted_out_at: at, updated_at: c.now },
  });
  const closed = await c.tx.reminder.updateMany({
    where: { customer_id: customer.id, completed: false },
    data: { completed: true, completed_at: c.now },
  });
  return { remindersClosed: closed.count };
}
