/**
 * What a segment filter means, written independently of the SQL compiler, so the tests can
 * check the database's answer against it row by row.
 */
import { DateTime } from "luxon";
import { toCents } from "../../core/money.js";
import { resolveDate } from "../../core/segments/compile.js";
import { type Condition, parseDateValue, type SegmentFilter } from "../../core/segments/filter.js";
import type { Appliance, Customer, Deal, Opportunity, Payment } from "../../prisma/generated/client.js";

/** A customer with the relations the derived fields read. */
export type Row = Customer & {
  appliances: Appliance[];
  opportunities: Opportunity[];
  payments: Payment[];
  deals: Deal[];
};

/** The filter's meaning, written independently of the SQL compiler. */
export function matches(f: SegmentFilter, c: Row, now: Date): boolean {
  if ("all" in f) return f.all.every((x) => matches(x, c, now));
  if ("any" in f) return f.any.some((x) => matches(x, c, now));
  return matchCondition(f, c, now);
}

function cmp(op: string, x: number, y: number): boolean {
  return op === ">"
    ? x > y
    : op === "<"
      ? x < y
      : op === ">="
        ? x >= y
        : op === "<="
          ? x <= y
          : op === "="
            ? x === y
            : x !== y;
}

function matchCondition({ field, op, value }: Condition, c: Row, now: Date): boolean {
  const text: Record<string, string | null> = {
    lead_source: c.lead_source,
    language_preference: c.language_preference,
    name: c.name,
    email: c.email,
    city: c.property_city,
    zip: c.property_zip,
    state: c.property_state,
    country: c.country,
  };
  const enums: Record<string, string | null> = {
    status: c.status,
    pipeline_status: c.pipeline_status,
    preferred_contact_method: c.preferred_contact_method,
  };
  const serviced = c.appliances.flatMap((x) => (x.last_service_date ? [x.last_service_date.getTime()] : []));
  const dates: Record<string, Date | null> = {
    created_at: c.created_at,
    last_activity_at: c.last_activity_at,
    last_contacted_at: c.last_contacted_at,
    next_action_date: c.next_action_date,
    last_service_date: serviced.length ? new Date(Math.max(...serviced)) : null,
  };
  if (field === "opted_out") return (c.opted_out_at !== null) === value;
  if (field === "equipment_age") {
    const installs = c.appliances.flatMap((x) => (x.install_date ? [x.install_date] : []));
    if (op === "is_null") return (installs.length === 0 && c.opportunities.length === 0) === value;
    const cutoff = new Date(
      `${DateTime.fromJSDate(now, { zone: "UTC" })
        .minus({ months: Math.round((value as number) * 12) })
        .toISODate()}T00:00:00Z`,
    );
    const flip: Record<string, string> = { ">": "<", ">=": "<=", "<": ">", "<=": ">=" };
    return (
      installs.some((d) => cmp(flip[op]!, d.getTime(), cutoff.getTime())) ||
      c.opportunities.some((o) => cmp(op, toCents(o.asset_age_years), Math.round((value as number) * 100)))
    );
  }
  if (field === "total_revenue") {
    return cmp(
      op,
      c.payments.reduce((s, p) => s + toCents(p.amount), 0),
      Math.round((value as number) * 100),
    );
  }
  if (field === "open_deals") return cmp(op, c.deals.filter((d) => d.status === "open").length, value as number);
  if (field in dates) {
    const d = dates[field] ?? null;
    if (op === "is_null") return (d === null) === value;
    return d !== null && cmp(op, d.getTime(), resolveDate(parseDateValue(value as string)!, now).getTime());
  }
  const v = field in enums ? (enums[field] ?? null) : (text[field] ?? null);
  const fold = (s: string) => (field in enums ? s : s.toLowerCase());
  if (op === "is_null") return (v === null) === value;
  if (op === "in") return v !== null && (value as string[]).map(fold).includes(fold(v));
  if (op === "contains") return v?.toLowerCase().includes((value as string).toLowerCase()) ?? false;
  if (op === "=") return v !== null && fold(v) === fold(value as string);
  return v === null || fold(v) !== fold(value as string);
}
