import type { Customer, EventLog, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { isAdmin, ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type PageQuery, paginate } from "../paging.js";
import { type TxCtx, transact } from "../service.js";
import { validate } from "../validation.js";
import { applyAutomationPlan, optOutCustomer } from "./automation-runner.js";
import { planAutomations, rulesFor } from "./automations.js";
import { payloadHash } from "./canonical-json.js";
import { resolveEventCustomer } from "./customer-from-event.js";
import { type EventEnvelope, eventEnvelopeSchema, MAX_FUTURE_SKEW_MS } from "./event-envelope.js";
import { recordForKnownCustomer, rememberCustomer } from "./event-fast-path.js";
import { eventRow, presentEvent, type RecordedEvent, replay, storedEvent } from "./event-row.js";
import { isUniqueViolation } from "./event-write.js";
import type { EventWriter } from "./event-write-batch.js";
import { lockCustomer, notFound, ownedCustomer, resolveOwner } from "./owned.js";
import { eventDedupePrefix } from "./reminder-rules.js";

export { type PresentedEvent, presentEvent } from "./event-row.js";

/**
 * Record one seed-003 event and run what it triggers, exactly once per owner and `event_id` (the
 * Stripe way, where idempotency keys are per account): the first delivery stores the event with
 * its result; a redelivery with the same payload gets that stored original back (`replayed`), one
 * with a different payload gets IDEMPOTENCY_CONFLICT. Each owner's tools choose their ids
 * independently, so another owner's event with the same id is a different event (no false
 * conflict, never their data). Two deliveries racing each other are settled by the unique index
 * on `(owner_id, event_id)`: the loser writes nothing and answers the winner's row.
 * `createCustomer` (default true) makes a lead for an unknown person named in `customer`; `hash`
 * replaces the fingerprint when the caller defaulted fields (a webhook without event_id or
 * timestamp). An event about a known customer takes two statements (event-write.ts) — one
 * when its state is remembered, shared with the events arriving together when `writer` is the
 * web app's group commit (event-write-batch.ts); the rest runs in one transaction.
 */
export async function recordEvent(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  opts: { createCustomer?: boolean; hash?: string; writer?: EventWriter } = {},
): Promise<RecordedEvent> {
  const v = validate(eventEnvelopeSchema, input);
  if (!v.ok) return v;
  const env = v.value;
  const now = deps.clock.now();
  if (new Date(env.timestamp).getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
    return fail("VALIDATION_FAILED", "timestamp: is in the future", [{ field: "timestamp" }]);
  }
  const owner = await eventOwner(deps.prisma, scope, env);
  if (!owner.ok) return owner;
  const hash = opts.hash ?? payloadHash({ ...env, owner_id: owner.value });
  const fast = await recordForKnownCustomer(deps, env, owner.value, hash, opts.createCustomer ?? true, opts.writer);
  if (fast) return fast;
  const existing = await storedEvent(deps.prisma, owner.value, env.event_id);
  if (existing) return replay(existing, hash);
  try {
    const r = await transact(deps, (c) => processEvent(deps, c, env, owner.value, hash, opts.createCustomer ?? true));
    if (!r.ok) return r;
    if (r.value.customer) rememberCustomer(r.value.customer);
    return ok({ event: presentEvent(r.value.row), replayed: false });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await storedEvent(deps.prisma, owner.value, env.event_id);
    if (!winner) throw err;
    return replay(winner, hash);
  }
}

/** A contractor key's events are its own; an admin key names the owner or a customer of theirs. */
async function eventOwner(db: Db, scope: ApiScope, env: EventEnvelope): Promise<Result<string>> {
  if (isAdmin(scope) && !env.owner_id && env.customer_id) {
    const c = await db.customer.findUnique({ where: { id: env.customer_id }, select: { owner_id: true } });
    if (!c) return notFound("customer");
    return ok(c.owner_id);
  }
  return resolveOwner(db, scope, env.owner_id);
}

async function processEvent(
  deps: CoreDeps,
  c: TxCtx,
  env: EventEnvelope,
  ownerId: string,
  hash: string,
  mayCreate: boolean,
): Promise<Result<{ row: EventLog; customer: Customer | null }>> {
  const timestamp = new Date(env.timestamp);
  // An event is activity at its own time, but never later than now.
  const at = timestamp.getTime() > c.now.getTime() ? c.now : timestamp;
  let customer: Customer | null = null;
  let created = false;
  if (env.customer_id) {
    customer = await lockCustomer(c.tx, env.customer_id, ownerId);
    if (!customer) return notFound("customer");
  } else if (env.customer) {
    ({ customer, created } = await resolveEventCustomer(c, ownerId, env, at, mayCreate));
  }
  let result: Record<string, unknown> = { customer_id: customer?.id ?? null, customer_created: created };
  // The customer's state after the automations ran (not set when none could run).
  let after: Customer | null = null;
  if (!customer) result.skipped = "no_customer";
  else if (env.event_name === "UNSUBSCRIBED") {
    const { remindersClosed } = await optOutCustomer(c, customer, at);
    result = { ...result, opted_out: true, reminders_closed: remindersClosed };
  } else if (customer.opted_out_at) result.skipped = "opted_out";
  else {
    const rules = await rulesFor(c.tx, ownerId, env.event_name, deps.log);
    const plan = planAutomations(
      rules,
      {
        status: customer.status,
        pipeline_status: customer.pipeline_status,
        source: env.source ?? null,
        name: customer.name,
      },
      timestamp,
    );
    const applied = await applyAutomationPlan(c, customer, plan, {
      dedupePrefix: eventDedupePrefix(env.event_id),
      // A customer this event just created has its activity at `at` already: no second write.
      activityAt: created && !plan.moveTo && !plan.nextAction ? null : at,
      statusEventId: `${env.event_id}:status`,
      source: env.source ?? "manual",
      cause: env.event_id,
    });
    result = { ...result, ...applied.outcome };
    after = applied.customer;
  }
  const row = eventRow(env, ownerId, hash, result);
  const json = (v: unknown) => v as Prisma.InputJsonValue | undefined;
  const stored = await c.tx.eventLog.create({
    data: {
      ...row,
      customer_id: customer?.id ?? null,
      properties: json(row.properties),
      utm: json(row.utm),
      consent: json(row.consent),
      result: result as Prisma.InputJsonValue,
      created_at: c.now,
    },
  });
  return ok({ row: stored, customer: after });
}

/** Filters for listing events. */
export interface EventFilter {
  event_name?: EventLog["event_name"];
  customer_id?: string;
  source?: string;
  from?: string;
  to?: string;
  page: number;
  per_page: number;
}

/** The scope's events, newest first (the dashboard ticker and audit), filtered by type, customer, source and time. */
export async function listEvents(deps: CoreDeps, scope: ApiScope, f: EventFilter) {
  const where: Prisma.EventLogWhereInput = {
    ...ownedBy(scope),
    ...(f.event_name ? { event_name: f.event_name } : {}),
    ...(f.customer_id
      ? { customer_id: isUuid(f.customer_id) ? f.customer_id : "00000000-0000-0000-0000-000000000000" }
      : {}),
    ...(f.source ? { source: f.source } : {}),
    ...(f.from || f.to
      ? { timestamp: { ...(f.from ? { gte: new Date(f.from) } : {}), ...(f.to ? { lt: new Date(f.to) } : {}) } }
      : {}),
  };
  const page = await paginate(
    f,
    () => deps.prisma.eventLog.count({ where }),
    (w) =>
      deps.prisma.eventLog.findMany({
        where,
        // Ties (an event and the status change it caused share a timestamp) break deterministically.
        orderBy: [{ timestamp: "desc" }, { created_at: "desc" }, { event_id: "desc" }],
        ...w,
      }),
  );
  return { ...page, data: page.data.map(presentEvent) };
}

/** One customer's events, newest first; NOT_FOUND when the customer is not the scope's. */
export async function listCustomerEvents(deps: CoreDeps, scope: ApiScope, customerId: string, page: PageQuery) {
  const customer = await ownedCustomer(deps.prisma, scope, customerId);
  if (!customer) return notFound("customer");
  return ok(await listEvents(deps, scope, { ...page, customer_id: customer.id }));
}
