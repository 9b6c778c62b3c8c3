import { z } from "zod";
import type { Reminder } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUsers } from "../messaging/outbox.js";
import { type PageQuery, paginate } from "../paging.js";
import { transact } from "../service.js";
import { isoDateTime, validate } from "../validation.js";
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
    scheduled_for: isoDateTime().optional(),
    message: z.string().trim().max(2000).default(""),
  })
  .strict();

/**
 * Create a reminder, for a customer of the scope's or as the owner's own note. The follow-up
 * types fall due their fixed delay from now (2h, 1d/24h, 48h, 7d) unless `scheduled_for` says
 * otherwise; `custom` needs `scheduled_for`. The owner is told in chat when it falls due.
 * Audited when an `actor` (panel, API) is named.
 */
export async function createReminder(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<Reminder>> {
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
    if (actor) {
      const after = { customer_id: customerId, owner_id: ownerId, type: d.type, scheduled_for: scheduledFor };
      await writeAudit(c.tx, {
        actor,
        action: "reminder.created",
        entityType: "reminder",
        entityId: reminder.id,
        after,
        at: c.now,
      });
    }
    return ok(reminder);
  });
}

/** Open reminders that are due (scheduled_for ≤ now), oldest first, each flagged `overdue`. */
export async function listDueReminders(
  deps: CoreDeps,
  scope: ApiScope,
  f: { customer_id?: string } & PageQuery,
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
  const page = await paginate(
    f,
    () => deps.prisma.reminder.count({ where }),
    (w) =>
      deps.prisma.reminder.findMany({
        where,
        orderBy: [{ scheduled_for: "asc" }, { id: "asc" }],
        include: { customer: { select: { id: true, name: true, phone: true, email: true } } },
        ...w,
      }),
  );
  const data = page.data.map((r) => ({ ...r, overdue: isOverdue(r, now) }));
  return ok({ ...page, data, overdue: data.filter((r) => r.overdue).length, now: now.toISOString() });
}

/**
 * Mark a reminder done. Completing it again changes nothing (the first completion time stays).
 * Audited when an `actor` (panel, API) is named.
 */
export async function completeReminder(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  actor?: AuditActor,
): Promise<Result<Reminder>> {
  return transact(deps, async ({ tx, now }) => {
    const r = isUuid(id) ? await tx.reminder.findFirst({ where: { id, ...ownedBy(scope) } }) : null;
    if (!r) return notFound("reminder");
    if (r.completed) return ok(r);
    const done = await tx.reminder.update({ where: { id: r.id }, data: { completed: true, completed_at: now } });
    if (actor) {
      const audit = { actor, action: "reminder.completed", entityType: "reminder", entityId: r.id, at: now };
      await writeAudit(tx, { ...audit, before: { completed: false }, after: { completed: true } });
    }
    return ok(done);
  });
}

/** The longest a chat "Snooze" may push a reminder (a week). */
export const MAX_SNOOZE_MS = 7 * 86_400_000;

/**
 * Snooze a reminder: it falls due again `ms` from now and is told again then (once). A
 * completed reminder is not snoozed (CONFLICT); someone else's is NOT_FOUND.
 */
export async function snoozeReminder(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  ms: number,
): Promise<Result<Reminder>> {
  if (!Number.isInteger(ms) || ms <= 0 || ms > MAX_SNOOZE_MS) {
    return fail("VALIDATION_FAILED", "snooze for a minute up to a week", [{ field: "ms" }]);
  }
  return transact(deps, async (c) => {
    const r = isUuid(id) ? await c.tx.reminder.findFirst({ where: { id, ...ownedBy(scope) } }) : null;
    if (!r) return notFound("reminder");
    if (r.completed) return fail("CONFLICT", "this reminder is already done");
    const at = new Date(c.now.getTime() + ms);
    const updated = await c.tx.reminder.update({ where: { id: r.id }, data: { scheduled_for: at, notified_at: null } });
    c.wake(crmWakeKey("reminder", r.id), at);
    return ok(updated);
  });
}

/**
 * Wake-up handler of `reminder:<id>`: tell the owner in chat, once. The conditional update on
 * `notified_at` makes a doubled or late wake-up harmless; a completed reminder stays silent;
 * an early one is re-armed for its time.
 */
export async function notifyReminder(deps: CoreDeps, id: string): Promise<boolean> {
  return (await notifyReminders(deps, [id])) === 1;
}

/**
 * notifyReminder for many reminders at once (a reconciler sweep, or wake-ups falling due at the
 * same moment): one transaction claims every due one with one conditional update and queues
 * their notices with one insert, instead of a transaction each. Returns how many were notified.
 */
export async function notifyReminders(deps: CoreDeps, ids: readonly string[]): Promise<number> {
  const valid = [...new Set(ids.filter(isUuid))];
  if (valid.length === 0) return 0;
  const r = await transact(deps, async (c) => {
    const claimed = await c.tx.reminder.updateManyAndReturn({
      where: { id: { in: valid }, completed: false, notified_at: null, scheduled_for: { lte: c.now } },
      data: { notified_at: c.now },
      include: { customer: { select: { id: true, name: true } } },
    });
    if (claimed.length < valid.length) {
      // Woken early (or already done): re-arm the open ones for their own time.
      const done = new Set(claimed.map((x) => x.id));
      const early = await c.tx.reminder.findMany({
        where: { id: { in: valid.filter((id) => !done.has(id)) }, completed: false, notified_at: null },
        select: { id: true, scheduled_for: true },
      });
      for (const e of early) c.wake(crmWakeKey("reminder", e.id), e.scheduled_for);
    }
    await notifyUsers(
      c.tx,
      claimed.map((reminder) => ({
        userId: reminder.owner_id,
        // Once per due time: a snoozed reminder is told again at its new time.
        dedupeKey: `reminder:${reminder.id}:${reminder.scheduled_for.getTime()}`,
        notice: {
          kind: "reminder_due" as const,
          reminderId: reminder.id,
          customerId: reminder.customer?.id ?? null,
          customerName: reminder.customer?.name ?? null,
          type: reminder.type,
          message: reminder.message,
          scheduledFor: reminder.scheduled_for.toISOString(),
        },
      })),
      c.now,
    );
    return ok(claimed.length);
  });
  return r.ok ? r.value : 0;
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
