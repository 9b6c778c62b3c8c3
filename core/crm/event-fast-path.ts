/**
 * recordEvent's path for an event about a known, opted-in customer: the plan of
 * processEvent, written by one guarded statement (event-write.ts). What the plan depends on —
 * the customer's status, canonical status and name, and the owner's rule rows — is remembered
 * from the last event about the customer, so a steady stream of events costs one statement
 * each; the statement checks that state and writes nothing when it no longer holds, and then
 * the event is read afresh and tried once more. Stale memory costs a round trip, never a
 * wrong result.
 */
import type { EventLog } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { ok } from "../errors.js";
import { planAutomations, rulesFromRows } from "./automations.js";
import { canonicalJson, payloadHash } from "./canonical-json.js";
import { hasContact, nameOf } from "./customer-from-event.js";
import type { CustomerRef, EventEnvelope } from "./event-envelope.js";
import { eventRow, presentEvent, type RecordedEvent, replay, storedEvent } from "./event-row.js";
import { type CustomerFacts, type CustomerKey, type EventEffects, readEventContext } from "./event-write.js";
import { createAlone, type EventWriter, writeEventAlone } from "./event-write-batch.js";
import { notFound } from "./owned.js";
import { eventDedupePrefix, inactiveAt } from "./reminder-rules.js";
import { crmWakeKey } from "./wakeups.js";

/** A bounded map that forgets everything when full (the values are hints, checked on use). */
class Hints<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly max: number) {}
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    if (this.#map.size >= this.max) this.#map.clear();
    this.#map.set(key, value);
  }
  delete(key: string): void {
    this.#map.delete(key);
  }
}

/** Customer id → its state after the last event this process wrote for it. */
const customerHints = new Hints<CustomerFacts>(50_000);
/** `<owner>\0<trigger>` → the rule rows' text last read for them. */
const ruleHints = new Hints<string>(10_000);
/** `<owner>\0<event id>` of events this process stored lately: a redelivery is read, not tried as a write first. */
const recentEvents = new Hints<true>(10_000);
/** The recentEvents key: an event id is the owner's own (idempotency is per owner). */
const eventKey = (ownerId: string, eventId: string) => `${ownerId}\0${eventId}`;

/** Remember a customer's state after an event the transactional path recorded (a hint, see above). */
export function rememberCustomer(customer: CustomerFacts): void {
  customerHints.set(customer.id, {
    id: customer.id,
    status: customer.status,
    pipeline_status: customer.pipeline_status,
    name: customer.name,
    opted_out_at: customer.opted_out_at,
    last_activity_at: customer.last_activity_at,
  });
}

/**
 * Record an event without an interactive transaction (see the file comment): about a known,
 * opted-in customer, or about a new person (event-create.ts). Null hands the event to the
 * transactional path: no customer reference, UNSUBSCRIBED, an opted-out customer, no customer
 * and `mayCreate` false, or a customer that changed between read and write. With `writer` (the
 * web app's group commit, event-write-batch.ts) the write shares a statement with the events
 * that arrived together; the answer still waits for its commit.
 */
export async function recordForKnownCustomer(
  deps: CoreDeps,
  env: EventEnvelope,
  ownerId: string,
  hash: string,
  mayCreate: boolean,
  writer: EventWriter = (w) => writeEventAlone(deps.prisma, w),
): Promise<RecordedEvent | null> {
  const key: CustomerKey | null = env.customer_id
    ? { id: env.customer_id }
    : env.customer
      ? { ref: env.customer, source: env.source }
      : null;
  if (!key || env.event_name === "UNSUBSCRIBED") return null;
  const rulesKey = `${ownerId}\0${env.event_name}`;
  const hinted = env.customer_id ? customerHints.get(env.customer_id) : undefined;
  const hintedRules = ruleHints.get(rulesKey);
  if (hinted && hintedRules !== undefined && !recentEvents.get(eventKey(ownerId, env.event_id))) {
    const r = await attempt(deps, env, ownerId, hash, hinted, hintedRules, writer);
    if (r) return r;
  }
  const ctx = writer.read
    ? await writer.read({ ownerId, eventId: env.event_id, trigger: env.event_name, key })
    : await readEventContext(deps.prisma, ownerId, env.event_id, env.event_name, key);
  if (ctx.existing) return replay(ctx.existing, hash);
  ruleHints.set(rulesKey, ctx.ruleRows);
  const customer = ctx.customer;
  if (customer) return customer.opted_out_at ? null : attempt(deps, env, ownerId, hash, customer, ctx.ruleRows, writer);
  if (env.customer_id) return notFound("customer");
  if (!mayCreate || !env.customer || !hasContact(env.customer)) return null;
  return create(deps, env, ownerId, hash, env.customer, ctx.ruleRows, writer);
}

/** The plan for `customer` under `ruleRows`, as the event's result and the writes it makes. */
function planEvent(
  deps: CoreDeps,
  env: EventEnvelope,
  now: Date,
  customer: Omit<CustomerFacts, "id">,
  ruleRows: string,
) {
  const timestamp = new Date(env.timestamp);
  // An event is activity at its own time, but never later than now.
  const at = timestamp.getTime() > now.getTime() ? now : timestamp;
  const rules = rulesFromRows(env.event_name, ruleRows, deps.log);
  const plan = planAutomations(rules, { ...customer, source: env.source ?? null }, timestamp);
  const moved = plan.moveTo ? { from: customer.pipeline_status, to: plan.moveTo } : null;
  const statusEventId = `${env.event_id}:status`;
  const result = {
    rules: plan.rules,
    status_change: moved,
    next_action: plan.nextAction ? { text: plan.nextAction.text, date: plan.nextAction.date.toISOString() } : null,
  };
  const effects = (customerId: string | null): EventEffects => ({
    at,
    reminders: plan.reminders,
    dedupePrefix: eventDedupePrefix(env.event_id),
    nextAction: plan.nextAction,
    move: moved && {
      to: moved.to,
      eventId: statusEventId,
      source: env.source ?? "manual",
      properties: { ...moved, cause: env.event_id },
      payloadHash: statusHash({
        event_id: statusEventId,
        customer_id: customerId,
        timestamp: at,
        properties: { ...moved, cause: env.event_id },
      }),
      result: { status_change: moved },
    },
  });
  return { result, effects };
}

/** Plan from `customer` and `ruleRows`, then write if they still hold; null when they did not. */
async function attempt(
  deps: CoreDeps,
  env: EventEnvelope,
  ownerId: string,
  hash: string,
  customer: CustomerFacts,
  ruleRows: string,
  writer: EventWriter,
): Promise<RecordedEvent | null> {
  const now = deps.clock.now();
  const { result, effects } = planEvent(deps, env, now, customer, ruleRows);
  const w = await writer({
    now,
    customer,
    ruleRows,
    event: eventRow(env, ownerId, hash, { customer_id: customer.id, customer_created: false, ...result }),
    fx: effects(customer.id),
  });
  // A reminder or STATUS_CHANGED id already taken: the transactional path settles it as before.
  if (w.kind === "unique") return null;
  if (w.kind === "error") throw w.error;
  if (w.kind === "stale") {
    customerHints.delete(customer.id);
    return null;
  }
  if (w.kind === "taken") return replayWinner(deps, ownerId, env.event_id, hash);
  const wakes = reminderWakes(w.row);
  if (w.customer.last_activity_at.getTime() !== w.lastActivityBefore.getTime()) {
    wakes.push([crmWakeKey("inactive", customer.id), inactiveAt(w.customer.last_activity_at)]);
  }
  return done(deps, w.row, w.customer, wakes);
}

/** Stands for a customer id the statement has yet to draw, in the STATUS_CHANGED fingerprint. */
const DRAWN_ID = "00000000-0000-4000-8000-0000000000d1";

/**
 * The STATUS_CHANGED fingerprint (payloadHash of the move); for a customer not made yet, the
 * canonical JSON around its id, which the statement hashes with the id it draws.
 */
function statusHash(v: { event_id: string; customer_id: string | null; timestamp: Date; properties: object }) {
  if (v.customer_id) return payloadHash(v);
  const text = canonicalJson({ ...v, customer_id: DRAWN_ID });
  const at = text.indexOf(DRAWN_ID);
  return { before: text.slice(0, at), after: text.slice(at + DRAWN_ID.length) };
}

/**
 * A new lead and its event in one statement (event-create.ts), with the new people arriving
 * together in one transaction when `writer` groups them; null when the person exists by now.
 */
async function create(
  deps: CoreDeps,
  env: EventEnvelope,
  ownerId: string,
  hash: string,
  ref: CustomerRef,
  ruleRows: string,
  writer: EventWriter,
): Promise<RecordedEvent | null> {
  const now = deps.clock.now();
  const fresh = { status: "lead", pipeline_status: "lead", name: nameOf(ref), opted_out_at: null } as const;
  const { result, effects } = planEvent(deps, env, now, { ...fresh, last_activity_at: now }, ruleRows);
  const fx = effects(null);
  const item = {
    now,
    customer: { ownerId, ref, source: env.source, utm: env.utm, consent: env.consent },
    event: eventRow(env, ownerId, hash, { customer_id: null, customer_created: true, ...result }),
    fx,
  };
  const w = writer.create ? await writer.create(item) : await createAlone(deps.prisma, item);
  // A reminder or STATUS_CHANGED id already taken: the transactional path settles it as before.
  if (w.kind === "unique") return null;
  if (w.kind === "error") throw w.error;
  if (w.kind === "exists") return null;
  if (w.kind === "taken") return replayWinner(deps, ownerId, env.event_id, hash);
  const wakes: Array<[string, Date]> = [[crmWakeKey("inactive", w.customer.id), inactiveAt(fx.at)]];
  return done(deps, w.row, w.customer, [...wakes, ...reminderWakes(w.row)]);
}

/** The owner's event id was taken by a racing delivery: answer as a replay of the winner. */
async function replayWinner(
  deps: CoreDeps,
  ownerId: string,
  eventId: string,
  hash: string,
): Promise<RecordedEvent | null> {
  const winner = await storedEvent(deps.prisma, ownerId, eventId);
  return winner ? replay(winner, hash) : null;
}

/** The wake-ups of the reminders an event made, from its stored result. */
function reminderWakes(row: EventLog): Array<[string, Date]> {
  const made = (row.result as { reminders?: Array<{ id: string; scheduled_for: string }> }).reminders ?? [];
  return made.map((r) => [crmWakeKey("reminder", r.id), new Date(r.scheduled_for)]);
}

/** After the commit: remember the customer's state, hand the wake-ups to the scheduler, answer. */
async function done(
  deps: CoreDeps,
  row: EventLog,
  customer: CustomerFacts,
  wakes: Array<[string, Date]>,
): Promise<RecordedEvent> {
  customerHints.set(customer.id, customer);
  if (row.owner_id) recentEvents.set(eventKey(row.owner_id, row.event_id), true);
  for (const [k, when] of wakes) {
    // The deadline is a column: if the scheduler fails, the reconciler finds it.
    await deps.scheduler.at(k, when).catch((err: unknown) => deps.log.warn(`scheduler.at(${k}) failed`, err));
  }
  return ok({ event: presentEvent(row), replayed: false });
}
