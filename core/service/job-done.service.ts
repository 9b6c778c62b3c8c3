/**
 * "Job done, paid 450 by card" (seed 004, the contractor's chat): complete the customer's open
 * job — or book a completed one — and record the payment, in one transaction, so a job is never
 * completed without its payment nor a payment left without its job.
 */
import type { Job, JobStatus } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import type { AuditActor } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { fromCents } from "../money.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { jobCompletion } from "./job-rules.js";
import { paymentCreateSchema } from "./money-input.js";
import { auditRecord, customerFor, jobOfCustomer, missing } from "./owned-records.js";
import { presentJob, presentPayment } from "./present.js";
import { cents } from "./service-input.js";

/** The statuses of a job that is still to be done. */
const OPEN: readonly JobStatus[] = ["scheduled", "in_progress"];
/** How many open jobs are offered when the person has to pick one. */
export const MAX_OPEN_JOBS = 6;
/** The title of a job booked by "done" when the customer had none open. */
export const DONE_JOB_TITLE = "Service visit";

/** A customer's open jobs (in progress first, then the soonest scheduled): what "done" may complete. */
export async function openJobsOf(deps: CoreDeps, scope: ApiScope, customerId: string): Promise<Result<Job[]>> {
  const customer = await customerFor(deps.prisma, scope, customerId, undefined, "id");
  if (!customer.ok) return customer;
  const jobs = await deps.prisma.job.findMany({
    where: { customer_id: customer.value.id, status: { in: [...OPEN] } },
    orderBy: [{ status: "desc" }, { scheduled_at: { sort: "asc", nulls: "last" } }, { created_at: "asc" }],
    take: MAX_OPEN_JOBS,
  });
  return ok(jobs);
}

/** Which job "done" is about: one of the customer's open jobs, a new completed one, or decided here. */
export type DoneJob = { jobId: string } | "new" | "auto";

/**
 * Record that a job for one of the scope's customers is done and paid: `amount` (> 0, two
 * decimals at most) with its method. Rule: with `auto`, the customer's only open job is
 * completed, or a completed "Service visit" quoted at the amount is booked when none is open;
 * several open jobs are a CONFLICT listing them (the person picks one). A named job must be the
 * customer's and open. Everything, audit rows included, is written in one transaction.
 */
export async function recordJobDone(
  deps: CoreDeps,
  scope: ApiScope,
  input: { customer_id: string; amount: string | number; payment_method?: string | null; job: DoneJob },
  actor: AuditActor,
): Promise<
  Result<{ job: ReturnType<typeof presentJob>; payment: ReturnType<typeof presentPayment>; created: boolean }>
> {
  const v = validate(paymentCreateSchema, {
    customer_id: input.customer_id,
    amount: input.amount,
    ...(input.payment_method ? { payment_method: input.payment_method } : {}),
  });
  if (!v.ok) return v;
  const named = typeof input.job === "object" ? input.job.jobId : null;
  if (named !== null && !isUuid(named)) return missing("job", "job_id");
  return transact(deps, async ({ tx, now }) => {
    const customer = await customerFor(tx, scope, v.value.customer_id);
    if (!customer.ok) return customer;
    const amount = fromCents(cents(v.value.amount));
    let before: Job | null = null;
    if (named !== null) {
      before = await tx.job.findFirst({ where: { id: named, owner_id: customer.value.owner_id } });
      if (!before) return missing("job", "job_id");
      const same = jobOfCustomer(before, customer.value.id);
      if (!same.ok) return same;
      if (!OPEN.includes(before.status)) {
        return fail("CONFLICT", `job_id: the job is ${before.status} already`, [
          { field: "job_id", message: `the job is ${before.status} already` },
        ]);
      }
    } else if (input.job === "auto") {
      const open = await tx.job.findMany({
        where: { customer_id: customer.value.id, status: { in: [...OPEN] } },
        orderBy: [{ status: "desc" }, { scheduled_at: { sort: "asc", nulls: "last" } }, { created_at: "asc" }],
        take: MAX_OPEN_JOBS,
      });
      if (open.length > 1) {
        return fail("CONFLICT", "the customer has several open jobs: say which one", {
          open_jobs: open.map((j) => ({ id: j.id, title: j.title, status: j.status })),
        });
      }
      before = open[0] ?? null;
    }
    let job: Job;
    if (before) {
      const done = jobCompletion(before, { status: "completed" }, now);
      if (!done.ok) return done;
      job = await tx.job.update({ where: { id: before.id }, data: { ...done.value, updated_at: now } });
      await auditRecord(tx, actor, now, "job", "updated", { before, after: job });
    } else {
      job = await tx.job.create({
        data: {
          owner_id: customer.value.owner_id,
          customer_id: customer.value.id,
          title: DONE_JOB_TITLE,
          status: "completed",
          completion_date: now,
          total_usd: amount,
          created_at: now,
          updated_at: now,
        },
      });
      await auditRecord(tx, actor, now, "job", "created", { after: job });
    }
    const payment = await tx.payment.create({
      data: {
        owner_id: customer.value.owner_id,
        customer_id: customer.value.id,
        job_id: job.id,
        amount,
        payment_method: v.value.payment_method ?? null,
        paid_at: now,
        created_at: now,
      },
    });
    await auditRecord(tx, actor, now, "payment", "created", { after: payment });
    return ok({ job: presentJob(job), payment: presentPayment(payment), created: before === null });
  });
}
