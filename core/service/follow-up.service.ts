/**
 * Service follow-ups (seed 004 service satisfaction): after a job, a check-in with the customer
 * — its status (PENDING, SCHEDULED, SENT, COMPLETED, NO_RESPONSE, FAILED), when, the
 * satisfaction they gave (1–5) and what they said. Owned through the job's customer.
 */
import type { Prisma, ServiceFollowUp } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { pageWindow } from "../paging.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { checkFollowUp } from "./follow-up-rules.js";
import { jobFor, missing, viaCustomer } from "./owned-records.js";
import { type FollowUpListQuery, followUpCreateSchema, followUpUpdateSchema } from "./record-input.js";
import { asDate } from "./service-input.js";

/** Record a follow-up for one of the scope's jobs (the customer is the job's). */
export async function createFollowUp(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor: AuditActor,
): Promise<Result<ServiceFollowUp>> {
  const v = validate(followUpCreateSchema, input);
  if (!v.ok) return v;
  const date = asDate(v.value.follow_up_date);
  const state = checkFollowUp(null, { status: v.value.status, follow_up_date: date });
  if (!state.ok) return state;
  return transact(deps, async ({ tx, now }) => {
    const job = await jobFor(tx, scope, v.value.job_id);
    if (!job.ok) return job;
    const f = await tx.serviceFollowUp.create({
      data: { ...v.value, follow_up_date: date, customer_id: job.value.customer_id, created_at: now },
    });
    await writeAudit(tx, {
      actor,
      action: "follow_up.created",
      entityType: "service_follow_up",
      entityId: f.id,
      after: f,
      at: now,
    });
    return ok(f);
  });
}

/** Update a follow-up's status, time, satisfaction or feedback (a scheduler marks it SENT/FAILED). */
export async function updateFollowUp(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<ServiceFollowUp>> {
  const v = validate(followUpUpdateSchema, input);
  if (!v.ok) return v;
  if (!isUuid(id)) return missing("follow-up");
  return transact(deps, async ({ tx, now }) => {
    const before = await tx.serviceFollowUp.findFirst({ where: { id, ...viaCustomer(scope) } });
    if (!before) return missing("follow-up");
    const date = asDate(v.value.follow_up_date);
    const state = checkFollowUp(before, { status: v.value.status, follow_up_date: date });
    if (!state.ok) return state;
    const f = await tx.serviceFollowUp.update({ where: { id }, data: { ...v.value, follow_up_date: date } });
    await writeAudit(tx, {
      actor,
      action: "follow_up.updated",
      entityType: "service_follow_up",
      entityId: id,
      before,
      after: f,
      at: now,
    });
    return ok(f);
  });
}

/** One follow-up the scope may see. */
export async function getFollowUp(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<ServiceFollowUp>> {
  if (!isUuid(id)) return missing("follow-up");
  const f = await deps.prisma.serviceFollowUp.findFirst({ where: { id, ...viaCustomer(scope) } });
  return f ? ok(f) : missing("follow-up");
}

/** The scope's follow-ups, soonest first (undated last), by status, customer or job. */
export async function listFollowUps(deps: CoreDeps, scope: ApiScope, q: FollowUpListQuery) {
  const where: Prisma.ServiceFollowUpWhereInput = {
    ...viaCustomer(scope),
    ...(q.status ? { status: q.status } : {}),
    ...(q.customer_id ? { customer_id: q.customer_id } : {}),
    ...(q.job_id ? { job_id: q.job_id } : {}),
  };
  const [total, rows] = await Promise.all([
    deps.prisma.serviceFollowUp.count({ where }),
    deps.prisma.serviceFollowUp.findMany({
      where,
      orderBy: [{ follow_up_date: { sort: "asc", nulls: "last" } }, { created_at: "desc" }, { id: "asc" }],
      ...pageWindow(q),
    }),
  ]);
  return ok({ data: rows, total, page: q.page, per_page: q.per_page });
}
