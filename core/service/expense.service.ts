/**
 * Expenses (seed 004): money spent on a customer, on one of their jobs, or both (parts, fuel,
 * subcontractors). They count against the job's and the customer's profit, each once.
 */
import type { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import type { AuditActor } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { ok, type Result } from "../errors.js";
import { fromCents } from "../money.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { type ExpenseListQuery, expenseCreateSchema, expenseUpdateSchema } from "./money-input.js";
import {
  auditRecord,
  customerFor,
  deleteOwnedRecord,
  jobFor,
  jobOfCustomer,
  listOwnerWhere,
  ownedRecord,
  presentedPage,
  requestedOwner,
} from "./owned-records.js";
import { presentExpense } from "./present.js";
import { asDate, cents } from "./service-input.js";

type Presented = ReturnType<typeof presentExpense>;

/**
 * Record an expense on a customer and/or a job the scope may see. With both, the job must be
 * that customer's; the expense belongs to their owner. Amount > 0 with at most two decimals.
 */
export async function createExpense(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Presented>> {
  const v = validate(expenseCreateSchema, input);
  if (!v.ok) return v;
  const requested = requestedOwner(scope, v.value.owner_id);
  if (!requested.ok) return requested;
  return transact(deps, async ({ tx, now }) => {
    let ownerId = requested.value;
    let customerId: string | null = null;
    if (v.value.customer_id) {
      const customer = await customerFor(tx, scope, v.value.customer_id, ownerId);
      if (!customer.ok) return customer;
      ownerId = customer.value.owner_id;
      customerId = customer.value.id;
    }
    if (v.value.job_id) {
      const job = await jobFor(tx, scope, v.value.job_id, ownerId);
      if (!job.ok) return job;
      if (customerId) {
        const same = jobOfCustomer(job.value, customerId);
        if (!same.ok) return same;
      }
      ownerId = job.value.owner_id;
    }
    const expense = await tx.expense.create({
      data: {
        owner_id: ownerId as string,
        customer_id: customerId,
        job_id: v.value.job_id ?? null,
        amount: fromCents(cents(v.value.amount)),
        description: v.value.description ?? null,
        category: v.value.category ?? null,
        incurred_at: asDate(v.value.incurred_at) ?? now,
        created_at: now,
      },
    });
    await auditRecord(tx, actor, now, "expense", "created", { after: expense });
    return ok(presentExpense(expense));
  });
}

/** Correct an expense's amount, description, category or date (what it is on stays). */
export async function updateExpense(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Presented>> {
  const v = validate(expenseUpdateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const before = await ownedRecord(scope, "expense", id, (where) => tx.expense.findFirst({ where }));
    if (!before.ok) return before;
    const { amount, incurred_at, ...fields } = v.value;
    const data: Prisma.ExpenseUncheckedUpdateInput = { ...fields };
    if (amount !== undefined) data.amount = fromCents(cents(amount));
    if (incurred_at !== undefined) data.incurred_at = new Date(incurred_at);
    const expense = await tx.expense.update({ where: { id }, data });
    await auditRecord(tx, actor, now, "expense", "updated", { before: before.value, after: expense });
    return ok(presentExpense(expense));
  });
}

/** Delete an expense recorded by mistake (audited with what it was). */
export async function deleteExpense(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  actor: AuditActor,
): Promise<Result<{ id: string; deleted: true }>> {
  return deleteOwnedRecord(deps, scope, actor, "expense", id, {
    find: (tx, where) => tx.expense.findFirst({ where }),
    remove: (tx) => tx.expense.delete({ where: { id } }),
  });
}

/** One expense the scope may see. */
export async function getExpense(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<Presented>> {
  const e = await ownedRecord(scope, "expense", id, (where) => deps.prisma.expense.findFirst({ where }));
  return e.ok ? ok(presentExpense(e.value)) : e;
}

/**
 * The scope's expenses, latest first. `customer_id` finds both the customer's direct expenses
 * and those on their jobs (the ones their profit counts).
 */
export async function listExpenses(deps: CoreDeps, scope: ApiScope, q: ExpenseListQuery) {
  const where: Prisma.ExpenseWhereInput = {
    ...listOwnerWhere(scope, q.owner_id),
    ...(q.customer_id ? { OR: [{ customer_id: q.customer_id }, { job: { customer_id: q.customer_id } }] } : {}),
    ...(q.job_id ? { job_id: q.job_id } : {}),
  };
  return presentedPage(
    q,
    () => deps.prisma.expense.count({ where }),
    (window) => deps.prisma.expense.findMany({ where, orderBy: [{ incurred_at: "desc" }, { id: "asc" }], ...window }),
    presentExpense,
  );
}
