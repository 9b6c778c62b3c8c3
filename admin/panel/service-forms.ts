import { DateTime } from "luxon";
import type { Failure } from "../../core/errors.js";
import { PAYMENT_METHODS } from "../../core/service/money-input.js";
import { OPPORTUNITY_TYPES } from "../../core/service/opportunity-input.js";
import { FOLLOW_UP_STATUSES, JOB_STATUSES } from "../../core/service/record-input.js";

/**
 * The customer card's service forms (seed 004) as core's use cases take them: a browser form is
 * all strings, core's inputs are typed. Empty optional fields are left out; numbers stay strings
 * when they are not whole numbers, so core refuses them by name; nothing is validated here that
 * core validates itself.
 */
export type Form = Record<string, string>;

/** The card's service sections, each a partial `partials/customer-<section>` with id `<section>`. */
export const SERVICE_SECTIONS = [
  "jobs",
  "payments",
  "expenses",
  "appliances",
  "reviews",
  "technicians",
  "referrals",
  "follow-ups",
  "communication",
  "opportunities",
] as const;
export type ServiceSection = (typeof SERVICE_SECTIONS)[number];

/** The fields each form keeps when it is shown again with its error. */
export const FORM_FIELDS: Record<string, readonly string[]> = {
  jobs: ["title", "technician_id", "status", "scheduled_at", "amount_quoted"],
  payments: ["amount", "payment_method", "job_id", "notes"],
  expenses: ["amount", "description", "job_id"],
  appliances: ["type", "brand", "model_number", "serial_number", "install_date", "location"],
  reviews: ["job_id", "rating", "comment"],
  ratings: ["technician_id", "job_id", "rating"],
  preferred: ["technician_id"],
  referrals: ["referred_by"],
  "follow-ups": ["job_id", "status", "follow_up_date", "satisfaction_rating", "feedback"],
  opportunities: ["opportunity_type", "asset_brand", "asset_age_years", "note"],
  communication: [
    "preferred_contact_method",
    "preferred_contact_times",
    "communication_frequency_preference",
    "language_preference",
  ],
};

/** The posted fields of one form, as strings (anything else is read as empty). */
export function formOf(body: unknown, fields: readonly string[]): Form {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, typeof b[f] === "string" ? (b[f] as string) : ""]));
}

/** The non-empty fields, trimmed (empty means "not given"). */
function given(form: Form, fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = (form[f] ?? "").trim();
    if (v) out[f] = v;
  }
  return out;
}

/** "4" → 4; anything else stays as typed, for core to refuse by name. */
function wholeNumber(v: string | undefined): number | string | undefined {
  return v !== undefined && /^-?\d{1,6}$/.test(v) ? Number(v) : v;
}

/** A `datetime-local` value in the panel's zone as an ISO instant (undefined when empty). */
export function localInstant(v: string | undefined, zone: string): Result<string | undefined> {
  if (!v) return { ok: true, value: undefined };
  const at = DateTime.fromISO(v, { zone });
  if (!at.isValid) return invalid("pick a date and time");
  return { ok: true, value: at.toISO() ?? undefined };
}

type Result<T> = { ok: true; value: T } | Failure;

/** A refusal of the form itself (422 inline, nothing saved). */
export function invalid(message: string, field?: string): Failure {
  return {
    ok: false,
    code: "VALIDATION_FAILED",
    message,
    ...(field ? { details: [{ field, message }] } : {}),
  };
}

/** POST …/jobs → createJob's input. */
export function jobInput(customerId: string, form: Form, zone: string): Result<Record<string, unknown>> {
  const g = given(form, FORM_FIELDS.jobs as string[]);
  const at = localInstant(g.scheduled_at, zone);
  if (!at.ok) return at;
  return {
    ok: true,
    value: {
      customer_id: customerId,
      title: form.title?.trim() ?? "",
      ...(g.technician_id ? { technician_id: g.technician_id } : {}),
      ...(g.status ? { status: g.status } : {}),
      ...(at.value ? { scheduled_at: at.value } : {}),
      ...(g.amount_quoted ? { amount_quoted: g.amount_quoted } : {}),
    },
  };
}

/** POST …/payments → createPayment's input. */
export function paymentInput(customerId: string, form: Form): Record<string, unknown> {
  const g = given(form, FORM_FIELDS.payments as string[]);
  return { customer_id: customerId, amount: form.amount?.trim() ?? "", ...without(g, "amount") };
}

/** POST …/expenses → createExpense's input (on the customer, and on a job when one is picked). */
export function expenseInput(customerId: string, form: Form): Record<string, unknown> {
  const g = given(form, FORM_FIELDS.expenses as string[]);
  return { customer_id: customerId, amount: form.amount?.trim() ?? "", ...without(g, "amount") };
}

/** POST …/appliances → createAppliance's input. */
export function applianceInput(customerId: string, form: Form): Record<string, unknown> {
  const g = given(form, FORM_FIELDS.appliances as string[]);
  return { customer_id: customerId, type: form.type?.trim() ?? "", ...without(g, "type") };
}

/** POST …/reviews → createReview's input. */
export function reviewInput(form: Form): Record<string, unknown> {
  const g = given(form, FORM_FIELDS.reviews as string[]);
  return { job_id: g.job_id ?? "", rating: wholeNumber(g.rating) ?? "", ...(g.comment ? { comment: g.comment } : {}) };
}

/** POST …/technician-ratings → rateTechnician's input. */
export function ratingInput(form: Form): Record<string, unknown> {
  const g = given(form, FORM_FIELDS.ratings as string[]);
  return { technician_id: g.technician_id ?? "", job_id: g.job_id ?? "", rating: wholeNumber(g.rating) ?? "" };
}

/** POST …/follow-ups → createFollowUp's input. */
export function followUpInput(form: Form, zone: string): Result<Record<string, unknown>> {
  const g = given(form, FORM_FIELDS["follow-ups"] as string[]);
  const at = localInstant(g.follow_up_date, zone);
  if (!at.ok) return at;
  return {
    ok: true,
    value: {
      job_id: g.job_id ?? "",
      ...(g.status ? { status: g.status } : {}),
      ...(at.value ? { follow_up_date: at.value } : {}),
      ...(g.satisfaction_rating ? { satisfaction_rating: wholeNumber(g.satisfaction_rating) } : {}),
      ...(g.feedback ? { feedback: g.feedback } : {}),
    },
  };
}

/**
 * POST …/communication → updateCustomer's communication fields. Empty clears a preference;
 * the contact times are JSON of seed 004's shape (`{"weekdays": ["morning"]}`), validated by core.
 */
export function communicationInput(form: Form): Result<Record<string, unknown>> {
  const times = (form.preferred_contact_times ?? "").trim();
  let parsed: unknown = null;
  if (times) {
    try {
      parsed = JSON.parse(times);
    } catch {
      return invalid('contact times: write JSON like {"weekdays": ["morning"], "weekends": ["any"]}');
    }
  }
  const or = (v: string | undefined) => (v?.trim() ? v.trim() : null);
  return {
    ok: true,
    value: {
      preferred_contact_method: or(form.preferred_contact_method),
      preferred_contact_times: parsed,
      communication_frequency_preference: or(form.communication_frequency_preference),
      language_preference: (form.language_preference ?? "").trim() || "en",
    },
  };
}

/**
 * POST …/opportunities → createOpportunity's input: the type (core refuses an unknown one by
 * name), the asset's brand and age in years (a number, or refused here), a note kept with the
 * asset facts.
 */
export function opportunityInput(customerId: string, form: Form): Result<Record<string, unknown>> {
  const g = given(form, FORM_FIELDS.opportunities as string[]);
  const age = g.asset_age_years;
  if (age !== undefined && !/^\d{1,3}(\.\d{1,2})?$/.test(age)) {
    return invalid("asset age: a number of years like 12", "asset_age_years");
  }
  return {
    ok: true,
    value: {
      customer_id: customerId,
      opportunity_type: g.opportunity_type ?? "",
      ...(g.asset_brand ? { asset_brand: g.asset_brand } : {}),
      ...(age !== undefined ? { asset_age_years: Number(age) } : {}),
      ...(g.note ? { forensic_inputs: { note: g.note.slice(0, 200) } } : {}),
    },
  };
}

function without(o: Record<string, string>, key: string): Record<string, string> {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

/** The choices every service form offers. */
export const SERVICE_CHOICES = {
  paymentMethods: PAYMENT_METHODS,
  jobStatuses: JOB_STATUSES,
  followUpStatuses: FOLLOW_UP_STATUSES,
  contactMethods: ["whatsapp", "email", "phone", "sms", "telegram"],
  frequencies: ["minimal", "moderate", "frequent"],
  opportunityTypes: OPPORTUNITY_TYPES,
} as const;
