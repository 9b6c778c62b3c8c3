/**
 * Appliances (seed 004): the equipment at a customer's property — type, brand, model, serial,
 * install date, last service, where it is. Owned through the customer. Every column is
 * returned, so what forensics adds to a row shows wherever appliances are shown.
 */
import type { Appliance, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { pageWindow } from "../paging.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { customerFor, jobFor, jobOfCustomer, missing, viaCustomer } from "./owned-records.js";
import { type ApplianceListQuery, applianceCreateSchema, applianceUpdateSchema } from "./record-input.js";
import { asDate, dateOnly, isFutureDate } from "./service-input.js";

/** Refuse dates in the future (an appliance cannot have been installed or serviced tomorrow). */
function checkDates(v: { install_date?: Date | null; last_service_date?: Date | null }, now: Date): Result<null> {
  for (const field of ["install_date", "last_service_date"] as const) {
    const d = v[field];
    if (d && isFutureDate(d, now)) {
      return fail("VALIDATION_FAILED", `${field}: must not be in the future`, [
        { field, message: "must not be in the future" },
      ]);
    }
  }
  return ok(null);
}

/** The install and last-service dates as Dates (midnight UTC); undefined = not sent. */
function applianceDates(v: { install_date?: string | null; last_service_date?: string | null }) {
  const out: { install_date?: Date | null; last_service_date?: Date | null } = {};
  if (v.install_date !== undefined) out.install_date = asDate(v.install_date, dateOnly);
  if (v.last_service_date !== undefined) out.last_service_date = asDate(v.last_service_date, dateOnly);
  return out;
}

/** The last service job, if given, must be one of the appliance's customer's jobs. */
async function checkJob(
  tx: Db,
  scope: ApiScope,
  jobId: string | null | undefined,
  customer: { id: string; owner_id: string },
) {
  if (!jobId) return ok(null);
  const job = await jobFor(tx, scope, jobId, customer.owner_id);
  if (!job.ok) return job;
  return jobOfCustomer(job.value, customer.id);
}

/** Add an appliance to one of the scope's customers; install and service dates not in the future. */
export async function createAppliance(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Appliance>> {
  const v = validate(applianceCreateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const dates = applianceDates(v.value);
    const future = checkDates(dates, now);
    if (!future.ok) return future;
    const customer = await customerFor(tx, scope, v.value.customer_id);
    if (!customer.ok) return customer;
    const job = await checkJob(tx, scope, v.value.job_id, customer.value);
    if (!job.ok) return job;
    const a = await tx.appliance.create({ data: { ...v.value, ...dates, created_at: now, updated_at: now } });
    await writeAudit(tx, {
      actor,
      action: "appliance.created",
      entityType: "appliance",
      entityId: a.id,
      after: a,
      at: now,
    });
    return ok(a);
  });
}

/** Change what is known of an appliance (its customer stays). */
export async function updateAppliance(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Appliance>> {
  const v = validate(applianceUpdateSchema, input);
  if (!v.ok) return v;
  if (!isUuid(id)) return missing("appliance");
  return transact(deps, async ({ tx, now }) => {
    const before = await tx.appliance.findFirst({ where: { id, ...viaCustomer(scope) }, include: { customer: true } });
    if (!before) return missing("appliance");
    const dates = applianceDates(v.value);
    const future = checkDates(dates, now);
    if (!future.ok) return future;
    const job = await checkJob(tx, scope, v.value.job_id, before.customer);
    if (!job.ok) return job;
    const data: Prisma.ApplianceUncheckedUpdateInput = { ...v.value, ...dates, updated_at: now };
    const a = await tx.appliance.update({ where: { id }, data });
    const { customer: _c, ...old } = before;
    await writeAudit(tx, {
      actor,
      action: "appliance.updated",
      entityType: "appliance",
      entityId: id,
      before: old,
      after: a,
      at: now,
    });
    return ok(a);
  });
}

/** Remove an appliance (replaced and hauled away, or entered by mistake). */
export async function deleteAppliance(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  actor: AuditActor,
): Promise<Result<{ id: string; deleted: true }>> {
  if (!isUuid(id)) return missing("appliance");
  return transact(deps, async ({ tx, now }) => {
    const before = await tx.appliance.findFirst({ where: { id, ...viaCustomer(scope) } });
    if (!before) return missing("appliance");
    await tx.appliance.delete({ where: { id } });
    await writeAudit(tx, {
      actor,
      action: "appliance.deleted",
      entityType: "appliance",
      entityId: id,
      before,
      at: now,
    });
    return ok({ id, deleted: true as const });
  });
}

/** One appliance the scope may see (every column). */
export async function getAppliance(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<Appliance>> {
  if (!isUuid(id)) return missing("appliance");
  const a = await deps.prisma.appliance.findFirst({ where: { id, ...viaCustomer(scope) } });
  return a ? ok(a) : missing("appliance");
}

/** The scope's appliances, oldest first, filtered by customer or type. */
export async function listAppliances(deps: CoreDeps, scope: ApiScope, q: ApplianceListQuery) {
  const where: Prisma.ApplianceWhereInput = {
    ...viaCustomer(scope),
    ...(q.customer_id ? { customer_id: q.customer_id } : {}),
    ...(q.type ? { type: { equals: q.type, mode: "insensitive" } } : {}),
  };
  const [total, rows] = await Promise.all([
    deps.prisma.appliance.count({ where }),
    deps.prisma.appliance.findMany({ where, orderBy: [{ created_at: "asc" }, { id: "asc" }], ...pageWindow(q) }),
  ]);
  return ok({ data: rows, total, page: q.page, per_page: q.per_page });
}
