/** CRM test rows on top of tests/support/factories.ts. */
import type { Db } from "../../core/db.js";
import type { ChannelIdentity, Expense, Payment, Prisma } from "../../prisma/generated/client.js";
import { FACTORY_NOW } from "../support/factories.js";

export * from "../support/factories.js";

let n = 0;

/** A payment of 100.00 by card, paid at FACTORY_NOW. */
export async function makePayment(
  db: Db,
  o: Partial<Prisma.PaymentUncheckedCreateInput> & { owner_id: string; customer_id: string },
): Promise<Payment> {
  return db.payment.create({ data: { amount: "100.00", payment_method: "card", paid_at: FACTORY_NOW, ...o } });
}

/** An expense of 50.00, on a customer and/or a job. */
export async function makeExpense(
  db: Db,
  o: Partial<Prisma.ExpenseUncheckedCreateInput> & { owner_id: string },
): Promise<Expense> {
  return db.expense.create({ data: { amount: "50.00", category: "parts", incurred_at: FACTORY_NOW, ...o } });
}

/** A linked Telegram chat for a user, so chat notices to them are queued. */
export async function linkChat(db: Db, userId: string): Promise<ChannelIdentity> {
  n += 1;
  return db.channelIdentity.create({
    data: { channel: "telegram", address: `tg-crm-${userId}-${n}`, user_id: userId },
  });
}
