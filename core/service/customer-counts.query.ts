/**
 * How many of each history row a customer has, for the customer card (seed 003 Kundekort, seed
 * 004 customer view). One query of index-backed scalar subqueries, filtered by the customer, so
 * the card's cost does not grow with other customers' history (Prisma's relation `_count`
 * aggregates each whole table before joining it).
 */
import type { Db } from "../db.js";

/** The card's counters. `expenses` counts direct and job expenses, each once (what its profit counts). */
export interface CustomerCounts {
  interactions: number;
  reminders: number;
  reminders_open: number;
  deals: number;
  deals_open: number;
  sequences: number;
  events: number;
  jobs: number;
  payments: number;
  expenses: number;
  appliances: number;
  reviews: number;
  referrals: number;
  technician_ratings: number;
  follow_ups: number;
}

/** Count a customer's rows of every kind in one round trip. */
export async function customerCounts(db: Db, customer: { id: string; owner_id: string }): Promise<CustomerCounts> {
  const id = customer.id;
  const rows = await db.$queryRaw<Array<Record<keyof CustomerCounts, bigint>>>`
    SELECT
      (SELECT count(*) FROM customer_interactions WHERE customer_id = ${id}::uuid) AS interactions,
      (SELECT count(*) FROM reminders WHERE customer_id = ${id}::uuid) AS reminders,
      (SELECT count(*) FROM reminders WHERE customer_id = ${id}::uuid AND NOT completed) AS reminders_open,
      (SELECT count(*) FROM deals WHERE customer_id = ${id}::uuid) AS deals,
      (SELECT count(*) FROM deals WHERE customer_id = ${id}::uuid AND status = 'open') AS deals_open,
      (SELECT count(*) FROM nurturing_sequences WHERE customer_id = ${id}::uuid) AS sequences,
      (SELECT count(*) FROM event_logs WHERE customer_id = ${id}::uuid) AS events,
      (SELECT count(*) FROM jobs WHERE customer_id = ${id}::uuid) AS jobs,
      (SELECT count(*) FROM payments WHERE customer_id = ${id}::uuid) AS payments,
      (SELECT count(*) FROM expenses e WHERE e.customer_id = ${id}::uuid
         OR e.job_id IN (SELECT j.id FROM jobs j WHERE j.customer_id = ${id}::uuid)) AS expenses,
      (SELECT count(*) FROM appliances WHERE customer_id = ${id}::uuid) AS appliances,
      (SELECT count(*) FROM reviews WHERE customer_id = ${id}::uuid) AS reviews,
      (SELECT count(*) FROM customers
         WHERE owner_id = ${customer.owner_id}::uuid AND referred_by_id = ${id}::uuid) AS referrals,
      (SELECT count(*) FROM customer_technician_ratings WHERE customer_id = ${id}::uuid) AS technician_ratings,
      (SELECT count(*) FROM service_follow_ups WHERE customer_id = ${id}::uuid) AS follow_ups`;
  const row = rows[0] as Record<keyof CustomerCounts, bigint>;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as CustomerCounts;
}
