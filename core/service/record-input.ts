/**
 * Technicians, jobs, appliances, reviews, technician ratings, preferred technician, referrals
 * and service follow-ups as they arrive by API, chat or panel (seed 004 names, snake_case).
 */
import { z } from "zod";
import type { FollowUpStatus, JobStatus } from "../../prisma/generated/client.js";
import { normalizePhone } from "../marketplace/lead-input.js";
import { amountField, calendarDate, instant, paging, text, uuid } from "./service-input.js";

export const JOB_STATUSES = [
  "scheduled",
  "in_progress",
  "completed",
  "cancelled",
] as const satisfies readonly JobStatus[];
export const FOLLOW_UP_STATUSES = [
  "PENDING",
  "SCHEDULED",
  "SENT",
  "COMPLETED",
  "NO_RESPONSE",
  "FAILED",
] as const satisfies readonly FollowUpStatus[];

/** A 1–5 star rating (0 and 6 are refused by name). */
export const rating = () => z.number().int("must be a whole number from 1 to 5").min(1).max(5);

const phone = z
  .string()
  .max(32)
  .refine((v) => normalizePhone(v) !== null, "not a valid phone number")
  .transform((v) => normalizePhone(v) as string);

const technicianFields = {
  name: text(255).min(1),
  phone: phone.nullable(),
  email: z.email().max(255).nullable(),
  skills: z.array(text(50).min(1)).max(30),
  is_active: z.boolean(),
};
const optional = <T extends Record<string, z.ZodType>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };

export const technicianCreateSchema = z
  .object({ owner_id: uuid().optional(), ...optional(technicianFields), name: technicianFields.name })
  .strict();
export const technicianUpdateSchema = z.object(optional(technicianFields)).strict();

const jobFields = {
  technician_id: uuid().nullable(),
  title: text(255).min(1),
  description: z.string().max(20_000).nullable(),
  status: z.enum(JOB_STATUSES),
  scheduled_at: instant().nullable(),
  completion_date: instant().nullable(),
  amount_quoted: amountField().nullable().describe("the amount quoted (stored as total_usd)"),
  total_usd: amountField().nullable().describe("alias of amount_quoted"),
};
export const jobCreateSchema = z
  .object({ owner_id: uuid().optional(), customer_id: uuid(), ...optional(jobFields), title: jobFields.title })
  .strict();
export const jobUpdateSchema = z.object(optional(jobFields)).strict();

const applianceFields = {
  type: text(100).min(1).describe("e.g. water_heater, furnace, ac"),
  brand: text(100).nullable(),
  model_number: text(100).nullable(),
  serial_number: text(100).nullable(),
  install_date: calendarDate().nullable(),
  last_service_date: calendarDate().nullable(),
  location: text(100).nullable().describe('where it is: "basement", "garage"…'),
  job_id: uuid().nullable().describe("the last service job"),
};
export const applianceCreateSchema = z
  .object({ customer_id: uuid(), ...optional(applianceFields), type: applianceFields.type })
  .strict();
export const applianceUpdateSchema = z.object(optional(applianceFields)).strict();

export const reviewCreateSchema = z
  .object({
    job_id: uuid(),
    rating: rating(),
    comment: z.string().trim().max(5_000).nullable().optional(),
    technician_id: uuid().nullable().optional().describe("default: the job's technician"),
  })
  .strict();

export const technicianRatingSchema = z.object({ technician_id: uuid(), job_id: uuid(), rating: rating() }).strict();

export const preferredTechnicianSchema = z
  .object({ technician_id: uuid().nullable().describe("null clears the preference") })
  .strict();

export const referredBySchema = z
  .object({ referred_by_id: uuid().nullable().describe("the customer who referred this one; null clears it") })
  .strict();

const followUpFields = {
  status: z.enum(FOLLOW_UP_STATUSES),
  follow_up_date: instant().nullable().describe("when it is scheduled / happened"),
  satisfaction_rating: rating().nullable(),
  feedback: z.string().trim().max(5_000).nullable(),
  message: z.string().trim().max(2_000).nullable(),
  channel: z.enum(["telegram", "whatsapp", "email", "sms"]).nullable(),
};
export const followUpCreateSchema = z.object({ job_id: uuid(), ...optional(followUpFields) }).strict();
export const followUpUpdateSchema = z.object(optional(followUpFields)).strict();

export const technicianListQuery = z.object({
  active: z.enum(["true", "false"]).optional(),
  owner_id: uuid().optional(),
  ...paging,
});
export const jobListQuery = z.object({
  customer_id: uuid().optional(),
  technician_id: uuid().optional(),
  status: z.enum(JOB_STATUSES).optional(),
  owner_id: uuid().optional(),
  ...paging,
});
export const applianceListQuery = z.object({
  customer_id: uuid().optional(),
  type: text(100).optional(),
  ...paging,
});
export const reviewListQuery = z.object({
  job_id: uuid().optional(),
  customer_id: uuid().optional(),
  technician_id: uuid().optional(),
  ...paging,
});
export const followUpListQuery = z.object({
  status: z.enum(FOLLOW_UP_STATUSES).optional(),
  customer_id: uuid().optional(),
  job_id: uuid().optional(),
  ...paging,
});
export const pageQuery = z.object({ ...paging });

export type TechnicianListQuery = z.output<typeof technicianListQuery>;
export type JobListQuery = z.output<typeof jobListQuery>;
export type ApplianceListQuery = z.output<typeof applianceListQuery>;
export type ReviewListQuery = z.output<typeof reviewListQuery>;
export type FollowUpListQuery = z.output<typeof followUpListQuery>;
export type PageQuery = z.output<typeof pageQuery>;
