/**
 * Jobs (seed 004): a visit or ticket for a customer, with its technician, status, dates and
 * the amount quoted. Closing a job with a resolution stays core/crm/tech-upsell.service.ts.
 */
import type { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import type { AuditActor } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { ok, type Result } from "../errors.js";
import { fromCents } from "../money.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { jobCompletion } from "./job-rules.js";
import {
  auditRecord,
  customerFor,
  listOwnerWhere,
  ownedRecord,
  presentedPage,
  requestedOwner,
  technicianOf,
} from "./owned-records.js";
import { presentJob } from "./present.js";
import { type JobListQuery, jobCreateSchema, jobUpdateSchema } from "./record-input.js";
import { asDate, cents } from "./service-input.js";

type Presented = ReturnType<typeof presentJob>;

/** `amount_quoted` (or its alias `total_usd`) as the column value. */
function quoted(input: {
  amount_quoted?: string | number | null;
  total_usd?: string | number | null;
}): string | null | undefined {
  const amount = input.amount_quoted !== undefined ? input.amount_quoted : input.total_usd;
  return amount === undefined ? undefined : amount === null ? null : fromCents(cents(amount));
}

/** The dates of a job input as Dates (undefined = not sent). */
function jobDates(v: { scheduled_at?: string | null; completion_date?: string | null }) {
  return { scheduled_at: asDate(v.scheduled_at), completion_date: asDate(v.completion_date) };
}

/**
 * Book a job for one of the scope's customers. The customer must be visible (another owner's is
 * NOT_FOUND, like a missing one) and the technician one of the customer's owner's; the job
 * belongs to the customer's owner.
 */
export async function createJob(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Presented>> {
  const v = validate(jobCreateSchema, input);
  if (!v.ok) return v;
  const owner = requestedOwner(scope, v.value.owner_id);
  if (!owner.ok) return owner;
  return transact(deps, async ({ tx, now }) => {
    const customer = await customerFor(tx, scope, v.value.customer_id, owner.value);
    if (!customer.ok) return customer;
    if (v.value.technician_id) {
      const tech = await technicianOf(tx, customer.value.owner_id, v.value.technician_id);
      if (!tech.ok) return tech;
    }
    const dates = jobDates(v.value);
    const done = jobCompletion(null, { status: v.value.status, completion_date: dates.completion_date }, now);
    if (!done.ok) return done;
    const job = await tx.job.create({
      data: {
        owner_id: customer.value.owner_id,
        customer_id: customer.value.id,
        technician_id: v.value.technician_id ?? null,
        title: v.value.title,
        description: v.value.description ?? null,
        scheduled_at: dates.scheduled_at ?? null,
        total_usd: quoted(v.value) ?? null,
        ...done.value,
        created_at: now,
        updated_at: now,
      },
    });
    await auditRecord(tx, actor, now, "job", "created", { after: job });
    return ok(presentJob(job));
  });
}

/** Change a job's technician, title, status, dates or quoted amount (its customer stays). */
export async function updateJob(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Presented>> {
  const v = validate(jobUpdateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const found = await ownedRecord(scope, "job", id, (where) => tx.job.findFirst({ where }));
    if (!found.ok) return found;
    const before = found.value;
    if (v.value.technician_id) {
      const tech = await technicianOf(tx, before.owner_id, v.value.technician_id);
      if (!tech.ok) return tech;
    }
    const dates = jobDates(v.value);
    const done = jobCompletion(before, { status: v.value.status, completion_date: dates.completion_date }, now);
    if (!done.ok) return done;
    const { amount_quoted: _a, total_usd: _t, status: _s, completion_date: _c, scheduled_at: _d, ...fields } = v.value;
    const data: Prisma.JobUncheckedUpdateInput = { ...fields, ...done.value, updated_at: now };
    if (dates.scheduled_at !== undefined) data.scheduled_at = dates.scheduled_at;
    const amount = quoted(v.value);
    if (amount !== undefined) data.total_usd = amount;
    const job = await tx.job.update({ where: { id }, data });
    await auditRecord(tx, actor, now, "job", "updated", { before, after: job });
    return ok(presentJob(job));
  });
}

/** One job the scope may see, with its technician's name. */
export async function getJob(deps: CoreDeps, scope: ApiScope, id: string) {
  const job = await ownedRecord(scope, "job", id, (where) =>
    deps.prisma.job.findFirst({ where, include: { technician: { select: { id: true, name: true } } } }),
  );
  return job.ok ? ok(presentJob(job.value)) : job;
}

/** The scope's jobs, newest first, filtered by customer, technician or status. */
export async function listJobs(deps: CoreDeps, scope: ApiScope, q: JobListQuery) {
  const where: Prisma.JobWhereInput = {
    ...listOwnerWhere(scope, q.owner_id),
    ...(q.customer_id ? { customer_id: q.customer_id } : {}),
    ...(q.technician_id ? { technician_id: q.technician_id } : {}),
    ...(q.status ? { status: q.status } : {}),
  };
  return presentedPage(
    q,
    () => deps.prisma.job.count({ where }),
    (window) =>
      deps.prisma.job.findMany({
        where,
        orderBy: [{ created_at: "desc" }, { id: "asc" }],
        include: { technician: { select: { id: true, name: true } } },
        ...window,
      }),
    presentJob,
  );
}
