/**
 * Customer input as it arrives by API (seed 002/003/004 field names), validated and turned into
 * column values. Seed 003's `source`, `language`, `consent` and `utm` are accepted as aliases of
 * `lead_source`, `language_preference`, `consent_json` and `utm_json`.
 */
import { z } from "zod";
import { type CanonicalStatus, type CustomerStatus, Prisma } from "../../prisma/generated/client.js";
import { fail, ok, type Result } from "../errors.js";
import { normalizePhone } from "../marketplace/lead-input.js";
import { contactTimesSchema } from "../service/contact-times.js";
import { isoDateTime } from "../validation.js";
import { parseVocabulary, toCanonical, type Vocabulary } from "./status-mapping.js";

export const CUSTOMER_STATUSES = ["lead", "active", "churned"] as const satisfies readonly CustomerStatus[];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time like "21:00"');
const json = z.record(z.string(), z.unknown());
const text = (max: number) => z.string().trim().max(max);

/** A valid IANA time zone name. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Seed 004's communication preferences (PUT /customers/:id/communication-preferences). */
export const communicationFields = {
  preferred_contact_method: z.enum(["whatsapp", "email", "phone", "sms", "telegram"]).nullable(),
  preferred_contact_times: contactTimesSchema.nullable(),
  communication_frequency_preference: z.enum(["minimal", "moderate", "frequent"]).nullable(),
  language_preference: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2,4})?$/, 'a language code like "en" or "da"'),
  timezone: z.string().max(64).refine(isTimeZone, "an IANA time zone such as America/Phoenix").nullable(),
  quiet_hours_start: hhmm.nullable(),
  quiet_hours_end: hhmm.nullable(),
};

export const communicationPreferencesSchema = z
  .object(
    Object.fromEntries(Object.entries(communicationFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof communicationFields]: z.ZodOptional<(typeof communicationFields)[K]>;
    },
  )
  .strict();

const customerFields = {
  name: text(255).min(1),
  email: z.email().max(255).nullable(),
  phone: z
    .string()
    .max(32)
    .refine((v) => normalizePhone(v) !== null, "not a valid phone number")
    .nullable(),
  status: z.string().max(50).describe("lead | active | churned — or a pipeline term, read as pipeline_status"),
  pipeline_status: z.string().max(50).describe("canonical status or a term of any pipeline vocabulary"),
  vocabulary: z.string().max(50).describe("canonical | recruiting | frazer: how to read pipeline terms"),
  lead_source: text(100).nullable(),
  source: text(100).nullable(),
  notes: z.string().max(20_000).nullable(),
  next_action: text(500).nullable(),
  next_action_date: isoDateTime().nullable(),
  handles: z.record(z.string().max(30), z.string().max(255)).nullable(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, "an ISO country code like US")
    .transform((v) => v.toUpperCase())
    .nullable(),
  language: communicationFields.language_preference,
  property_address: text(255).nullable(),
  property_city: text(100).nullable(),
  property_state: text(20).nullable(),
  property_zip: text(10).nullable(),
  consent_json: json.nullable(),
  consent: json.nullable(),
  utm_json: json.nullable(),
  utm: json.nullable(),
  referred_by_id: z.guid().nullable(),
  preferred_technician_id: z.guid().nullable(),
  ...communicationFields,
};

type Fields = typeof customerFields;
const optionalFields = Object.fromEntries(Object.entries(customerFields).map(([k, v]) => [k, v.optional()])) as {
  [K in keyof Fields]: z.ZodOptional<Fields[K]>;
};

export const customerUpdateSchema = z.object(optionalFields).strict();
export const customerCreateSchema = z
  .object({ ...optionalFields, name: customerFields.name, owner_id: z.string().optional() })
  .strict();

export type CustomerUpdateInput = z.output<typeof customerUpdateSchema>;

/**
 * Read `status` and `pipeline_status` together. `status` is the lifecycle (lead, active,
 * churned); any other value that is a pipeline term is taken as the pipeline status, so seed-003
 * clients that send their canonical status as `status` still work. Pipeline terms may be in any
 * vocabulary; the canonical one is what is stored.
 */
export function resolveStatuses(input: {
  status?: string;
  pipeline_status?: string;
  vocabulary?: string;
}): Result<{ status?: CustomerStatus; pipeline_status?: CanonicalStatus }> {
  let vocabulary: Vocabulary | undefined;
  if (input.vocabulary !== undefined) {
    const v = parseVocabulary(input.vocabulary);
    if (!v) {
      return fail("VALIDATION_FAILED", "vocabulary must be canonical, recruiting or frazer", [{ field: "vocabulary" }]);
    }
    vocabulary = v;
  }
  const out: { status?: CustomerStatus; pipeline_status?: CanonicalStatus } = {};
  const pipelineTerm = (term: string, field: string): Result<CanonicalStatus> => {
    const s = toCanonical(term, vocabulary);
    return s
      ? ok(s)
      : fail("VALIDATION_FAILED", `${field}: "${term}" is not a pipeline status in any known vocabulary`, [{ field }]);
  };
  if (input.status !== undefined) {
    const lifecycle = input.status.trim().toLowerCase();
    if ((CUSTOMER_STATUSES as readonly string[]).includes(lifecycle)) out.status = lifecycle as CustomerStatus;
    else {
      const p = pipelineTerm(input.status, "status");
      if (!p.ok) {
        return fail("VALIDATION_FAILED", "status must be lead, active or churned (or a pipeline status)", [
          { field: "status" },
        ]);
      }
      out.pipeline_status = p.value;
    }
  }
  if (input.pipeline_status !== undefined) {
    const p = pipelineTerm(input.pipeline_status, "pipeline_status");
    if (!p.ok) return p;
    out.pipeline_status = p.value;
  }
  return ok(out);
}

/** Normalised column values of a validated input (phone E.164, e-mail lower-cased, aliases merged). */
export function customerColumns(input: CustomerUpdateInput): Prisma.CustomerUncheckedUpdateInput {
  const {
    status: _s,
    pipeline_status: _p,
    vocabulary: _v,
    source,
    language,
    consent,
    utm,
    email,
    phone,
    next_action_date,
    handles,
    preferred_contact_times,
    consent_json,
    utm_json,
    ...rest
  } = input;
  const jsonValue = (v: Record<string, unknown> | null | undefined) =>
    v === undefined ? undefined : v === null ? Prisma.DbNull : (v as Prisma.InputJsonValue);
  const cols: Prisma.CustomerUncheckedUpdateInput = {
    ...rest,
    lead_source: rest.lead_source !== undefined ? rest.lead_source : source,
    language_preference: rest.language_preference ?? language,
    email: email === undefined ? undefined : (email?.toLowerCase() ?? null),
    phone: phone === undefined ? undefined : phone === null ? null : normalizePhone(phone),
    next_action_date: next_action_date === undefined ? undefined : next_action_date ? new Date(next_action_date) : null,
    handles: jsonValue(handles),
    preferred_contact_times: jsonValue(preferred_contact_times),
    consent_json: jsonValue(consent_json !== undefined ? consent_json : consent),
    utm_json: jsonValue(utm_json !== undefined ? utm_json : utm),
  };
  for (const key of Object.keys(cols) as Array<keyof typeof cols>) if (cols[key] === undefined) delete cols[key];
  return cols;
}
