/**
 * Ownership of service records (seed 004). Technicians, jobs, payments and expenses carry
 * `owner_id`; appliances, reviews, ratings and follow-ups belong to whoever owns their customer.
 * A row of another owner answers exactly like a missing one (NOT_FOUND naming the field), so a
 * key never learns that someone else's customer, job or technician exists.
 */
import type { Customer, Job, Technician } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { canSee, isAdmin, type OwnerFilter, ownedBy, ownerFor, soleOwner } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db, Prisma } from "../db.js";
import { type Failure, fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type Page, type PageQuery, paginate } from "../paging.js";
import { transact } from "../service.js";

/** NOT_FOUND for a referenced row, naming the field that referenced it. */
export function missing(what: string, field?: string): Failure {
  // A body field is named in the message ("customer_id: customer not found"); a path id is not.
  const message = field && field !== "id" ? `${field}: ${what} not found` : `${what} not found`;
  return fail("NOT_FOUND", message, field ? [{ field, message: `no such ${what}` }] : undefined);
}

/** The `where` fragment for rows owned through their customer: a contractor (a team) sees its customers' only. */
export function viaCustomer(scope: ApiScope): { customer?: { owner_id: OwnerFilter } } {
  const own = ownedBy(scope).owner_id;
  return own === undefined ? {} : { customer: { owner_id: own } };
}

/**
 * The owner a request acts for. A contractor key acts only as itself (naming another owner is
 * FORBIDDEN); an admin key may name an `owner_id` (then every referenced row must be theirs) or
 * leave it to the referenced customer.
 */
export function requestedOwner(scope: ApiScope, ownerId: string | undefined): Result<string | undefined> {
  if (isAdmin(scope)) return ok(ownerId);
  if (ownerId !== undefined && !canSee(scope, ownerId)) {
    return fail("FORBIDDEN", "owner_id: you can only act for yourself or your team", [{ field: "owner_id" }]);
  }
  // A contractor acts as itself; a team as the member it names, or the referenced row's owner.
  return ok(ownerId === undefined ? soleOwner(scope) : (ownerFor(scope, ownerId) ?? undefined));
}

function ownerWhere(scope: ApiScope, ownerId: string | undefined): { owner_id?: OwnerFilter } {
  return ownerId ? { owner_id: ownerId } : ownedBy(scope);
}

/** The customer a record hangs on, if the scope (and the named owner) may use it. */
export async function customerFor(
  db: Db,
  scope: ApiScope,
  customerId: string,
  ownerId?: string,
  field = "customer_id",
): Promise<Result<Customer>> {
  if (!isUuid(customerId)) return missing("customer", field);
  const c = await db.customer.findFirst({
    where: { id: customerId, ...ownedBy(scope), ...ownerWhere(scope, ownerId) },
  });
  return c ? ok(c) : missing("customer", field);
}

/** The job a record hangs on, if the scope (and the named owner) may use it. */
export async function jobFor(
  db: Db,
  scope: ApiScope,
  jobId: string,
  ownerId?: string,
  field = "job_id",
): Promise<Result<Job>> {
  if (!isUuid(jobId)) return missing("job", field);
  const j = await db.job.findFirst({ where: { id: jobId, ...ownedBy(scope), ...ownerWhere(scope, ownerId) } });
  return j ? ok(j) : missing("job", field);
}

/** One of `ownerId`'s technicians (another owner's is NOT_FOUND, like a missing one). */
export async function technicianOf(
  db: Db,
  ownerId: string,
  technicianId: string,
  field = "technician_id",
): Promise<Result<Technician>> {
  if (!isUuid(technicianId)) return missing("technician", field);
  const t = await db.technician.findFirst({ where: { id: technicianId, owner_id: ownerId } });
  return t ? ok(t) : missing("technician", field);
}

/** A job given with a customer must be that customer's (VALIDATION_FAILED naming the field otherwise). */
export function jobOfCustomer(job: Job, customerId: string, field = "job_id"): Result<Job> {
  return job.customer_id === customerId
    ? ok(job)
    : fail("VALIDATION_FAILED", `${field}: the job is not this customer's`, [
        { field, message: "the job is not this customer's" },
      ]);
}

/**
 * A job named on a customer's record: visible to the scope, of `ownerId`, and that customer's.
 * Payments and expenses hang on both, so a job of another customer is refused (VALIDATION_FAILED).
 */
export async function jobOfCustomerFor(
  db: Db,
  scope: ApiScope,
  jobId: string,
  ownerId: string | undefined,
  customerId: string,
): Promise<Result<Job>> {
  const job = await jobFor(db, scope, jobId, ownerId);
  return job.ok ? jobOfCustomer(job.value, customerId) : job;
}

/**
 * One record by path id that the scope may see, loaded by `find` with the owner filter applied.
 * A malformed id, a missing row and another owner's row all answer the same NOT_FOUND, so a key
 * never learns that someone else's record exists.
 */
export async function ownedRecord<T>(
  scope: ApiScope,
  what: string,
  id: string,
  find: (where: { id: string; owner_id?: OwnerFilter }) => Promise<T | null>,
): Promise<Result<T>> {
  if (!isUuid(id)) return missing(what);
  const row = await find({ id, ...ownedBy(scope) });
  return row ? ok(row) : missing(what);
}

/**
 * The owner part of a list filter: an admin key's `owner_id` narrows the list, and the scope's own
 * filter always applies after it (a contractor naming another owner still sees only its own rows).
 */
export function listOwnerWhere(scope: ApiScope, ownerId: string | undefined): { owner_id?: OwnerFilter } {
  return { ...(ownerId ? { owner_id: ownerId } : {}), ...ownedBy(scope) };
}

/**
 * One page of records in the API's list shape, each row presented. `count` and `rows` close over
 * the same filter, so `total` always describes the rows paged.
 */
export async function presentedPage<R, P>(
  q: PageQuery,
  count: () => Promise<number>,
  rows: (window: { skip: number; take: number }) => Promise<R[]>,
  present: (row: R) => P,
): Promise<{ ok: true; value: Page<P> }> {
  const page = await paginate(q, count, rows);
  return ok({ ...page, data: page.data.map(present) });
}

/**
 * Audit one change of a service record as `<entityType>.<verb>`, with the row before and/or after.
 * Every create, correction and delete of a service record is audited the same way, in its transaction.
 */
export async function auditRecord(
  tx: Db,
  actor: AuditActor,
  at: Date,
  entityType: string,
  verb: "created" | "updated" | "deleted",
  rows: { before?: { id: string }; after?: { id: string } },
): Promise<void> {
  const entityId = (rows.after ?? rows.before)?.id;
  await writeAudit(tx, { actor, action: `${entityType}.${verb}`, entityType, entityId, ...rows, at });
}

/**
 * Delete one record the scope may see (a record made by mistake), audited as `<entityType>.deleted`
 * with what it was. A missing or another owner's record is NOT_FOUND and nothing is deleted.
 */
export async function deleteOwnedRecord(
  deps: CoreDeps,
  scope: ApiScope,
  actor: AuditActor,
  entityType: string,
  id: string,
  model: {
    find: (
      tx: Prisma.TransactionClient,
      where: { id: string; owner_id?: OwnerFilter },
    ) => Promise<{ id: string } | null>;
    remove: (tx: Prisma.TransactionClient) => Promise<unknown>;
  },
): Promise<Result<{ id: string; deleted: true }>> {
  return transact(deps, async ({ tx, now }) => {
    const before = await ownedRecord(scope, entityType, id, (where) => model.find(tx, where));
    if (!before.ok) return before;
    await model.remove(tx);
    await auditRecord(tx, actor, now, entityType, "deleted", { before: before.value });
    return ok({ id, deleted: true as const });
  });
}
