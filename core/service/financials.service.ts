/**
 * Job financials (seed 004 GET /jobs/:id/financials): what was paid for a job minus what it
 * cost. Sums are taken by PostgreSQL on numeric columns (exact) and handled in integer cents.
 * A customer's financials are core/crm/customer-query.ts `customerFinancials`.
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import type { CoreDeps } from "../context.js";
import { ok } from "../errors.js";
import { toCents } from "../money.js";
import { financials } from "./financials.js";
import { jobFor } from "./owned-records.js";

/** A job's payments, expenses and profit (payments − expenses), to the cent; NOT_FOUND if not the scope's. */
export async function jobFinancials(deps: CoreDeps, scope: ApiScope, jobId: string) {
  const job = await jobFor(deps.prisma, scope, jobId, undefined, "id");
  if (!job.ok) return job;
  const where = { job_id: job.value.id };
  const [payments, expenses] = await Promise.all([
    deps.prisma.payment.aggregate({ where, _sum: { amount: true }, _count: { _all: true } }),
    deps.prisma.expense.aggregate({ where, _sum: { amount: true }, _count: { _all: true } }),
  ]);
  const totals = financials(
    { cents: toCents(payments._sum.amount ?? 0), count: payments._count._all },
    { cents: toCents(expenses._sum.amount ?? 0), count: expenses._count._all },
  );
  return ok({ job_id: job.value.id, customer_id: job.value.customer_id, ...totals, net: totals.profit });
}
