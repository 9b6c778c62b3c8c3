/**
 * The quick path for an event about a person the owner has no customer for yet: the new lead,
 * its channel identities, the event, and what the rules do for a fresh lead (reminders, a status
 * move, a next action), all in one statement. Two events about the same new person must make
 * one customer: the statement runs after a transaction-scoped advisory lock on the person's
 * contact keys (the lock resolveEventCustomer takes too), so the second waits, and then its
 * statement — with a snapshot taken after the wait — finds the first one's customer and writes
 * nothing.
 */
import { type EventLog, Prisma, type PrismaClient } from "../../prisma/generated/client.js";
import { PREPARED } from "../db.js";
import { contactLockKeys, nameOf } from "./customer-from-event.js";
import type { CustomerRef } from "./event-envelope.js";
import type { EventRowInput } from "./event-row.js";
import {
  batchEffectCtes,
  CUSTOMER_FIELDS,
  type CustomerFacts,
  customerByRefSql,
  EVENT_FIELDS,
  type EventEffects,
  effectSql,
  eventBatchColumns,
  insertEventSql,
  json,
  prefixed,
  prefixedColumns,
  unprefix,
} from "./event-write.js";

/** The new lead, as createFromRef makes it. */
export interface NewCustomer {
  ownerId: string;
  ref: CustomerRef;
  source: string | undefined;
  utm: unknown;
  consent: unknown;
}

/** What the creating statement did. */
export type CreateOutcome =
  | { kind: "written"; row: EventLog; customer: CustomerFacts }
  /** The event id was taken meanwhile: read the winner. */
  | { kind: "taken" }
  /** A customer for the reference exists by now (another event made it): nothing was written. */
  | { kind: "exists" };

/** `pg_advisory_xact_lock` on contact keys, in hash order (as resolveEventCustomer takes them). */
function lockSql(prisma: PrismaClient, keys: string[]) {
  return prisma.$executeRaw`SELECT pg_advisory_xact_lock(k)
      FROM (SELECT DISTINCT hashtextextended(x, 0) AS k FROM unnest(${keys}::text[]) AS x ORDER BY 1) AS s`;
}

/**
 * The creating statement: if the owner still has no customer for the reference, claim the
 * event id and insert the customer (in its state after `fx`), its sms/email identities, the
 * reminders and STATUS_CHANGED. `event.result.customer_id` is filled in here.
 */
function createSql(prisma: PrismaClient, now: Date, c: NewCustomer, event: EventRowInput, fx: EventEffects) {
  const { ids, result, inserts } = effectSql(event.result, fx, now);
  const identities = [
    ...(c.ref.phone ? [Prisma.sql`('sms', ${c.ref.phone})`] : []),
    ...(c.ref.email ? [Prisma.sql`('email', ${c.ref.email})`] : []),
  ];
  const ci = identities.length
    ? Prisma.sql`, ci AS (INSERT INTO channel_identities (channel, address, customer_id)
        SELECT v.channel::"ChannelKind", v.address, nc.id FROM nc, (VALUES ${Prisma.join(identities)}) AS v(channel, address)
        ON CONFLICT DO NOTHING)`
    : Prisma.empty;
  const handles = c.ref.handle ? { [c.source ?? "handle"]: c.ref.handle } : null;
  return prisma.$queryRaw<Array<Record<string, unknown>>>`
      WITH found AS (SELECT f.id FROM (${customerByRefSql(c.ownerId, c.ref, c.source)}) AS f),
      nid AS MATERIALIZED (SELECT gen_random_uuid() AS id WHERE NOT EXISTS (SELECT 1 FROM found)),
      ${ids}
      ev AS (${insertEventSql(
        event,
        Prisma.sql`jsonb_set(${result}, '{customer_id}', to_jsonb(nid.id))`,
        Prisma.sql`nid.id`,
        Prisma.sql`nid`,
        now,
      )}),
      nc AS (INSERT INTO customers (id, owner_id, name, email, phone, status, pipeline_status, lead_source, handles,
          utm_json, consent_json, stage_entered_at, last_activity_at, next_action, next_action_date, created_at,
          updated_at)
        SELECT ev.customer_id, ev.owner_id, ${nameOf(c.ref)}, ${c.ref.email ?? null}, ${c.ref.phone ?? null},
          'lead', ${fx.move?.to ?? "lead"}::"CanonicalStatus", ${c.source ?? null}, ${json(handles)}::jsonb,
          ${json(c.utm)}::jsonb, ${json(c.consent)}::jsonb, ${fx.at}::timestamptz, ${fx.at}::timestamptz,
          ${fx.nextAction?.text ?? null}, ${fx.nextAction?.date ?? null}::timestamptz, ${now}::timestamptz,
          ${now}::timestamptz
        FROM ev
        RETURNING ${Prisma.raw(CUSTOMER_FIELDS.map((f) => `"${f}"`).join(", "))}) ${ci} ${inserts}
      SELECT ${prefixed("ev", "e", EVENT_FIELDS)}, ${prefixed("nc", "c", CUSTOMER_FIELDS)},
        (SELECT count(*) FROM found)::int AS found
      FROM (SELECT 1) AS one LEFT JOIN ev ON true LEFT JOIN nc ON true`;
}

/** What createSql's row says. */
function createOutcome(rows: Array<Record<string, unknown>>): CreateOutcome {
  const row = rows[0] ?? {};
  const written = unprefix<EventLog>(row, "e", EVENT_FIELDS);
  const customer = unprefix<CustomerFacts>(row, "c", CUSTOMER_FIELDS);
  if (written && customer) return { kind: "written", row: written, customer };
  return row.found === 1 ? { kind: "exists" } : { kind: "taken" };
}

/** createWithEvent's arguments for one event. */
export interface CreateItem {
  now: Date;
  customer: NewCustomer;
  event: EventRowInput;
  fx: EventEffects;
}

/** The contact keys a create locks (and the group commit keeps apart: see event-write-batch.ts). */
export const createLockKeys = (c: NewCustomer) => contactLockKeys(c.ownerId, c.ref, c.source);

/**
 * Lock the reference's contact keys, then in one statement (createSql): if the owner still has
 * no customer for it, make the lead with its event.
 */
export async function createWithEvent(
  prisma: PrismaClient,
  now: Date,
  c: NewCustomer,
  event: EventRowInput,
  fx: EventEffects,
): Promise<CreateOutcome> {
  const [, rows] = await prisma.$transaction([
    lockSql(prisma, createLockKeys(c)),
    createSql(prisma, now, c, event, fx),
  ]);
  return createOutcome(rows);
}

/**
 * CREATE_SQL's `$1` rows: one new person's event each (see createRow). Their customer is looked
 * up (`found`) as customerByRefSql would (an absent e-mail, phone or handle is null and matches
 * nothing), and only the ones still unknown get an id, their event (ON CONFLICT on the owner's
 * event id), the lead, its identities, reminders and STATUS_CHANGED — what createSql does for
 * one, for all at once. The text is constant, so it is prepared once per connection.
 */
const CREATE_SQL = `${PREPARED}
WITH input AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
    ord int, now timestamptz, event_id text, event_name text, owner_id uuid, user_id text, account_id text,
    source text, ts timestamptz, properties jsonb, utm jsonb, consent jsonb, payload_hash text, result jsonb,
    c_name text, email text, phone text, handles jsonb, lead_source text, c_utm jsonb, c_consent jsonb,
    act_at timestamptz, move_to text, next_text text, next_date timestamptz, dedupe_prefix text, reminders jsonb,
    st_event_id text, st_source text, st_properties jsonb, st_before text, st_after text, st_result jsonb)),
found AS MATERIALIZED (
  SELECT i.ord FROM input AS i
  WHERE EXISTS (SELECT 1 FROM customers AS x WHERE x.owner_id = i.owner_id
    AND (x.email = i.email OR x.phone = i.phone OR x.handles @> i.handles))),
nid AS MATERIALIZED (
  SELECT i.ord, gen_random_uuid() AS id FROM input AS i WHERE NOT EXISTS (SELECT 1 FROM found AS f WHERE f.ord = i.ord)),
rids AS MATERIALIZED (
  SELECT gen_random_uuid() AS id, i.ord, r.kind, r.due_at, r.iso, r.message, r.n
  FROM input AS i JOIN nid ON nid.ord = i.ord
    CROSS JOIN LATERAL jsonb_to_recordset(i.reminders) AS r(kind text, due_at timestamptz, iso text, message text, n int)),
ev AS (
  INSERT INTO event_logs (event_id, event_name, customer_id, owner_id, user_id, account_id, source, timestamp,
    properties, utm, consent, payload_hash, result, created_at)
  SELECT i.event_id, i.event_name::"EventName", nid.id, i.owner_id, i.user_id, i.account_id, i.source, i.ts,
    i.properties, i.utm, i.consent, i.payload_hash,
    jsonb_set(jsonb_set(i.result, '{reminders}', coalesce((SELECT jsonb_agg(jsonb_build_object('id', x.id,
      'type', x.kind, 'scheduled_for', x.iso) ORDER BY x.n) FROM rids AS x WHERE x.ord = i.ord), '[]'::jsonb)),
      '{customer_id}', to_jsonb(nid.id)),
    i.now
  FROM input AS i JOIN nid ON nid.ord = i.ord
  ORDER BY i.owner_id, i.event_id
  ON CONFLICT (owner_id, event_id) DO NOTHING
  RETURNING *),
evi AS (SELECT ev.*, i.ord AS in_ord FROM ev JOIN input AS i ON i.owner_id = ev.owner_id AND i.event_id = ev.event_id),
nc AS (
  INSERT INTO customers (id, owner_id, name, email, phone, status, pipeline_status, lead_source, handles, utm_json,
    consent_json, stage_entered_at, last_activity_at, next_action, next_action_date, created_at, updated_at)
  SELECT evi.customer_id, evi.owner_id, i.c_name, i.email, i.phone, 'lead',
    coalesce(i.move_to, 'lead')::"CanonicalStatus", i.lead_source, i.handles, i.c_utm, i.c_consent, i.act_at,
    i.act_at, i.next_text, i.next_date, i.now, i.now
  FROM evi JOIN input AS i ON i.ord = evi.in_ord
  RETURNING ${CUSTOMER_FIELDS.map((f) => `"${f}"`).join(", ")}),
ci AS (
  INSERT INTO channel_identities (channel, address, customer_id)
  SELECT v.channel::"ChannelKind", v.address, evi.customer_id
  FROM evi JOIN input AS i ON i.ord = evi.in_ord
    CROSS JOIN LATERAL (VALUES (1, 'sms', i.phone), (2, 'email', i.email)) AS v(n, channel, address)
  WHERE v.address IS NOT NULL
  ORDER BY evi.in_ord, v.n
  ON CONFLICT DO NOTHING),
${batchEffectCtes("encode(sha256(convert_to(i.st_before || evi.customer_id::text || i.st_after, 'UTF8')), 'hex')")}
SELECT i.ord, ${prefixedColumns("evi", "e", EVENT_FIELDS)}, ${prefixedColumns("nc", "c", CUSTOMER_FIELDS)},
  (SELECT count(*) FROM found AS f WHERE f.ord = i.ord)::int AS found
FROM input AS i
  LEFT JOIN evi ON evi.in_ord = i.ord
  LEFT JOIN nc ON nc.id = evi.customer_id
ORDER BY i.ord`;

/** The contact-key locks of a batch, constant text (prepared), keys in hash order. */
const LOCK_SQL = `${PREPARED}
SELECT pg_advisory_xact_lock(k)
FROM (SELECT DISTINCT hashtextextended(x, 0) AS k FROM unnest($1::text[]) AS x ORDER BY 1) AS s`;

/** One item as a row of CREATE_SQL's parameter. */
function createRow(ord: number, w: CreateItem) {
  const { customer: c, event: e, fx } = w;
  const move = fx.move;
  if (move && typeof move.payloadHash === "string") throw new Error("a new person's status hash is around its id");
  return {
    ord,
    ...eventBatchColumns(w.now, e, fx),
    c_name: nameOf(c.ref),
    email: c.ref.email ?? null,
    phone: c.ref.phone ?? null,
    handles: c.ref.handle ? { [c.source ?? "handle"]: c.ref.handle } : null,
    lead_source: c.source ?? null,
    c_utm: c.utm ?? null,
    c_consent: c.consent ?? null,
    st_before: move ? (move.payloadHash as { before: string }).before : null,
    st_after: move ? (move.payloadHash as { after: string }).after : null,
  };
}

/**
 * createWithEvent for several new people in one transaction of two statements: every item's
 * contact keys locked first (in hash order), then CREATE_SQL for all of them. The caller keeps
 * items that share a contact key or an event id apart, so no item can find another's new lead:
 * each is written as it would have been on its own. Throws when the transaction fails; nothing
 * is written then.
 */
export async function createWithEvents(prisma: PrismaClient, items: readonly CreateItem[]): Promise<CreateOutcome[]> {
  const keys = items.flatMap((w) => createLockKeys(w.customer));
  const [, rows] = await prisma.$transaction([
    prisma.$executeRawUnsafe(LOCK_SQL, keys),
    prisma.$queryRawUnsafe<Array<Record<string, unknown>>>(
      CREATE_SQL,
      JSON.stringify(items.map((w, i) => createRow(i, w))),
    ),
  ]);
  return items.map((_, i) => createOutcome(rows[i] ? [rows[i]] : []));
}
