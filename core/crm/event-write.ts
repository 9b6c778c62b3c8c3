/**
 * The hot path of recordEvent: an event about a known, opted-in customer in two statements
 * instead of a transaction of ten round trips. The first reads everything the decision needs
 * (an earlier event with the id, the customer, the automation rule rows); the rules are planned
 * in JS; the second writes it all at once, guarded by the customer's state that the plan was
 * made from. One statement is one transaction: it commits whole or not at all. Everything this
 * path does not cover (a new customer, UNSUBSCRIBED, an opted-out customer, a raced customer,
 * any unique violation) goes to the transactional path, which behaves as before.
 */
import { type CanonicalStatus, type CustomerStatus, type EventLog, Prisma } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { type AutomationTrigger, ruleRowsSql } from "./automations.js";
import type { CustomerRef } from "./event-envelope.js";
import type { EventRowInput } from "./event-row.js";

/** What the plan depends on: the customer's state as the guard of the write checks it. */
export interface CustomerFacts {
  id: string;
  status: CustomerStatus;
  pipeline_status: CanonicalStatus;
  name: string;
  opted_out_at: Date | null;
  last_activity_at: Date;
}

/** Everything an event's first statement reads. */
export interface EventContext {
  /** The event the owner already stored under this id, if any. */
  existing: EventLog | null;
  customer: CustomerFacts | null;
  /** The automation rule rows for the event's trigger, as JSON text (see rulesFromRows). */
  ruleRows: string;
}

/** Who the event is about: a customer id of the owner's, or an e-mail, phone or handle. */
export type CustomerKey = { id: string } | { ref: CustomerRef; source: string | undefined };

export const EVENT_FIELDS = Object.values(Prisma.EventLogScalarFieldEnum);
export const CUSTOMER_FIELDS = ["id", "status", "pipeline_status", "name", "opted_out_at", "last_activity_at"] as const;

/** `alias."col" AS "prefix.col", …`: columns of one table under a prefix, to split a joined row. */
export const prefixedColumns = (alias: string, prefix: string, fields: readonly string[]) =>
  fields.map((f) => `${alias}."${f}" AS "${prefix}.${f}"`).join(", ");

/** prefixedColumns as a fragment of a tagged Prisma.sql statement. */
export const prefixed = (alias: string, prefix: string, fields: readonly string[]) =>
  Prisma.raw(prefixedColumns(alias, prefix, fields));

/**
 * The reminder and STATUS_CHANGED inserts of the batched statements (event-write-batch.ts for
 * known customers, event-create.ts for new people), which name the written events `evi`, their
 * JSON rows `input AS i` and the drawn reminder ids `rids`; `statusHash` is the SQL of the
 * STATUS_CHANGED row's fingerprint (known beforehand, or around the id the statement draws).
 */
export const batchEffectCtes = (statusHash: string) => `rem AS (
  INSERT INTO reminders (id, owner_id, customer_id, type, scheduled_for, message, dedupe_key, created_at)
  SELECT x.id, evi.owner_id, evi.customer_id, x.kind::"ReminderType", x.due_at, x.message,
    i.dedupe_prefix || ':' || x.kind, i.now
  FROM rids AS x JOIN evi ON evi.in_ord = x.ord JOIN input AS i ON i.ord = x.ord),
st AS (
  INSERT INTO event_logs (event_id, event_name, customer_id, owner_id, source, timestamp, properties, payload_hash,
    result, created_at)
  SELECT i.st_event_id, 'STATUS_CHANGED', evi.customer_id, evi.owner_id, i.st_source, i.act_at, i.st_properties,
    ${statusHash}, i.st_result, i.now
  FROM evi JOIN input AS i ON i.ord = evi.in_ord
  WHERE i.move_to IS NOT NULL)`;

/** The fields of `row` named `prefix.x`, as an object keyed x; null when its `prefix.id` is null. */
export function unprefix<T>(row: Record<string, unknown>, prefix: string, fields: readonly string[]): T | null {
  if (row[`${prefix}.id`] === null || row[`${prefix}.id`] === undefined) return null;
  return Object.fromEntries(fields.map((f) => [f, row[`${prefix}.${f}`]])) as T;
}

/**
 * The owner's customer with this e-mail, phone or handle on the event's source, oldest first.
 * The handle test is JSON containment (`handles @> {"<source>": "<handle>"}`), which the GIN
 * index on `customers.handles` serves; the e-mail and phone tests use their own indexes.
 */
export function customerByRefSql(ownerId: string, ref: CustomerRef, source: string | undefined): Prisma.Sql {
  const or: Prisma.Sql[] = [];
  if (ref.email) or.push(Prisma.sql`email = ${ref.email}`);
  if (ref.phone) or.push(Prisma.sql`phone = ${ref.phone}`);
  if (ref.handle) or.push(Prisma.sql`handles @> ${JSON.stringify({ [source ?? "handle"]: ref.handle })}::jsonb`);
  if (or.length === 0) or.push(Prisma.sql`false`);
  return Prisma.sql`SELECT * FROM customers WHERE owner_id = ${ownerId}::uuid AND (${Prisma.join(or, " OR ")})
    ORDER BY created_at ASC LIMIT 1`;
}

/** One round trip: the owner's stored event with this id, the customer, and the owner's rule rows for the trigger. */
export async function readEventContext(
  db: Db,
  ownerId: string,
  eventId: string,
  trigger: AutomationTrigger,
  key: CustomerKey,
): Promise<EventContext> {
  const customer =
    "id" in key
      ? Prisma.sql`SELECT * FROM customers WHERE id = ${key.id}::uuid AND owner_id = ${ownerId}::uuid`
      : customerByRefSql(ownerId, key.ref, key.source);
  const rows = await db.$queryRaw<Array<Record<string, unknown>>>`
    SELECT ${prefixed("c", "c", CUSTOMER_FIELDS)}, ${prefixed("e", "e", EVENT_FIELDS)},
      ${ruleRowsSql(ownerId, trigger)} AS rules
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (${customer}) AS c ON true
    LEFT JOIN event_logs AS e ON e.owner_id = ${ownerId}::uuid AND e.event_id = ${eventId}`;
  const row = rows[0] ?? {};
  return {
    existing: unprefix<EventLog>(row, "e", EVENT_FIELDS),
    customer: unprefix<CustomerFacts>(row, "c", CUSTOMER_FIELDS),
    ruleRows: (row.rules as string | undefined) ?? "[]",
  };
}

/** The writes an automation plan turns into for one customer. */
export interface EventEffects {
  /** Activity time: `last_activity_at` moves forward to it, never back. */
  at: Date;
  reminders: Array<{ type: string; scheduled_for: Date; message: string }>;
  /** Reminder dedupe keys are `<dedupePrefix>:<type>`. */
  dedupePrefix: string;
  nextAction: { text: string; date: Date } | null;
  /** A move to another canonical status, logged as STATUS_CHANGED with this row. */
  move: {
    to: CanonicalStatus;
    eventId: string;
    source: string;
    properties: Record<string, unknown>;
    /** Its fingerprint; for a customer the statement creates, the canonical JSON around the drawn id. */
    payloadHash: string | { before: string; after: string };
    result: Record<string, unknown>;
  } | null;
}

/**
 * The columns of an event and of its effects as the batched statements read them from their JSON
 * parameter (event-write-batch.ts for known customers, event-create.ts for new people); the
 * STATUS_CHANGED row's fingerprint columns differ between the two and are added by each.
 */
export function eventBatchColumns(now: Date, e: EventRowInput, fx: EventEffects) {
  const move = fx.move;
  return {
    now: now.toISOString(),
    event_id: e.event_id,
    event_name: e.event_name,
    owner_id: e.owner_id,
    user_id: e.user_id,
    account_id: e.account_id,
    source: e.source,
    ts: e.timestamp.toISOString(),
    properties: e.properties ?? null,
    utm: e.utm ?? null,
    consent: e.consent ?? null,
    payload_hash: e.payload_hash,
    result: e.result,
    act_at: fx.at.toISOString(),
    move_to: move?.to ?? null,
    next_text: fx.nextAction?.text ?? null,
    next_date: fx.nextAction?.date.toISOString() ?? null,
    dedupe_prefix: fx.dedupePrefix,
    reminders: fx.reminders.map((r, n) => ({
      kind: r.type,
      due_at: r.scheduled_for.toISOString(),
      iso: r.scheduled_for.toISOString(),
      message: r.message,
      n,
    })),
    st_event_id: move?.eventId ?? null,
    st_source: move?.source ?? null,
    st_properties: move?.properties ?? null,
    st_result: move?.result ?? null,
  };
}

/** What the guarded write did. */
export type WriteOutcome =
  /** Stored; `customer` is the customer's state after the write. */
  | { kind: "written"; row: EventLog; lastActivityBefore: Date; customer: CustomerFacts }
  /** The customer still matched, but the owner's event id was taken meanwhile: read the winner. */
  | { kind: "taken" }
  /** The customer or the rule rows changed (or went) since they were read: nothing was written. */
  | { kind: "stale" };

export const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** The SQL pieces an event's effects add to its statement (the CTEs read `ev`, the new event row). */
export interface EffectSql {
  /** `ids AS MATERIALIZED (…),`: the reminders' ids, drawn first. */
  ids: Prisma.Sql;
  /** The stored result: `result` with `reminders` naming the ids. */
  result: Prisma.Sql;
  /** `, rem AS (INSERT INTO reminders …)` and `, st AS (INSERT INTO event_logs … STATUS_CHANGED)`. */
  inserts: Prisma.Sql;
}

/** A fingerprint, or the SHA-256 (hex) of the canonical JSON around the customer id `ev` drew. */
const hashSql = (h: string | { before: string; after: string }) =>
  typeof h === "string"
    ? Prisma.sql`${h}`
    : Prisma.sql`encode(sha256(convert_to(${h.before} || ev.customer_id::text || ${h.after}, 'UTF8')), 'hex')`;

/** The reminders and STATUS_CHANGED of an event as CTEs that run only when `ev` inserted its row. */
export function effectSql(result: Record<string, unknown>, fx: EventEffects, now: Date): EffectSql {
  const reminders = fx.reminders.map(
    (r, i) =>
      Prisma.sql`(${r.type}, ${r.scheduled_for}::timestamptz, ${r.scheduled_for.toISOString()}, ${r.message}, ${i}::int)`,
  );
  const move = fx.move;
  const status = move
    ? Prisma.sql`, st AS (INSERT INTO event_logs (event_id, event_name, customer_id, owner_id, source, timestamp,
          properties, payload_hash, result, created_at)
        SELECT ${move.eventId}, 'STATUS_CHANGED', ev.customer_id, ev.owner_id, ${move.source}, ${fx.at}::timestamptz,
          ${json(move.properties)}::jsonb, ${hashSql(move.payloadHash)}, ${json(move.result)}::jsonb, ${now}::timestamptz
        FROM ev)`
    : Prisma.empty;
  if (reminders.length === 0) {
    return { ids: Prisma.empty, result: Prisma.sql`${json({ ...result, reminders: [] })}::jsonb`, inserts: status };
  }
  return {
    ids: Prisma.sql`ids AS MATERIALIZED (SELECT gen_random_uuid() AS id, v.* FROM (VALUES ${Prisma.join(reminders)})
        AS v(kind, due_at, iso, message, ord)),`,
    result: Prisma.sql`jsonb_set(${json(result)}::jsonb, '{reminders}', (SELECT jsonb_agg(jsonb_build_object(
        'id', ids.id, 'type', ids.kind, 'scheduled_for', ids.iso) ORDER BY ids.ord) FROM ids))`,
    inserts: Prisma.sql`, rem AS (INSERT INTO reminders (id, owner_id, customer_id, type, scheduled_for, message,
          dedupe_key, created_at)
        SELECT ids.id, ev.owner_id, ev.customer_id, ids.kind::"ReminderType", ids.due_at, ids.message,
          ${`${fx.dedupePrefix}:`} || ids.kind, ${now}::timestamptz
        FROM ids, ev) ${status}`,
  };
}

/**
 * `INSERT INTO event_logs (…) SELECT <event> … FROM <from> ON CONFLICT DO NOTHING RETURNING *`,
 * customer from `customerId`. The arbiter is the owner's event id (`(owner_id, event_id)`):
 * another owner's event with the same id is no conflict.
 */
export function insertEventSql(
  event: EventRowInput,
  result: Prisma.Sql,
  customerId: Prisma.Sql,
  from: Prisma.Sql,
  now: Date,
) {
  return Prisma.sql`INSERT INTO event_logs (event_id, event_name, customer_id, owner_id, user_id, account_id, source,
        timestamp, properties, utm, consent, payload_hash, result, created_at)
      SELECT ${event.event_id}, ${event.event_name}::"EventName", ${customerId}, ${event.owner_id}::uuid,
        ${event.user_id}, ${event.account_id}, ${event.source}, ${event.timestamp}::timestamptz,
        ${json(event.properties)}::jsonb, ${json(event.utm)}::jsonb, ${json(event.consent)}::jsonb,
        ${event.payload_hash}, ${result}, ${now}::timestamptz
      FROM ${from}
      ON CONFLICT (owner_id, event_id) DO NOTHING
      RETURNING *`;
}

/**
 * One statement: lock the customer if it is still in the state the plan was made from and the
 * rule rows are still `ruleRows`, claim the owner's event id (ON CONFLICT DO NOTHING), and only if all
 * held, insert the reminders, update the customer and log STATUS_CHANGED. The reminders' ids
 * are drawn first so that the event's stored result can name them.
 */
export async function writeEvent(
  db: Db,
  now: Date,
  customer: CustomerFacts,
  ruleRows: string,
  event: EventRowInput,
  fx: EventEffects,
): Promise<WriteOutcome> {
  const { ids, result, inserts } = effectSql(event.result, fx, now);
  const move = fx.move;
  const set = Prisma.join(
    [
      Prisma.sql`last_activity_at = GREATEST(c.last_activity_at, ${fx.at}::timestamptz)`,
      Prisma.sql`updated_at = ${now}::timestamptz`,
      ...(move
        ? [
            Prisma.sql`pipeline_status = ${move.to}::"CanonicalStatus"`,
            Prisma.sql`stage_entered_at = ${fx.at}::timestamptz`,
          ]
        : []),
      ...(fx.nextAction
        ? [
            Prisma.sql`next_action = ${fx.nextAction.text}`,
            Prisma.sql`next_action_date = ${fx.nextAction.date}::timestamptz`,
          ]
        : []),
    ],
    ", ",
  );
  const rows = await db.$queryRaw<Array<Record<string, unknown>>>`
    WITH ${ids} cust AS (
      SELECT id, last_activity_at FROM customers
      WHERE id = ${customer.id}::uuid AND owner_id = ${event.owner_id}::uuid
        AND status = ${customer.status}::"CustomerStatus"
        AND pipeline_status = ${customer.pipeline_status}::"CanonicalStatus"
        AND name = ${customer.name} AND opted_out_at IS NULL
        AND ${ruleRowsSql(event.owner_id, event.event_name)} = ${ruleRows}
      FOR UPDATE),
    ev AS (${insertEventSql(event, result, Prisma.sql`cust.id`, Prisma.sql`cust`, now)}),
    upd AS (
      UPDATE customers AS c SET ${set} FROM ev WHERE c.id = ev.customer_id
      RETURNING ${Prisma.raw(CUSTOMER_FIELDS.map((f) => `c."${f}"`).join(", "))}) ${inserts}
    SELECT ${prefixed("ev", "e", EVENT_FIELDS)}, ${prefixed("upd", "c", CUSTOMER_FIELDS)},
      (SELECT count(*) FROM cust)::int AS locked, (SELECT last_activity_at FROM cust) AS before
    FROM (SELECT 1) AS one LEFT JOIN ev ON true LEFT JOIN upd ON true`;
  const row = rows[0] ?? {};
  const written = unprefix<EventLog>(row, "e", EVENT_FIELDS);
  const after = unprefix<CustomerFacts>(row, "c", CUSTOMER_FIELDS);
  if (written && after)
    return { kind: "written", row: written, lastActivityBefore: row.before as Date, customer: after };
  return row.locked === 1 ? { kind: "taken" } : { kind: "stale" };
}

/** A unique-index violation, from a Prisma model call (P2002) or a raw statement (P2010 with 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } } | null;
  if (e?.code === "P2002") return true;
  return e?.code === "P2010" && e.meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
}
