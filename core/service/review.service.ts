/**
 * Reviews of jobs and customers' ratings of technicians (seed 004), both 1–5 stars. Each one
 * refreshes the technician's average, which technician matching and the card show.
 */
import type { CustomerTechnicianRating, Prisma, Review } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { fromCents } from "../money.js";
import { pageWindow } from "../paging.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { customerFor, jobFor, jobOfCustomer, missing, technicianOf, viaCustomer } from "./owned-records.js";
import { type PageQuery, type ReviewListQuery, reviewCreateSchema, technicianRatingSchema } from "./record-input.js";

/**
 * Recompute a technician's rating: the mean of every review of their jobs and every rating
 * customers gave them, to two decimals (0.00 with none). Call it in the transaction that adds one.
 */
export async function refreshTechnicianRating(tx: Db, technicianId: string): Promise<void> {
  const [reviews, ratings] = await Promise.all([
    tx.review.aggregate({ where: { technician_id: technicianId }, _sum: { rating: true }, _count: { _all: true } }),
    tx.customerTechnicianRating.aggregate({
      where: { technician_id: technicianId },
      _sum: { rating: true },
      _count: { _all: true },
    }),
  ]);
  const count = reviews._count._all + ratings._count._all;
  const sum = (reviews._sum.rating ?? 0) + (ratings._sum.rating ?? 0);
  const cents = count === 0 ? 0 : Math.round((sum * 100) / count);
  await tx.technician.update({ where: { id: technicianId }, data: { rating: fromCents(cents) } });
}

/**
 * A customer's review of a job (1–5). The customer is the job's; the technician is the job's
 * unless another of the owner's technicians is named.
 */
export async function createReview(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Review>> {
  const v = validate(reviewCreateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const job = await jobFor(tx, scope, v.value.job_id);
    if (!job.ok) return job;
    let technicianId = job.value.technician_id;
    if (v.value.technician_id !== undefined) {
      technicianId = v.value.technician_id;
      if (technicianId) {
        const tech = await technicianOf(tx, job.value.owner_id, technicianId);
        if (!tech.ok) return tech;
      }
    }
    const review = await tx.review.create({
      data: {
        job_id: job.value.id,
        customer_id: job.value.customer_id,
        technician_id: technicianId,
        rating: v.value.rating,
        comment: v.value.comment ?? null,
        created_at: now,
      },
    });
    if (technicianId) await refreshTechnicianRating(tx, technicianId);
    await writeAudit(tx, {
      actor,
      action: "review.created",
      entityType: "review",
      entityId: review.id,
      after: review,
      at: now,
    });
    return ok(review);
  });
}

/** One review the scope may see. */
export async function getReview(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<Review>> {
  if (!isUuid(id)) return missing("review");
  const r = await deps.prisma.review.findFirst({ where: { id, ...viaCustomer(scope) } });
  return r ? ok(r) : missing("review");
}

/** The scope's reviews, newest first, by job, customer or technician. */
export async function listReviews(deps: CoreDeps, scope: ApiScope, q: ReviewListQuery) {
  const where: Prisma.ReviewWhereInput = {
    ...viaCustomer(scope),
    ...(q.job_id ? { job_id: q.job_id } : {}),
    ...(q.customer_id ? { customer_id: q.customer_id } : {}),
    ...(q.technician_id ? { technician_id: q.technician_id } : {}),
  };
  const [total, rows] = await Promise.all([
    deps.prisma.review.count({ where }),
    deps.prisma.review.findMany({
      where,
      orderBy: [{ created_at: "desc" }, { id: "asc" }],
      include: { technician: { select: { id: true, name: true } } },
      ...pageWindow(q),
    }),
  ]);
  return ok({ data: rows, total, page: q.page, per_page: q.per_page });
}

/**
 * A customer rates a technician (1–5) for one of the customer's jobs (seed 004
 * POST /customers/:id/technician-rating). The technician must be the customer's owner's.
 */
export async function rateTechnician(
  deps: CoreDeps,
  scope: ApiScope,
  customerId: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<CustomerTechnicianRating>> {
  const v = validate(technicianRatingSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const customer = await customerFor(tx, scope, customerId, undefined, "id");
    if (!customer.ok) return customer;
    const tech = await technicianOf(tx, customer.value.owner_id, v.value.technician_id);
    if (!tech.ok) return tech;
    const job = await jobFor(tx, scope, v.value.job_id, customer.value.owner_id);
    if (!job.ok) return job;
    const same = jobOfCustomer(job.value, customer.value.id);
    if (!same.ok) return same;
    const rating = await tx.customerTechnicianRating.create({
      data: {
        customer_id: customer.value.id,
        technician_id: tech.value.id,
        job_id: job.value.id,
        rating: v.value.rating,
        created_at: now,
      },
    });
    await refreshTechnicianRating(tx, tech.value.id);
    await writeAudit(tx, {
      actor,
      action: "technician_rating.created",
      entityType: "customer_technician_rating",
      entityId: rating.id,
      after: rating,
      at: now,
    });
    return ok(rating);
  });
}

/** A customer's technician ratings, newest first, each with the technician's name. */
export async function listTechnicianRatings(deps: CoreDeps, scope: ApiScope, customerId: string, q: PageQuery) {
  const customer = await customerFor(deps.prisma, scope, customerId, undefined, "id");
  if (!customer.ok) return customer;
  const where = { customer_id: customer.value.id };
  const [total, rows] = await Promise.all([
    deps.prisma.customerTechnicianRating.count({ where }),
    deps.prisma.customerTechnicianRating.findMany({
      where,
      orderBy: [{ created_at: "desc" }, { id: "asc" }],
      include: { technician: { select: { id: true, name: true } } },
      ...pageWindow(q),
    }),
  ]);
  return ok({ data: rows, total, page: q.page, per_page: q.per_page });
}
