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
import { contactLockKeys, nameOf } from "./customer-from-event.js";
import type { CustomerRef } from "./event-envelope.js";
import type { EventRowInput } from "./event-row.js";
import {
  CUSTOMER_FIELDS,
  type CustomerFacts,
  customerByRefSql,
  EVENT_FIELDS,
  type EventEffects,
  effectSql,
  insertEventSql,
  json,
  prefixed,
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

/**
 * Lock the reference's contact keys, then in one statement: if the owner still has no customer
 * for it, claim the event id and insert the customer (in its state after `fx`), its sms/email
 * identities, the reminders and STATUS_CHANGED. `event.result.customer_id` is filled in here.
 */
export async function createWithEvent(
  prisma: PrismaClient,
  now: Date,
  c: NewCustomer,
  event: EventRowInput,
  fx: EventEffects,
): Promise<CreateOutcome> {
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
  const keys = contactLockKeys(c.ownerId, c.ref, c.source);
  const [, rows] = await prisma.$transaction([
    prisma.$executeRaw`SELECT pg_advisory_xact_lock(k)
      FROM (SELECT DISTINCT hashtextextended(x, 0) AS k FROM unnest(${keys}::text[]) AS x ORDER BY 1) AS s`,
    prisma.$queryRaw<Array<Record<string, unknown>>>`
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
      FROM (SELECT 1) AS one LEFT JOIN ev ON true LEFT JOIN nc ON true`,
  ]);
  const row = rows[0] ?? {};
  const written = unprefix<EventLog>(row, "e", EVENT_FIELDS);
  const customer = unprefix<CustomerFacts>(row, "c", CUSTOMER_FIELDS);
  if (written && customer) return { kind: "written", row: written, customer };
  return row.found === 1 ? { kind: "exists" } : { kind: "taken" };
}
