import type { Customer, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { ok, type Result } from "../errors.js";
import { fromCents, toCents } from "../money.js";
import { paginate } from "../paging.js";
import { CUSTOMER_STATUSES, resolveStatuses } from "./customer-input.js";
import { notFound, ownedCustomer } from "./owned.js";
import { INACTIVITY_AFTER_MS, OVERDUE_AFTER_MS } from "./reminder-rules.js";
import { CANONICAL_STATUSES, fromCanonical, nextStage, parseVocabulary, type Vocabulary } from "./status-mapping.js";

const DAY = 86_400_000;

/** Whole days since `since` (the Kanban's "days in stage"). */
export function daysSince(since: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - since.getTime()) / DAY));
}

/** A customer row as the API shows it: plus days in stage, the next stage and, if asked, the column label. */
export function presentCustomer(c: Customer, now: Date, vocabulary?: Vocabulary) {
  return {
    ...c,
    days_in_stage: daysSince(c.stage_entered_at, now),
    next_stage: nextStage(c.pipeline_status, vocabulary),
    ...(vocabulary ? { pipeline_label: fromCanonical(c.pipeline_status, vocabulary) } : {}),
  };
}

export interface CustomerFilter {
  status?: string;
  pipeline_status?: string;
  vocabulary?: string;
  q?: string;
  page: number;
  per_page: number;
}

/**
 * List the scope's customers, newest first (the seed-002 lead inbox with `status=lead`).
 * `status` takes the lifecycle or any pipeline term, as on create.
 */
export async function listCustomers(deps: CoreDeps, scope: ApiScope, f: CustomerFilter) {
  const statuses = resolveStatuses(f);
  if (!statuses.ok) return statuses;
  const vocabulary = f.vocabulary ? (parseVocabulary(f.vocabulary) ?? undefined) : undefined;
  const q = f.q?.trim();
  const where: Prisma.CustomerWhereInput = {
    ...ownedBy(scope),
    ...(statuses.value.status ? { status: statuses.value.status } : {}),
    ...(statuses.value.pipeline_status ? { pipeline_status: statuses.value.pipeline_status } : {}),
    ...(q
      ? {
          OR: [
            { name: { contains: q, mode: "insensitive" } },
            { email: { contains: q.toLowerCase() } },
            { phone: { contains: q.replace(/[^\d+]/g, "") || q } },
          ],
        }
      : {}),
  };
  const now = deps.clock.now();
  const page = await paginate(
    f,
    () => deps.prisma.customer.count({ where }),
    (w) => deps.prisma.customer.findMany({ where, orderBy: [{ created_at: "desc" }, { id: "asc" }], ...w }),
  );
  return ok({ ...page, data: page.data.map((c) => presentCustomer(c, now, vocabulary)) });
}

/** Extra counters merged into the stats (the DMO counters live in core/kpi). */
export type StatsExtension = (scope: ApiScope, now: Date) => Promise<Record<string, unknown>>;

/**
 * Counts for the dashboard: customers by lifecycle and by canonical status, opted out,
 * inactive for 7 days, due and overdue reminders, overdue next actions. `extend` adds more
 * (the DMO counters) without this module knowing them.
 */
export async function customerStats(deps: CoreDeps, scope: ApiScope, extend?: StatsExtension) {
  const now = deps.clock.now();
  const own = ownedBy(scope);
  const overdueBefore = new Date(now.getTime() - OVERDUE_AFTER_MS);
  const [byStatus, byPipeline, optedOut, inactive, due, overdue, nextActionsOverdue] = await Promise.all([
    deps.prisma.customer.groupBy({ by: ["status"], where: own, _count: { _all: true } }),
    deps.prisma.customer.groupBy({ by: ["pipeline_status"], where: own, _count: { _all: true } }),
    deps.prisma.customer.count({ where: { ...own, opted_out_at: { not: null } } }),
    deps.prisma.customer.count({
      where: {
        ...own,
        opted_out_at: null,
        status: { not: "churned" },
        last_activity_at: { lte: new Date(now.getTime() - INACTIVITY_AFTER_MS) },
      },
    }),
    deps.prisma.reminder.count({ where: { ...own, completed: false, scheduled_for: { lte: now } } }),
    deps.prisma.reminder.count({ where: { ...own, completed: false, scheduled_for: { lt: overdueBefore } } }),
    deps.prisma.customer.count({ where: { ...own, opted_out_at: null, next_action_date: { lt: now } } }),
  ]);
  const by_status = Object.fromEntries(CUSTOMER_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const row of byStatus) by_status[row.status] = row._count._all;
  const by_pipeline_status = Object.fromEntries(CANONICAL_STATUSES.map((s) => [s, 0])) as Record<string, number>;
  for (const row of byPipeline) by_pipeline_status[row.pipeline_status] = row._count._all;
  return {
    total: Object.values(by_status).reduce((a, b) => a + b, 0),
    by_status,
    by_pipeline_status,
    opted_out: optedOut,
    inactive_7d: inactive,
    reminders: { due, overdue },
    next_actions_overdue: nextActionsOverdue,
    generated_at: now.toISOString(),
    ...(extend ? await extend(scope, now) : {}),
  };
}

/**
 * Seed 004 financials: everything the customer paid minus every expense on them — booked
 * directly on the customer or on one of their jobs, each expense counted once. In cents, so
 * no float rounds a total.
 */
export async function customerFinancials(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<unknown>> {
  const customer = await ownedCustomer(deps.prisma, scope, id);
  if (!customer) return notFound("customer");
  const expenseWhere: Prisma.ExpenseWhereInput = { OR: [{ customer_id: id }, { job: { customer_id: id } }] };
  const [payments, byMethod, expenses] = await Promise.all([
    deps.prisma.payment.aggregate({ where: { customer_id: id }, _sum: { amount: true }, _count: { _all: true } }),
    deps.prisma.payment.groupBy({ by: ["payment_method"], where: { customer_id: id }, _sum: { amount: true } }),
    deps.prisma.expense.aggregate({ where: expenseWhere, _sum: { amount: true }, _count: { _all: true } }),
  ]);
  const paid = toCents(payments._sum.amount ?? 0);
  const spent = toCents(expenses._sum.amount ?? 0);
  return ok({
    customer_id: id,
    payments_total: fromCents(paid),
    payments_count: payments._count._all,
    expenses_total: fromCents(spent),
    expenses_count: expenses._count._all,
    net: fromCents(paid - spent),
    profit: fromCents(paid - spent),
    payments_by_method: Object.fromEntries(
      byMethod.map((m) => [m.payment_method ?? "unknown", fromCents(toCents(m._sum.amount ?? 0))]),
    ),
  });
}
