/**
 * A segment's filter: a JSON tree `{ all: [...] } | { any: [...] } | { field, op, value }`
 * over the whitelist in fields.ts. Validation is strict and names the offending path
 * (`filter.all.1.field`), so the builder can point at the exact condition.
 */
import { z } from "zod";
import { fail, ok, type Result } from "../errors.js";
import { FIELDS, type FieldDef, type Operator, opsFor } from "./fields.js";

/** Deepest nesting allowed (a lone condition is depth 1; `{ all: [cond] }` is depth 2). */
const MAX_DEPTH = 4;
/** Most conditions in one filter. */
const MAX_CONDITIONS = 30;
/** Most members of one group. */
const MAX_GROUP_SIZE = 30;

type ConditionValue = string | number | boolean | string[];

/** One comparison on one whitelisted field. */
export interface Condition {
  field: string;
  op: Operator;
  value: ConditionValue;
}

/** A validated filter tree. */
export type SegmentFilter = { all: SegmentFilter[] } | { any: SegmentFilter[] } | Condition;

/** A date a condition compares with: a fixed instant, or an offset from `now`. */
export type DateValue =
  | { kind: "absolute"; at: Date }
  | { kind: "relative"; amount: number; unit: "minute" | "hour" | "day" | "week" | "month" | "year" };

const RELATIVE = /^([+-])\s*(\d{1,4})\s*(minute|hour|day|week|month|year)s?$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parse a date value: "now", "today", a relative offset ("-6 months", "+7 days"), an ISO
 * date ("2025-06-01", midnight UTC) or an ISO date-time with its offset. Null when it is none.
 */
export function parseDateValue(raw: string): DateValue | null {
  const s = raw.trim();
  if (/^(now|today)$/i.test(s)) return { kind: "relative", amount: 0, unit: "day" };
  const rel = RELATIVE.exec(s);
  if (rel) {
    const amount = Number(rel[2]) * (rel[1] === "-" ? -1 : 1);
    return { kind: "relative", amount, unit: (rel[3] as string).toLowerCase() as "day" };
  }
  if (!ISO_DATE.test(s) && !ISO_DATETIME.test(s)) return null;
  const at = new Date(ISO_DATE.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(at.getTime())) return null;
  // "2025-02-31" parses to March 3rd: reject dates that do not round-trip.
  if (ISO_DATE.test(s) && at.toISOString().slice(0, 10) !== s) return null;
  return { kind: "absolute", at };
}

const text = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const date = z
  .string()
  .max(40)
  .refine((v) => parseDateValue(v) !== null, 'must be an ISO date ("2025-06-01") or relative ("-6 months", "now")');

/** The zod schema of a value for a field and operator. */
function valueSchema(def: FieldDef, op: Operator): z.ZodType {
  if (op === "is_null") return z.boolean();
  const one: z.ZodType =
    def.type === "enum"
      ? z.enum(def.values as [string, ...string[]])
      : def.type === "text"
        ? op === "contains"
          ? text.max(100, "must be at most 100 characters")
          : text
        : def.type === "number"
          ? z.number().finite().min(-1e12).max(1e12)
          : def.type === "integer"
            ? z.number().int().min(0).max(1_000_000)
            : def.type === "date"
              ? date
              : z.boolean();
  return op === "in" ? z.array(one).min(1, "must list at least one value").max(100, "at most 100 values") : one;
}

interface Issue {
  field: string;
  message: string;
}

interface Walk {
  issues: Issue[];
  conditions: number;
  nodes: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function walk(node: unknown, path: string, depth: number, w: Walk): SegmentFilter | null {
  const problem = (field: string, message: string) => {
    w.issues.push({ field, message });
    return null;
  };
  w.nodes++;
  if (depth > MAX_DEPTH) return problem(path, `too deeply nested (at most ${MAX_DEPTH} levels)`);
  if (!isPlainObject(node))
    return problem(path, "must be an object: { all: [...] }, { any: [...] } or { field, op, value }");
  const keys = Object.keys(node);
  const group = keys.find((k) => k === "all" || k === "any") as "all" | "any" | undefined;
  if (group) {
    if (keys.length !== 1) return problem(path, `a group has only "${group}" (found: ${keys.join(", ")})`);
    const members = node[group];
    if (!Array.isArray(members)) return problem(`${path}.${group}`, "must be an array");
    if (members.length > MAX_GROUP_SIZE) return problem(`${path}.${group}`, `at most ${MAX_GROUP_SIZE} members`);
    const out: SegmentFilter[] = [];
    members.forEach((m, i) => {
      const child = walk(m, `${path}.${group}.${i}`, depth + 1, w);
      if (child) out.push(child);
    });
    return group === "all" ? { all: out } : { any: out };
  }
  const unknownKey = keys.find((k) => k !== "field" && k !== "op" && k !== "value");
  if (unknownKey !== undefined)
    return problem(`${path}.${unknownKey}`, "unknown key (a condition has field, op, value)");
  const { field, op, value } = node;
  if (typeof field !== "string") return problem(`${path}.field`, "must be a field name");
  const def = FIELDS.get(field);
  if (!def)
    return problem(`${path}.field`, `unknown field "${field.slice(0, 60)}"; allowed: ${[...FIELDS.keys()].join(", ")}`);
  const ops = opsFor(def);
  if (typeof op !== "string" || !ops.includes(op as Operator)) {
    return problem(`${path}.op`, `operator for ${field} must be one of ${ops.join(", ")}`);
  }
  w.conditions++;
  if (w.conditions > MAX_CONDITIONS) return problem(path, `at most ${MAX_CONDITIONS} conditions`);
  const v = value === undefined && op === "is_null" ? true : value;
  const parsed = valueSchema(def, op as Operator).safeParse(v);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      w.issues.push({ field: [`${path}.value`, ...issue.path.map(String)].join("."), message: issue.message });
    }
    return null;
  }
  return { field, op: op as Operator, value: parsed.data as ConditionValue };
}

/**
 * Validate an untrusted filter tree against the whitelist: known fields only, an operator the
 * field supports, a value of the field's type, depth ≤ 4, ≤ 30 conditions. Fails with
 * VALIDATION_FAILED whose details name each offending path (`filter.any.0.value`).
 */
export function validateFilter(input: unknown, path = "filter"): Result<SegmentFilter> {
  const w: Walk = { issues: [], conditions: 0, nodes: 0 };
  const tree = walk(input, path, 1, w);
  if (w.nodes > MAX_CONDITIONS * 2 && w.issues.length === 0) {
    w.issues.push({ field: path, message: `too many groups (at most ${MAX_CONDITIONS * 2} nodes)` });
  }
  const first = w.issues[0];
  if (first || !tree) {
    const issues = w.issues.slice(0, 20);
    return fail("VALIDATION_FAILED", first ? `${first.field}: ${first.message}` : `${path}: invalid filter`, issues);
  }
  return ok(tree);
}
