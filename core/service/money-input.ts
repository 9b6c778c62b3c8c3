/**
 * Payments and expenses as they arrive by API, chat or panel (seed 004 names, snake_case).
 * Amounts become integer cents here; a payment method outside the enum is refused by name.
 */
import { z } from "zod";
import type { PaymentMethod } from "../../prisma/generated/client.js";
import { amountField, instant, paging, text, uuid } from "./service-input.js";

/** Every payment method (seed 004: cash, card, bank transfer, check, financing, other). */
export const PAYMENT_METHODS = [
  "cash",
  "card",
  "transfer",
  "check",
  "financing",
  "other",
] as const satisfies readonly PaymentMethod[];

/** A payment method; "bank_transfer" is read as `transfer`. */
export const paymentMethod = z
  .enum([...PAYMENT_METHODS, "bank_transfer"], {
    error: "must be one of cash, card, transfer (bank transfer), check, financing, other",
  })
  .transform((m): PaymentMethod => (m === "bank_transfer" ? "transfer" : m));

const paymentFields = {
  amount: amountField({ positive: true }),
  payment_method: paymentMethod.nullable(),
  job_id: uuid().nullable(),
  paid_at: instant(),
  notes: z.string().max(2_000).nullable(),
};

export const paymentCreateSchema = z
  .object({
    owner_id: uuid().optional().describe("admin keys: the contractor; default the customer's owner"),
    customer_id: uuid(),
    amount: paymentFields.amount,
    payment_method: paymentFields.payment_method.optional(),
    job_id: paymentFields.job_id.optional(),
    paid_at: paymentFields.paid_at.optional().describe("default: now"),
    notes: paymentFields.notes.optional(),
  })
  .strict();

export const paymentUpdateSchema = z
  .object({
    amount: paymentFields.amount.optional(),
    payment_method: paymentFields.payment_method.optional(),
    job_id: paymentFields.job_id.optional(),
    paid_at: paymentFields.paid_at.optional(),
    notes: paymentFields.notes.optional(),
  })
  .strict();

const expenseFields = {
  amount: amountField({ positive: true }),
  description: z.string().trim().max(2_000).nullable(),
  category: text(100).nullable(),
  incurred_at: instant(),
};

export const expenseCreateSchema = z
  .object({
    owner_id: uuid().optional().describe("admin keys: the contractor; default the customer's or job's owner"),
    customer_id: uuid().optional(),
    job_id: uuid().optional(),
    amount: expenseFields.amount,
    description: expenseFields.description.optional(),
    category: expenseFields.category.optional(),
    incurred_at: expenseFields.incurred_at.optional().describe("default: now"),
  })
  .strict()
  .refine((e) => e.customer_id !== undefined || e.job_id !== undefined, {
    message: "an expense is on a customer, a job or both: give customer_id and/or job_id",
    path: ["customer_id"],
  });

export const expenseUpdateSchema = z
  .object({
    amount: expenseFields.amount.optional(),
    description: expenseFields.description.optional(),
    category: expenseFields.category.optional(),
    incurred_at: expenseFields.incurred_at.optional(),
  })
  .strict();

export const paymentListQuery = z.object({
  customer_id: uuid().optional(),
  job_id: uuid().optional(),
  payment_method: paymentMethod.optional(),
  owner_id: uuid().optional(),
  ...paging,
});

export const expenseListQuery = z.object({
  customer_id: uuid().optional().describe("direct expenses and those on the customer's jobs"),
  job_id: uuid().optional(),
  owner_id: uuid().optional(),
  ...paging,
});

export type PaymentListQuery = z.output<typeof paymentListQuery>;
export type ExpenseListQuery = z.output<typeof expenseListQuery>;
