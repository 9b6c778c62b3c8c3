/**
 * Payments (seed 004): money a customer paid, with its method and optionally the job it paid
 * for. Amounts are stored from integer cents, so a total is never a float sum.
 */
import type { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import type { AuditActor } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { ok, type Result } from "../errors.js";
import { fromCents } from "../money.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { type PaymentListQuery, paymentCreateSchema, paymentUpdateSchema } from "./money-input.js";
import {
  auditRecord,
  customerFor,
  deleteOwnedRecord,
  jobOfCustomerFor,
  listOwnerWhere,
  ownedRecord,
  presentedPage,
  requestedOwner,
} from "./owned-records.js";
import { presentPayment } from "./present.js";
import { asDate, cents } from "./service-input.js";

type Presented = ReturnType<typeof presentPayment>;

/**
 * Record a payment from one of the scope's customers. Its job, if given, must be that
 * customer's; the payment belongs to the customer's owner. Amount > 0 with at most two decimals.
 */
export async function createPayment(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Presented>> {
  const v = validate(paymentCreateSchema, input);
  if (!v.ok) return v;
  const owner = requestedOwner(scope, v.value.owner_id);
  if (!owner.ok) return owner;
  return transact(deps, async ({ tx, now }) => {
    const customer = await customerFor(tx, scope, v.value.customer_id, owner.value);
    if (!customer.ok) return customer;
    if (v.value.job_id) {
      const job = await jobOfCustomerFor(tx, scope, v.value.job_id, customer.value.owner_id, customer.value.id);
      if (!job.ok) return job;
    }
    const payment = await tx.payment.create({
      data: {
        owner_id: customer.value.owner_id,
        customer_id: customer.value.id,
        job_id: v.value.job_id ?? null,
        amount: fromCents(cents(v.value.amount)),
        payment_method: v.value.payment_method ?? null,
        paid_at: asDate(v.value.paid_at) ?? now,
        notes: v.value.notes ?? null,
        created_at: now,
      },
    });
    await auditRecord(tx, actor, now, "payment", "created", { after: payment });
    return ok(presentPayment(payment));
  });
}

/** Correct a payment's amount, method, job, date or notes (its customer stays). */
export async function updatePayment(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Presented>> {
  const v = validate(paymentUpdateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const found = await ownedRecord(scope, "payment", id, (where) => tx.payment.findFirst({ where }));
    if (!found.ok) return found;
    const before = found.value;
    if (v.value.job_id) {
      const job = await jobOfCustomerFor(tx, scope, v.value.job_id, before.owner_id, before.customer_id);
      if (!job.ok) return job;
    }
    const { amount, paid_at, ...fields } = v.value;
    const data: Prisma.PaymentUncheckedUpdateInput = { ...fields };
    if (amount !== undefined) data.amount = fromCents(cents(amount));
    if (paid_at !== undefined) data.paid_at = new Date(paid_at);
    const payment = await tx.payment.update({ where: { id }, data });
    await auditRecord(tx, actor, now, "payment", "updated", { before, after: payment });
    return ok(presentPayment(payment));
  });
}

/** Delete a payment recorded by mistake (audited with what it was). */
export async function deletePayment(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  actor: AuditActor,
): Promise<Result<{ id: string; deleted: true }>> {
  return deleteOwnedRecord(deps, scope, actor, "payment", id, {
    find: (tx, where) => tx.payment.findFirst({ where }),
    remove: (tx) => tx.payment.delete({ where: { id } }),
  });
}

/** One payment the scope may see. */
export async function getPayment(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<Presented>> {
  const p = await ownedRecord(scope, "payment", id, (where) => deps.prisma.payment.findFirst({ where }));
  return p.ok ? ok(presentPayment(p.value)) : p;
}

/** The scope's payments, latest first, filtered by customer, job or method. */
export async function listPayments(deps: CoreDeps, scope: ApiScope, q: PaymentListQuery) {
  const where: Prisma.PaymentWhereInput = {
    ...listOwnerWhere(scope, q.owner_id),
    ...(q.customer_id ? { customer_id: q.customer_id } : {}),
    ...(q.job_id ? { job_id: q.job_id } : {}),
    ...(q.payment_method ? { payment_method: q.payment_method } : {}),
  };
  return presentedPage(
    q,
    () => deps.prisma.payment.count({ where }),
    (window) => deps.prisma.payment.findMany({ where, orderBy: [{ paid_at: "desc" }, { id: "asc" }], ...window }),
    presentPayment,
  );
}
