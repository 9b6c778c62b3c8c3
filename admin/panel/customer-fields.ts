import type { FastifyRequest } from "fastify";
import { CUSTOMER_STATUSES } from "../../core/crm/customer-input.js";
import { CANONICAL_STATUSES, fromCanonical } from "../../core/crm/status-mapping.js";
import type { Customer } from "../../prisma/generated/client.js";
import { panelUserOf } from "./session.js";

/** How a field of the customer card is edited inline. */
interface FieldDef {
  label: string;
  input: "text" | "email" | "tel" | "textarea" | "select";
  /** Select options as [value, label]. */
  options?: ReadonlyArray<readonly [string, string]>;
  /** Empty input means "no value" (null); otherwise the field is required. */
  nullable: boolean;
  maxLength: number;
}

/** The customer fields the card edits in place, in the order they are shown. */
const CUSTOMER_FIELDS = {
  name: { label: "Name", input: "text", nullable: false, maxLength: 255 },
  email: { label: "E-mail", input: "email", nullable: true, maxLength: 255 },
  phone: { label: "Phone", input: "tel", nullable: true, maxLength: 32 },
  status: {
    label: "Lifecycle",
    input: "select",
    options: CUSTOMER_STATUSES.map((s) => [s, s] as const),
    nullable: false,
    maxLength: 50,
  },
  pipeline_status: {
    label: "Pipeline status",
    input: "select",
    options: CANONICAL_STATUSES.map((s) => [s, fromCanonical(s, "canonical") ?? s] as const),
    nullable: false,
    maxLength: 50,
  },
  lead_source: { label: "Source", input: "text", nullable: true, maxLength: 100 },
  property_address: { label: "Address", input: "text", nullable: true, maxLength: 255 },
  property_city: { label: "City", input: "text", nullable: true, maxLength: 100 },
  next_action: { label: "Next action", input: "text", nullable: true, maxLength: 500 },
  notes: { label: "Notes", input: "textarea", nullable: true, maxLength: 20_000 },
} as const satisfies Record<string, FieldDef>;

export type CustomerField = keyof typeof CUSTOMER_FIELDS;

/** Whether `name` is a field the card edits. */
export function isCustomerField(name: string): name is CustomerField {
  return Object.hasOwn(CUSTOMER_FIELDS, name);
}

/** A field's current value as the edit box shows it. */
export function fieldValue(customer: Pick<Customer, CustomerField>, field: CustomerField): string {
  return customer[field] ?? "";
}

/**
 * The update core's updateCustomer gets for one inline edit: the trimmed text, `null` for an
 * emptied optional field. Core validates it (the card shows its message inline).
 */
export function fieldPatch(field: CustomerField, raw: unknown): Record<string, string | null> {
  const text = typeof raw === "string" ? (field === "notes" ? raw : raw.trim()) : "";
  const def: FieldDef = CUSTOMER_FIELDS[field];
  return { [field]: def.nullable && text.trim() === "" ? null : text };
}

/** A select field's value must be one of its options (core would read other terms differently). */
export function choiceError(field: CustomerField, raw: unknown): InlineError | null {
  const def: FieldDef = CUSTOMER_FIELDS[field];
  if (!def.options || def.options.some(([v]) => v === raw)) return null;
  return { code: "VALIDATION_FAILED", message: `choose one of: ${def.options.map(([, l]) => l).join(", ")}` };
}

/** Canonical pipeline statuses with their labels. */
export const STATUS_LABELS: Record<string, string> = Object.fromEntries(
  CANONICAL_STATUSES.map((s) => [s, fromCanonical(s, "canonical") ?? s]),
);

/** Errors shown inline next to a field or a form: the message and the stable code. */
export interface InlineError {
  code: string;
  message: string;
}

/** The message of a core failure without its leading "field: " (the field is right there). */
export function inlineError(f: { code: string; message: string; details?: unknown }): InlineError {
  const first = Array.isArray(f.details) ? (f.details[0] as { message?: unknown } | undefined) : undefined;
  return { code: f.code, message: typeof first?.message === "string" ? first.message : f.message };
}

/** What every customer-card template needs besides the card. */
export function cardExtras(req: FastifyRequest, now: Date) {
  return {
    canEdit: panelUserOf(req).role !== "read_only",
    fields: CUSTOMER_FIELDS,
    statusLabels: STATUS_LABELS,
    reminderTypes: ["follow_up_2h", "follow_up_1d", "follow_up_48h", "follow_up_7d", "custom"],
    interactionTypes: ["call", "email", "sms", "meeting", "note"],
    now,
  };
}
