/**
 * Service financials (seed 004): revenue, costs and profit in integer cents. Pure.
 */
import { fromCents } from "../money.js";

/** Totals of one job or one customer, as the API shows them (two-decimal strings). */
export interface Financials {
  payments_total: string;
  payments_count: number;
  expenses_total: string;
  expenses_count: number;
  profit: string;
}

/**
 * Profit = payments − expenses, in cents. Rule (DESIGN.md): a job's profit is its payments minus
 * its expenses; a customer's is all their payments minus their direct and job expenses (each
 * expense once). Cents are integers, so 0.10 + 0.20 is exactly 0.30.
 */
export function financials(
  payments: { cents: number; count: number },
  expenses: { cents: number; count: number },
): Financials {
  return {
    payments_total: fromCents(payments.cents),
    payments_count: payments.count,
    expenses_total: fromCents(expenses.cents),
    expenses_count: expenses.count,
    profit: fromCents(payments.cents - expenses.cents),
  };
}
