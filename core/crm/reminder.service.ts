import { z } from "zod";
import type { Reminder } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser } from "../messaging/outbox.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { applyAutomationPlan } from "./automation-runner.js";
import { planAutomations, rulesFor } from "./automations.js";
import { notFound, ownedCustomer, resolveOwner } from "./owned.js";
import { inactiveAt, isOverdue, needsReconnect, REMINDER_TYPES, reminderDueAt } from "./reminder-rules.js";
import { crmWakeKey } from "./wakeups.js";

export const reminderCreateSchema = z
  .object({
    customer_id: z.string().optional(),
    owner_id: z.string().optional(),
    type: z.enum(REMINDER_TYPES as [Reminder["type"], ...Reminder["type"][]]).default("custom"),
    scheduled_for: z.iso.datetime({ offset: true }).optional(),
    message: z.string().trim().max(2000).default(""),
  })
  .strict();

/**
 * Create a reminder, for a customer of the scope's or as the owner's own note. The follow-up
 * types fall due their fixed delay from now (2h, 1d/24h, 48h, 7d) unless `scheduled_for` says
 * otherwise; `custom` needs `scheduled_for`. The owner is told in chat when it falls due.
 */
export async function createReminder(deps: CoreDeps, scope: ApiScope, input: unknown): Promise<Result<Reminder>> {
  const v = validate(reminderCreateSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  if (d.type === "custom" && !d.scheduled_for) {
    return fail("VALIDATION_FAILED", "scheduled_for is required for a custom reminder", [{ field: "scheduled_for" }]);
  }
  return transact(deps, async (c) => {
    let ownerId: string;
    let customerId: string | null = null;
    if (d.customer_id !== undefined) {
      const customer = await ownedCustomer(c.tx, scope, d.customer_id);
      if (!customer) return notFound("customer");
      ownerId = customer.owner_id;
      customerId = customer.id;
    } else {
      const owner = await resolveOwner(c.tx, scope, d.owner_id);
      if (!owner.ok) return owner;
      ownerId = owner.value;
    }
    const scheduledFor = d.scheduled_for ? new Date(d.scheduled_for) : (reminderDueAt(d.type, c.now) as Date);
    const reminder = await c.tx.reminder.create({
      data: {
        owner_id: ownerId,
        customer_id: customerId,
        type: d.type,
        scheduled_for: scheduledFor,
        message: d.message,
        created_at: c.now,
      },
    });
    c.wake(crmWakeKey("reminder", reminder.id), scheduledFor);
    return ok(reminder);
  });
}

/** Open reminders that are due (scheduled_for ≤ now), oldest first, each flagged `overdue`. */
export async function listDueReminders(
  deps: CoreDeps,
  scope: ApiScope,
  f: { customer_id?: string; limit: number },
): Promise<Result<unknown>> {
  const now = deps.clock.now();
  if (f.customer_id !== undefined && !(await ownedCustomer(deps.prisma, scope, f.customer_id))) {
    return notFound("customer");
  }
  const where = {
    ...ownedBy(scope),
    ...(f.customer_id ? { customer_id: f.customer_id } : {}),
    completed: false,
    scheduled_for: { lte: now },
  };
  const [total, rows] = await Promise.all([
    deps.prisma.reminder.count({ where }),
    deps.prisma.reminder.findMany({
      where,
      orderBy: [{ scheduled_for: "asc" }, { id: "asc" }],
      take: f.limit,
      include: { customer: { select: { id: true, name: true, phone: true, email: true } } },
    }),
  ]);
  const data = rows.map((r) => ({ ...r, overdue: isOverdue(r, now) }));
  return ok({ data, total, overdue: data.filter((r) => r.overdue).length, now: now.toISOString() });
}

/** Mark a reminder done. Completing it again changes nothing (the first completion time stays). */
export async function completeReminder(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<Reminder>> {
  return transact(deps, async ({ tx, now }) => {
    const r = isUuid(id) ? await tx.reminder.findFirst({ where: { id, ...ownedBy(scope) } }) : null;
    if (!r) return notFound("reminder");
    if (r.completed) return ok(r);
    return ok(await tx.reminder.update({ where: { id: r.id }, data: { completed: true, completed_at: now } }));
  });
}

/**
 * Wake-up handler of `reminder:<id>`: tell the owner in chat, once. The conditional update on
 * `notified_at` makes a doubled or late wake-up harmless; a completed reminder stays silent;
 * an early one is re-armed for its time.
 */
export async function notifyReminder(deps: CoreDeps, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const r = await transact(deps, async (c) => {
    const claimed = await c.tx.reminder.updateMany({
      where: { id, completed: false, notified_at: null, scheduled_for: { lte: c.now } },
      data: { notified_at: c.now },
    });
    const reminder = await c.tx.reminder.findUnique({
      where: { id },
      include: { customer: { select: { id: true, name: true } } },
    });
    if (!reminder) return ok(false);
    if (claimed.count === 0) {
      if (!reminder.completed && !reminder.notified_at) c.wake(crmWakeKey("reminder", id), reminder.scheduled_for);
      return ok(false);
    }
    await notifyUser(c.tx, {
      userId: reminder.owner_id,
      now: c.now,
      dedupeKey: `reminder:${reminder.id}`,
      notice: {
        kind: "reminder_due",
        reminderId: reminder.id,
        customerId: reminder.customer?.id ?? null,
        customerName: reminder.customer?.name ?? null,
        type: reminder.type,
        message: reminder.message,
        scheduledFor: reminder.scheduled_for.toISOString(),
      },
    });
    return ok(true);
  });
  return r.ok && r.value;
}

/**
 * Wake-up handler of `inactive:<customerId>`: after 7 days without activity, run the
 * INACTIVE_7D rules (by default, for leads, one follow_up_7d "reconnect" reminder due at the
 * moment they went quiet for 7 days). Once per inactivity period: `inactivity_nudged_at` is
 * claimed with a conditional update (also when no rule applies, so the sweep does not find the
 * same quiet period again), and the reminder's dedupe key names the period.
 */
export async function nudgeInactiveCustomer(deps: CoreDeps, customerId: string): Promise<boolean> {
  if (!isUuid(customerId)) return false;
  const r = await transact(deps, async (c) => {
    const customer = await c.tx.customer.findUnique({ where: { id: customerId } });
    if (!customer) return ok(false);
    if (!needsReconnect(customer, c.now)) {
      const quietAt = inactiveAt(customer.last_activity_at);
      if (!customer.opted_out_at && quietAt > c.now) c.wake(crmWakeKey("inactive", customer.id), quietAt);
      return ok(false);
    }
    const period = customer.last_activity_at;
    const claimed = await c.tx.customer.updateMany({
      where: {
        id: customer.id,
        last_activity_at: period,
        OR: [{ inactivity_nudged_at: null }, { inactivity_nudged_at: { lte: period } }],
      },
      data: { inactivity_nudged_at: c.now, updated_at: c.now },
    });
    if (claimed.count === 0) return ok(false);
    const rules = await rulesFor(c.tx, customer.owner_id, "INACTIVE_7D", deps.log);
    const plan = planAutomations(
      rules,
      { status: customer.status, pipeline_status: customer.pipeline_status, source: null, name: customer.name },
      period,
    );
    const key = `inactive:${customer.id}:${period.getTime()}`;
    await applyAutomationPlan(c, customer, plan, {
      dedupePrefix: key,
      activityAt: null,
      statusEventId: `${key}:status`,
      source: "system",
      cause: null,
    });
    return ok(true);
  });
  return r.ok && r.value;
}
