/**
 * The segment builder's whitelist: every field a filter may name, its type, whether it can be
 * empty, and the operators that make sense for it. A name that is not here is rejected before
 * anything is compiled — user input never becomes a column name.
 */

export type FieldType = "enum" | "text" | "number" | "integer" | "date" | "boolean";

export type Operator = "=" | "!=" | ">" | "<" | ">=" | "<=" | "in" | "contains" | "is_null";

/** One filterable field. */
export interface FieldDef {
  type: FieldType;
  /** Whether `is_null` applies (the value can be missing). */
  nullable: boolean;
  /** The allowed values of an enum field. */
  values?: readonly string[];
  /** What the field means, shown by the builder. */
  label: string;
  /** Operators allowed (defaults by type when absent). */
  ops?: readonly Operator[];
}

const ORDER_OPS: readonly Operator[] = [">", "<", ">=", "<="];

/** Operators each type supports, before `is_null` is added for nullable fields. */
const OPS_BY_TYPE: Readonly<Record<FieldType, readonly Operator[]>> = {
  enum: ["=", "!=", "in"],
  text: ["=", "!=", "in", "contains"],
  number: ["=", "!=", ...ORDER_OPS],
  integer: ["=", "!=", ...ORDER_OPS],
  date: ORDER_OPS,
  boolean: ["="],
};

/** The whitelist. A Map, so "__proto__", "constructor" and friends are simply not in it. */
export const FIELDS: ReadonlyMap<string, FieldDef> = new Map<string, FieldDef>([
  ["status", { type: "enum", nullable: false, values: ["lead", "active", "churned"], label: "Customer status" }],
  [
    "pipeline_status",
    {
      type: "enum",
      nullable: false,
      values: ["lead", "relationship", "invited", "qualified", "presentation_sent", "follow_up", "signed_up"],
      label: "Pipeline status",
    },
  ],
  ["lead_source", { type: "text", nullable: true, label: "Lead source" }],
  ["language_preference", { type: "text", nullable: false, label: "Language" }],
  [
    "preferred_contact_method",
    {
      type: "enum",
      nullable: true,
      values: ["whatsapp", "email", "phone", "sms", "telegram"],
      label: "Preferred contact method",
    },
  ],
  ["name", { type: "text", nullable: false, label: "Name" }],
  ["email", { type: "text", nullable: true, label: "E-mail" }],
  ["city", { type: "text", nullable: true, label: "City" }],
  ["zip", { type: "text", nullable: true, label: "ZIP code" }],
  ["state", { type: "text", nullable: true, label: "State" }],
  ["country", { type: "text", nullable: true, label: "Country" }],
  ["created_at", { type: "date", nullable: false, label: "Created" }],
  ["last_activity_at", { type: "date", nullable: false, label: "Last activity" }],
  ["last_contacted_at", { type: "date", nullable: true, label: "Last contacted" }],
  ["next_action_date", { type: "date", nullable: true, label: "Next action date" }],
  [
    "equipment_age",
    {
      type: "number",
      nullable: true,
      ops: ORDER_OPS,
      label: "Equipment age in years (any appliance or opportunity)",
    },
  ],
  ["last_service_date", { type: "date", nullable: true, label: "Last service date (latest of their appliances)" }],
  ["total_revenue", { type: "number", nullable: false, label: "Total paid (payments, USD)" }],
  ["open_deals", { type: "integer", nullable: false, label: "Open deals" }],
  ["opted_out", { type: "boolean", nullable: false, label: "Opted out of messages" }],
]);

/** The operators a field accepts. */
export function opsFor(def: FieldDef): readonly Operator[] {
  const base = def.ops ?? OPS_BY_TYPE[def.type];
  return def.nullable ? [...base, "is_null"] : base;
}

/** The builder's catalogue: fields with their type, operators and values (for the panel). */
export function fieldCatalogue(): Array<{
  field: string;
  type: FieldType;
  label: string;
  ops: readonly Operator[];
  values?: readonly string[];
}> {
  return [...FIELDS].map(([field, def]) => ({
    field,
    type: def.type,
    label: def.label,
    ops: opsFor(def),
    ...(def.values ? { values: def.values } : {}),
  }));
}
