/**
 * Compile a validated filter into a parameterised SQL condition over `customers c`. Column
 * names and operators come only from the fixed fragments below, chosen by whitelisted field
 * names; every value a user typed is a bound parameter. No string concatenation of SQL.
 *
 * SQL rather than a Prisma `where` because three fields are aggregates (total paid, open deals,
 * latest service date) that a Prisma `where` cannot express; EXISTS/sub-selects also keep a
 * 100k-customer count on the `(owner_id, …)` indexes.
 */
import { DateTime } from "luxon";
import { Prisma } from "../../prisma/generated/client.js";
import type { Operator } from "./fields.js";
import { type Condition, type DateValue, parseDateValue, type SegmentFilter } from "./filter.js";

const sql = Prisma.sql;
const TRUE = sql`TRUE`;
const FALSE = sql`FALSE`;

/** Plain customer columns by field name (fixed SQL, never built from input). */
const COLUMNS: ReadonlyMap<string, Prisma.Sql> = new Map([
  ["lead_source", sql`c.lead_source`],
  ["language_preference", sql`c.language_preference`],
  ["name", sql`c.name`],
  ["email", sql`c.email`],
  ["city", sql`c.property_city`],
  ["zip", sql`c.property_zip`],
  ["state", sql`c.property_state`],
  ["country", sql`c.country`],
  ["created_at", sql`c.created_at`],
  ["last_activity_at", sql`c.last_activity_at`],
  ["last_contacted_at", sql`c.last_contacted_at`],
  ["next_action_date", sql`c.next_action_date`],
  ["last_service_date", sql`(SELECT max(a.last_service_date) FROM appliances a WHERE a.customer_id = c.id)`],
  ["total_revenue", sql`(SELECT COALESCE(sum(p.amount), 0) FROM payments p WHERE p.customer_id = c.id)`],
  ["open_deals", sql`(SELECT count(*) FROM deals d WHERE d.customer_id = c.id AND d.status = 'open')`],
]);

/** Enum columns with their Postgres type, so values are cast and indexes still apply. */
const ENUMS: ReadonlyMap<string, { column: Prisma.Sql; cast: (v: string) => Prisma.Sql }> = new Map([
  ["status", { column: sql`c.status`, cast: (v: string) => sql`CAST(${v} AS "CustomerStatus")` }],
  ["pipeline_status", { column: sql`c.pipeline_status`, cast: (v: string) => sql`CAST(${v} AS "CanonicalStatus")` }],
  [
    "preferred_contact_method",
    { column: sql`c.preferred_contact_method`, cast: (v: string) => sql`CAST(${v} AS "ContactMethod")` },
  ],
]);

const ORDER: Readonly<Record<string, Prisma.Sql>> = { ">": sql`>`, "<": sql`<`, ">=": sql`>=`, "<=": sql`<=` };

/** The instant a date value stands for at `now` (relative offsets in calendar units, UTC). */
export function resolveDate(v: DateValue, now: Date): Date {
  if (v.kind === "absolute") return v.at;
  return DateTime.fromJSDate(now, { zone: "UTC" })
    .plus({ [`${v.unit}s`]: v.amount })
    .toJSDate();
}

/** `%`, `_` and `\` typed by a user match themselves in a LIKE pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

function compare(column: Prisma.Sql, op: Operator, value: Prisma.Sql): Prisma.Sql {
  if (op === "=") return sql`${column} = ${value}`;
  if (op === "!=") return sql`${column} IS DISTINCT FROM ${value}`;
  const symbol = ORDER[op];
  if (!symbol) throw new Error(`operator ${op} cannot compare`);
  return sql`${column} ${symbol} ${value}`;
}

/** Installed before this date ⇔ older than `years` at `now`. */
function yearsAgo(years: number, now: Date): string {
  const months = Math.round(years * 12);
  return DateTime.fromJSDate(now, { zone: "UTC" }).minus({ months }).toISODate() ?? "";
}

/**
 * Equipment age: true when any appliance (from `install_date`) or opportunity
 * (`asset_age_years`) matches. Older = installed earlier, so `>` flips to `<` on the date.
 */
function equipmentAge(op: Operator, value: Condition["value"], now: Date): Prisma.Sql {
  const known = sql`(EXISTS (SELECT 1 FROM appliances a WHERE a.customer_id = c.id AND a.install_date IS NOT NULL)
    OR EXISTS (SELECT 1 FROM opportunities o WHERE o.customer_id = c.id))`;
  if (op === "is_null") return value === true ? sql`NOT ${known}` : known;
  const years = value as number;
  const flipped: Record<string, Prisma.Sql> = { ">": sql`<`, ">=": sql`<=`, "<": sql`>`, "<=": sql`>=` };
  const dateOp = flipped[op];
  const ageOp = ORDER[op];
  if (!dateOp || !ageOp) throw new Error(`operator ${op} cannot compare equipment_age`);
  const cutoff = yearsAgo(years, now);
  return sql`(EXISTS (SELECT 1 FROM appliances a WHERE a.customer_id = c.id AND a.install_date ${dateOp} ${cutoff}::date)
    OR EXISTS (SELECT 1 FROM opportunities o WHERE o.customer_id = c.id AND o.asset_age_years ${ageOp} ${years}::numeric))`;
}

function condition(cond: Condition, now: Date): Prisma.Sql {
  const { field, op, value } = cond;
  if (field === "equipment_age") return equipmentAge(op, value, now);
  if (field === "opted_out") return value === true ? sql`c.opted_out_at IS NOT NULL` : sql`c.opted_out_at IS NULL`;
  const enumDef = ENUMS.get(field);
  const column = enumDef?.column ?? COLUMNS.get(field);
  if (!column) throw new Error(`field ${field} is not compilable (validateFilter must run first)`);
  if (op === "is_null") return value === true ? sql`${column} IS NULL` : sql`${column} IS NOT NULL`;
  if (enumDef) {
    if (op === "in") return sql`${column} IN (${Prisma.join((value as string[]).map(enumDef.cast))})`;
    return compare(column, op, enumDef.cast(value as string));
  }
  switch (field) {
    case "created_at":
    case "last_activity_at":
    case "last_contacted_at":
    case "next_action_date":
    case "last_service_date": {
      const parsed = parseDateValue(value as string);
      if (!parsed) throw new Error(`date value for ${field} was not validated`);
      return compare(column, op, sql`${resolveDate(parsed, now)}::timestamptz`);
    }
    case "total_revenue":
      return compare(column, op, sql`${value as number}::numeric`);
    case "open_deals":
      return compare(column, op, sql`${value as number}::bigint`);
    default: {
      // text: case-insensitive, values bound as parameters
      const lower = sql`lower(${column})`;
      if (op === "in") {
        return sql`${lower} IN (${Prisma.join((value as string[]).map((v) => sql`lower(${v}::text)`))})`;
      }
      if (op === "contains") return sql`${column} ILIKE ${`%${escapeLike(value as string)}%`}::text`;
      return compare(lower, op, sql`lower(${value as string}::text)`);
    }
  }
}

/**
 * The SQL condition for a validated filter at `now` (relative dates resolve against it).
 * An empty `all` matches everyone; an empty `any` matches no one.
 */
export function compileFilter(filter: SegmentFilter, now: Date): Prisma.Sql {
  if ("all" in filter) {
    if (filter.all.length === 0) return TRUE;
    return sql`(${Prisma.join(
      filter.all.map((f) => compileFilter(f, now)),
      " AND ",
    )})`;
  }
  if ("any" in filter) {
    if (filter.any.length === 0) return FALSE;
    return sql`(${Prisma.join(
      filter.any.map((f) => compileFilter(f, now)),
      " OR ",
    )})`;
  }
  return sql`(${condition(filter, now)})`;
}
