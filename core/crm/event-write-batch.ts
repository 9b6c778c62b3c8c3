/**
 * Group commit for the events hot path: the guarded write of event-write.ts (writeEvent) for
 * many events at once, as ONE statement and so one commit — a multi-row
 * `INSERT INTO event_logs … ON CONFLICT (owner_id, event_id) DO NOTHING RETURNING` with the
 * customers' guards, reminders, customer updates and STATUS_CHANGED rows as CTEs. The statement
 * text is constant (the batch travels as one jsonb parameter), so it is raw SQL with no query
 * compile per request. The Batcher (event-batcher.ts) keeps two events about one customer or
 * with one owner's event id out of the same batch, so each event is written exactly as
 * writeEvent would have written it on its own, in arrival order.
 */
import type { EventLog } from "../../prisma/generated/client.js";
import { type Db, PREPARED, type PrismaClient } from "../db.js";
import type { AutomationTrigger } from "./automations.js";
import { Batcher, type BatchTimer } from "./event-batcher.js";
import {
  type CreateItem,
  type CreateOutcome,
  createLockKeys,
  createWithEvent,
  createWithEvents,
} from "./event-create.js";
import type { EventRowInput } from "./event-row.js";
import {
  batchEffectCtes,
  CUSTOMER_FIELDS,
  type CustomerFacts,
  type CustomerKey,
  EVENT_FIELDS,
  type EventContext,
  type EventEffects,
  eventBatchColumns,
  isUniqueViolation,
  prefixedColumns,
  readEventContext,
  unprefix,
  type WriteOutcome,
  writeEvent,
} from "./event-write.js";

/** writeEvent's arguments for one event. */
export interface EventWriteItem {
  now: Date;
  customer: CustomerFacts;
  ruleRows: string;
  event: EventRowInput;
  fx: EventEffects;
}

/** writeEvent's outcomes, plus: a reminder or STATUS_CHANGED id was taken (→ the transactional path), or an error. */
export type EventWriteOutcome = WriteOutcome | { kind: "unique" } | { kind: "error"; error: unknown };

/** readEventContext's arguments: the owner's event id, the trigger, and who the event is about. */
export interface EventReadItem {
  ownerId: string;
  eventId: string;
  trigger: AutomationTrigger;
  key: CustomerKey;
}

/** createWithEvent's outcomes, plus: an id was taken (→ the transactional path), or an error. */
export type CreateWriteOutcome = CreateOutcome | { kind: "unique" } | { kind: "error"; error: unknown };

/**
 * Writes one event, in a batch or on its own; answers after the write committed. The group
 * commit's writer also groups the first reads (`read`: readEventContext — a redelivery, a
 * customer this process has not seen yet, a new person — many in one statement) and the
 * events about new people (`create`: createWithEvent, many in one transaction).
 */
export interface EventWriter {
  (item: EventWriteItem): Promise<EventWriteOutcome>;
  read?: (item: EventReadItem) => Promise<EventContext>;
  create?: (item: CreateItem) => Promise<CreateWriteOutcome>;
}

/**
 * `rules AS (…)`: ruleRowsSql (automations.ts) once for each owner and trigger (`<column>`) of
 * the `input` rows — the same text, so the guard compares like with like. If the two ever
 * differ, every batched event comes back "stale" and takes the slower path — never a wrong write.
 */
const RULES_CTE = (trigger: string) => `rules AS MATERIALIZED (
  SELECT k.owner_id, k.trigger, (SELECT coalesce(json_agg(json_build_object('owner_id', r.owner_id, 'name', r.name,
      'trigger', r.trigger, 'conditions', r.conditions, 'actions', r.actions, 'is_active', r.is_active)
      ORDER BY r.owner_id NULLS FIRST, r.created_at, r.name), '[]')::text
    FROM automation_rules r WHERE r.trigger = k.trigger AND (r.owner_id IS NULL OR r.owner_id = k.owner_id)) AS rules
  FROM (SELECT DISTINCT i.owner_id, i.${trigger} AS trigger FROM input AS i) AS k)`;

/**
 * The batch statement. `$1` is a jsonb array of rows (see batchRow); the rule-rows guard is
 * RULES_CTE's.
 */
const BATCH_SQL = `${PREPARED}
WITH input AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
    ord int, now timestamptz, event_id text, event_name text, customer_id uuid, owner_id uuid, user_id text,
    account_id text, source text, ts timestamptz, properties jsonb, utm jsonb, consent jsonb, payload_hash text,
    result jsonb, c_status text, c_pipeline text, c_name text, rule_rows text, act_at timestamptz, move_to text,
    has_next boolean, next_text text, next_date timestamptz, dedupe_prefix text, reminders jsonb,
    st_event_id text, st_source text, st_properties jsonb, st_hash text, st_result jsonb)),
${RULES_CTE("event_name")},
cust AS (
  SELECT c.id, c.last_activity_at FROM customers AS c JOIN input AS i ON c.id = i.customer_id
    JOIN rules AS k ON k.owner_id = i.owner_id AND k.trigger = i.event_name
  WHERE c.owner_id = i.owner_id AND c.status = i.c_status::"CustomerStatus"
    AND c.pipeline_status = i.c_pipeline::"CanonicalStatus" AND c.name = i.c_name AND c.opted_out_at IS NULL
    AND k.rules = i.rule_rows
  ORDER BY c.id
  FOR UPDATE OF c),
rids AS MATERIALIZED (
  SELECT gen_random_uuid() AS id, i.ord, r.kind, r.due_at, r.iso, r.message, r.n
  FROM input AS i CROSS JOIN LATERAL jsonb_to_recordset(i.reminders) AS r(kind text, due_at timestamptz, iso text,
    message text, n int)),
ev AS (
  INSERT INTO event_logs (event_id, event_name, customer_id, owner_id, user_id, account_id, source, timestamp,
    properties, utm, consent, payload_hash, result, created_at)
  SELECT i.event_id, i.event_name::"EventName", cust.id, i.owner_id, i.user_id, i.account_id, i.source, i.ts,
    i.properties, i.utm, i.consent, i.payload_hash,
    jsonb_set(i.result, '{reminders}', coalesce((SELECT jsonb_agg(jsonb_build_object('id', x.id, 'type', x.kind,
      'scheduled_for', x.iso) ORDER BY x.n) FROM rids AS x WHERE x.ord = i.ord), '[]'::jsonb)),
    i.now
  FROM input AS i JOIN cust ON cust.id = i.customer_id
  ORDER BY i.owner_id, i.event_id
  ON CONFLICT (owner_id, event_id) DO NOTHING
  RETURNING *),
evi AS (SELECT ev.*, i.ord AS in_ord FROM ev JOIN input AS i ON i.owner_id = ev.owner_id AND i.event_id = ev.event_id),
upd AS (
  UPDATE customers AS c SET
    last_activity_at = GREATEST(c.last_activity_at, i.act_at),
    updated_at = i.now,
    pipeline_status = CASE WHEN i.move_to IS NULL THEN c.pipeline_status ELSE i.move_to::"CanonicalStatus" END,
    stage_entered_at = CASE WHEN i.move_to IS NULL THEN c.stage_entered_at ELSE i.act_at END,
    next_action = CASE WHEN i.has_next THEN i.next_text ELSE c.next_action END,
    next_action_date = CASE WHEN i.has_next THEN i.next_date ELSE c.next_action_date END
  FROM evi JOIN input AS i ON i.ord = evi.in_ord
  WHERE c.id = evi.customer_id
  RETURNING i.ord AS up_ord, ${CUSTOMER_FIELDS.map((f) => `c."${f}"`).join(", ")}),
${batchEffectCtes("i.st_hash")}
SELECT i.ord, ${prefixedColumns("evi", "e", EVENT_FIELDS)}, ${prefixedColumns("upd", "c", CUSTOMER_FIELDS)},
  (cust.id IS NOT NULL) AS locked, cust.last_activity_at AS before
FROM input AS i
  LEFT JOIN cust ON cust.id = i.customer_id
  LEFT JOIN evi ON evi.in_ord = i.ord
  LEFT JOIN upd ON upd.up_ord = i.ord
ORDER BY i.ord`;

/**
 * readEventContext for many events at once (`$1`: a jsonb array of rows, see readEventBatch):
 * the owner's event with the id, the rule rows, and the owner's customer — by id (`c`), or
 * (`r`) the oldest with the e-mail, phone or handle, as customerByRefSql (event-write.ts) finds
 * it; a reference part that is absent is null and matches nothing, as it is left out there.
 */
const READ_SQL = `${PREPARED}
WITH input AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(ord int, owner_id uuid, event_id text, trigger text,
    customer_id uuid, email text, phone text, handles jsonb)),
${RULES_CTE("trigger")}
SELECT i.ord, ${prefixedColumns("c", "c", CUSTOMER_FIELDS)}, ${prefixedColumns("r", "r", CUSTOMER_FIELDS)}, ${prefixedColumns("e", "e", EVENT_FIELDS)},
  k.rules
FROM input AS i
  JOIN rules AS k ON k.owner_id = i.owner_id AND k.trigger = i.trigger
  LEFT JOIN customers AS c ON c.id = i.customer_id AND c.owner_id = i.owner_id
  LEFT JOIN LATERAL (
    SELECT * FROM customers AS x
    WHERE i.customer_id IS NULL AND x.owner_id = i.owner_id
      AND (x.email = i.email OR x.phone = i.phone OR x.handles @> i.handles)
    ORDER BY x.created_at ASC LIMIT 1) AS r ON true
  LEFT JOIN event_logs AS e ON e.owner_id = i.owner_id AND e.event_id = i.event_id
ORDER BY i.ord`;

/** One item as a row of READ_SQL's parameter. */
function readRow(ord: number, r: EventReadItem) {
  const byRef = "ref" in r.key ? r.key : null;
  const handle = byRef?.ref.handle;
  return {
    ord,
    owner_id: r.ownerId,
    event_id: r.eventId,
    trigger: r.trigger,
    customer_id: "id" in r.key ? r.key.id : null,
    email: byRef?.ref.email ?? null,
    phone: byRef?.ref.phone ?? null,
    handles: handle ? { [byRef?.source ?? "handle"]: handle } : null,
  };
}

/**
 * The contexts of `items`, one statement; one EventContext per item, in order. Should the
 * statement fail as a whole, each is read on its own (readEventContext), so one bad item
 * never fails its batch-mates.
 */
async function readEventBatch(db: Db, items: readonly EventReadItem[]): Promise<EventContext[]> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
      READ_SQL,
      JSON.stringify(items.map((r, ord) => readRow(ord, r))),
    );
  } catch (err) {
    if (items.length === 1) throw err;
    const out: EventContext[] = [];
    for (const r of items) out.push(await readEventContext(db, r.ownerId, r.eventId, r.trigger, r.key));
    return out;
  }
  return items.map((_, i) => {
    const row = rows[i] ?? {};
    return {
      existing: unprefix<EventLog>(row, "e", EVENT_FIELDS),
      customer:
        unprefix<CustomerFacts>(row, "c", CUSTOMER_FIELDS) ?? unprefix<CustomerFacts>(row, "r", CUSTOMER_FIELDS),
      ruleRows: (row.rules as string | undefined) ?? "[]",
    };
  });
}

/** One event as a row of the batch's jsonb parameter. */
function batchRow(ord: number, w: EventWriteItem) {
  const { event: e, fx } = w;
  const move = fx.move;
  if (move && typeof move.payloadHash !== "string") throw new Error("batched events are about known customers");
  return {
    ord,
    ...eventBatchColumns(w.now, e, fx),
    customer_id: w.customer.id,
    c_status: w.customer.status,
    c_pipeline: w.customer.pipeline_status,
    c_name: w.customer.name,
    rule_rows: w.ruleRows,
    has_next: fx.nextAction !== null,
    st_hash: move ? (move.payloadHash as string) : null,
  };
}

/**
 * Write a batch of events about known customers in one statement; one outcome per item, in
 * order. When the statement fails as a whole (a reminder or STATUS_CHANGED id already taken, a
 * deadlock with another process), each event is written on its own instead, so one bad event
 * never fails its batch-mates.
 */
async function writeEventBatch(db: Db, items: readonly EventWriteItem[]): Promise<EventWriteOutcome[]> {
  if (items.length === 1) return [await writeEventAlone(db, items[0] as EventWriteItem)];
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
      BATCH_SQL,
      JSON.stringify(items.map((w, i) => batchRow(i, w))),
    );
  } catch {
    const out: EventWriteOutcome[] = [];
    for (const w of items) out.push(await writeEventAlone(db, w));
    return out;
  }
  return items.map((_, i) => {
    const row = rows[i] ?? {};
    const written = unprefix<EventLog>(row, "e", EVENT_FIELDS);
    const after = unprefix<CustomerFacts>(row, "c", CUSTOMER_FIELDS);
    if (written && after) {
      return { kind: "written", row: written, lastActivityBefore: row.before as Date, customer: after };
    }
    return row.locked === true ? { kind: "taken" } : { kind: "stale" };
  });
}

/** writeEvent for one item on its own statement, its failures as outcomes. */
export async function writeEventAlone(db: Db, w: EventWriteItem): Promise<EventWriteOutcome> {
  try {
    return await writeEvent(db, w.now, w.customer, w.ruleRows, w.event, w.fx);
  } catch (error) {
    return isUniqueViolation(error) ? { kind: "unique" } : { kind: "error", error };
  }
}

/** createWithEvent for one item, its failures as outcomes. */
export async function createAlone(prisma: PrismaClient, w: CreateItem): Promise<CreateWriteOutcome> {
  try {
    return await createWithEvent(prisma, w.now, w.customer, w.event, w.fx);
  } catch (error) {
    return isUniqueViolation(error) ? { kind: "unique" } : { kind: "error", error };
  }
}

/**
 * New people's events in one transaction (createWithEvents, its constant statement even for
 * one); when it fails as a whole (an id already taken, a deadlock), each is made on its own
 * instead (createWithEvent), so one bad event never fails its batch-mates.
 */
async function createEventBatch(prisma: PrismaClient, items: readonly CreateItem[]): Promise<CreateWriteOutcome[]> {
  try {
    return await createWithEvents(prisma, items);
  } catch {
    const out: CreateWriteOutcome[] = [];
    for (const w of items) out.push(await createAlone(prisma, w));
    return out;
  }
}

/** Group-commit limits: up to 64 events a statement, a lone event waits ≤ 2 ms, ≤ 512 waiting. */
const EVENT_BATCH_LIMITS = { maxBatch: 64, maxWaitMs: 2, maxPending: 512, maxInFlight: 2 } as const;

/**
 * An EventWriter that group-commits (see the file comment). One per process (the web app makes
 * it); the timer is the adapter's. Keys: the customer (its state is each plan's input) and the
 * owner's event id (a redelivery must see the first delivery committed); for new people, their
 * contact keys and the event id.
 */
export function groupCommitWriter(
  db: PrismaClient,
  timer: BatchTimer,
  limits: Partial<typeof EVENT_BATCH_LIMITS> = {},
): EventWriter {
  const batcher = new Batcher<EventWriteItem, EventWriteOutcome>({
    ...EVENT_BATCH_LIMITS,
    ...limits,
    keysOf: (w) => [`c:${w.customer.id}`, `e:${w.event.owner_id}\0${w.event.event_id}`],
    flush: (items) => writeEventBatch(db, items),
    timer,
  });
  // Reads change nothing, so no two of them need keeping apart.
  const reader = new Batcher<EventReadItem, EventContext>({
    ...EVENT_BATCH_LIMITS,
    ...limits,
    keysOf: () => [],
    flush: (items) => readEventBatch(db, items),
    timer,
  });
  // Two events about one new person (any contact key in common) or with one event id never share a batch.
  const creator = new Batcher<CreateItem, CreateWriteOutcome>({
    ...EVENT_BATCH_LIMITS,
    ...limits,
    keysOf: (w) => [...createLockKeys(w.customer).map((k) => `k:${k}`), `e:${w.event.owner_id}\0${w.event.event_id}`],
    flush: (items) => createEventBatch(db, items),
    timer,
  });
  const writer: EventWriter = (item) => batcher.submit(item);
  writer.read = (item) => reader.submit(item);
  writer.create = (item) => creator.submit(item);
  return writer;
}
