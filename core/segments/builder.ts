/**
 * The panel's segment builder as data: rows of field / operator / value typed into a form,
 * turned into the filter tree that validateFilter checks (and back, to edit a saved segment).
 * Pure. Values arrive as text; they are converted by the field's type so the filter's own
 * validation can say precisely what is wrong with each row.
 */
import { FIELDS, opsFor } from "./fields.js";
import { type SegmentFilter, validateFilter } from "./filter.js";

/** One row of the builder, as typed. */
export interface BuilderRow {
  field: string;
  op: string;
  value: string;
}

/** The builder's state: how rows combine, and the rows. */
export interface BuilderState {
  match: "all" | "any";
  rows: BuilderRow[];
}

/** Most rows the builder shows (the filter allows 30 conditions). */
export const MAX_ROWS = 30;

/** An empty row on the first field with its first operator. */
export function blankRow(): BuilderRow {
  const [field, def] = [...FIELDS][0] as [string, NonNullable<ReturnType<typeof FIELDS.get>>];
  return { field, op: opsFor(def)[0] ?? "=", value: "" };
}

const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

/** One row's value in the type its field and operator expect (left as text when it does not parse). */
function typedValue(row: BuilderRow): unknown {
  const def = FIELDS.get(row.field);
  const raw = row.value.trim();
  if (row.op === "is_null") return !/^(false|no|0)$/i.test(raw);
  if (!def) return raw;
  if (row.op === "in") {
    return raw
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
  }
  if (def.type === "number" || def.type === "integer") return NUMERIC.test(raw) ? Number(raw) : raw;
  if (def.type === "boolean") return /^(true|yes|1)$/i.test(raw) ? true : /^(false|no|0)$/i.test(raw) ? false : raw;
  return raw;
}

/** The filter tree the rows stand for (not yet validated). */
function stateToFilter(state: BuilderState): unknown {
  const conditions = state.rows.map((r) => ({ field: r.field, op: r.op, value: typedValue(r) }));
  return state.match === "any" ? { any: conditions } : { all: conditions };
}

/** Rows for a saved filter: a flat `{ all | any: [conditions] }` or a single condition; null when nested. */
export function filterToState(filter: unknown): BuilderState | null {
  const parsed = validateFilter(filter);
  if (!parsed.ok) return null;
  const tree: SegmentFilter = parsed.value;
  const group =
    "all" in tree
      ? { match: "all" as const, items: tree.all }
      : "any" in tree
        ? { match: "any" as const, items: tree.any }
        : { match: "all" as const, items: [tree] };
  const rows: BuilderRow[] = [];
  for (const item of group.items) {
    if ("all" in item || "any" in item) return null;
    const value = Array.isArray(item.value) ? item.value.join(", ") : String(item.value);
    rows.push({
      field: item.field,
      op: item.op,
      value: item.op === "is_null" ? (item.value ? "true" : "false") : value,
    });
  }
  return { match: group.match, rows };
}

/**
 * Validate the rows. Errors are keyed by the form field they belong to (`rows.1.value`,
 * `rows.0.field`, or `rows` for the whole list) so the panel can show each next to its input.
 */
export function validateRows(
  state: BuilderState,
): { ok: true; filter: SegmentFilter } | { ok: false; errors: Record<string, string> } {
  if (state.rows.length === 0) return { ok: false, errors: { rows: "add at least one condition" } };
  const result = validateFilter(stateToFilter(state));
  if (result.ok) return { ok: true, filter: result.value };
  const errors: Record<string, string> = {};
  const issues = (result.details as Array<{ field: string; message: string }> | undefined) ?? [];
  for (const issue of issues) {
    const m = /^filter\.(?:all|any)\.(\d+)(?:\.(field|op|value))?/.exec(issue.field);
    const key = m ? `rows.${m[1]}.${m[2] ?? "value"}` : "rows";
    errors[key] ??= issue.message;
  }
  if (Object.keys(errors).length === 0) errors.rows = result.message;
  return { ok: false, errors };
}
