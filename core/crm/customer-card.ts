import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { ok } from "../errors.js";
import { isUuid } from "../ids.js";
import { nextBestActions } from "../nba/rules.js";
import { customerCounts } from "../service/customer-counts.query.js";
import { presentExpense, presentJob, presentPayment } from "../service/present.js";
import { customerFinancials, daysSince } from "./customer-query.js";
import { notFound } from "./owned.js";
import { isOverdue } from "./reminder-rules.js";
import { fromCanonical, nextStage, VOCABULARIES } from "./status-mapping.js";

/** How many of each history list the card carries; the counts tell how many there are in all. */
export const CARD_LIST_LIMIT = 50;
const take = CARD_LIST_LIMIT;
const person = { select: { id: true, name: true } } as const;

/**
 * The customer card (seed 003 Kundekort, seed 004 customer view): the customer with their
 * pipeline position in every vocabulary, interactions, reminders (overdue flagged), deals,
 * nurturing sequences, events, jobs with reviews/expenses/technician, payments, expenses (direct
 * and on their jobs), appliances, reviews, technician ratings, referrals, the preferred
 * technician, service follow-ups, financials over the whole history (payments − direct and job
 * expenses, exact to the cent), counts of everything, and the rule-based next best actions.
 * A bounded number of queries whatever the history size: the lists are the latest
 * CARD_LIST_LIMIT of each, the counts and totals are aggregates.
 */
export async function getCustomerCard(deps: CoreDeps, scope: ApiScope, id: string) {
  if (!isUuid(id)) return notFound("customer");
  const now = deps.clock.now();
  const c = await deps.prisma.customer.findFirst({
    where: { id, ...ownedBy(scope) },
    include: {
      referred_by: person,
      referrals: { ...person, orderBy: { created_at: "asc" }, take },
      preferred_technician: { select: { id: true, name: true, rating: true, phone: true } },
      identities: { select: { id: true, channel: true, address: true, opted_out: true, opted_out_at: true } },
      interactions: { orderBy: { created_at: "desc" }, take },
      reminders: { orderBy: [{ completed: "asc" }, { scheduled_for: "asc" }], take },
      deals: {
        orderBy: { updated_at: "desc" },
        take,
        include: {
          stage: { select: { id: true, name: true, probability: true } },
          pipeline: { select: { id: true, name: true } },
        },
      },
      sequences: { orderBy: { started_at: "desc" }, take, include: { template: { select: { id: true, name: true } } } },
      events: { orderBy: { timestamp: "desc" }, take, omit: { payload_hash: true } },
      jobs: {
        orderBy: { created_at: "desc" },
        take,
        include: {
          reviews: { orderBy: { created_at: "desc" }, take },
          expenses: { orderBy: { incurred_at: "desc" }, take },
          technician: { select: { id: true, name: true } },
        },
      },
      payments: { orderBy: { paid_at: "desc" }, take },
      expenses: { orderBy: { incurred_at: "desc" }, take },
      appliances: { orderBy: { created_at: "asc" }, take },
      reviews: { orderBy: { created_at: "desc" }, take },
      technician_ratings: { orderBy: { created_at: "desc" }, take, include: { technician: person } },
      follow_ups: { orderBy: [{ follow_up_date: { sort: "desc", nulls: "first" } }, { created_at: "desc" }], take },
    },
  });
  if (!c) return notFound("customer");
  // Totals over the whole history (the lists above are the latest CARD_LIST_LIMIT): exact, in cents.
  const [financials, counts] = await Promise.all([customerFinancials(deps, scope, id), customerCounts(deps.prisma, c)]);
  const { reminders, deals, ...rest } = c;
  // Expenses booked on one of the customer's jobs but not on the customer count too (seed 004).
  const jobExpenses = c.jobs.flatMap((j) => j.expenses).filter((e) => e.customer_id !== c.id);
  const open = reminders.filter((r) => !r.completed);
  return ok({
    ...rest,
    jobs: c.jobs.map((j) => ({ ...presentJob(j), expenses: j.expenses.map(presentExpense) })),
    payments: c.payments.map(presentPayment),
    expenses: [...c.expenses, ...jobExpenses].map(presentExpense),
    pipeline: {
      status: c.pipeline_status,
      stage_entered_at: c.stage_entered_at,
      days_in_stage: daysSince(c.stage_entered_at, now),
      next_stage: nextStage(c.pipeline_status),
      labels: Object.fromEntries(VOCABULARIES.map((v) => [v, fromCanonical(c.pipeline_status, v)])),
    },
    reminders: reminders.map((r) => ({ ...r, overdue: isOverdue(r, now) })),
    deals: deals.map((d) => ({ ...d, days_in_stage: daysSince(d.stage_entered_at, now) })),
    financials: financials.ok ? financials.value : null,
    counts,
    nba: nextBestActions({ customer: c, reminders: open, events: c.events, now }),
  });
}
