import type { Customer, EventLog, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type TxCtx, transact } from "../service.js";
import { validate } from "../validation.js";
import { applyAutomationPlan, optOutCustomer } from "./automation-runner.js";
import { planAutomations, rulesFor } from "./automations.js";
import { payloadHash } from "./canonical-json.js";
import { type CustomerRef, type EventEnvelope, eventEnvelopeSchema, MAX_FUTURE_SKEW_MS } from "./event-envelope.js";
import { lockCustomer, notFound, ownedCustomer, resolveOwner } from "./owned.js";
import { inactiveAt } from "./reminder-rules.js";
import { crmWakeKey } from "./wakeups.js";

/** An event as the API shows it (the idempotency fingerprint stays internal). */
export type PresentedEvent = Omit<EventLog, "payload_hash">;

/** An event row as the API answers it: everything but the internal payload hash. */
export function presentEvent(row: EventLog): PresentedEvent {
  const { payload_hash: _h, ...rest } = row;
  return rest;
}

/** Same id + same payload: the stored original. Same id + another payload: IDEMPOTENCY_CONFLICT. */
function replay(row: EventLog, hash: string): Result<{ event: PresentedEvent; replayed: boolean }> {
  if (row.payload_hash !== hash) {
    return fail("IDEMPOTENCY_CONFLICT", `event_id "${row.event_id}" was already used with a different payload`, {
      event_id: row.event_id,
    });
  }
  return ok({ event: presentEvent(row), replayed: true });
}

const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === "P2002";

/**
 * Record one seed-003 event and run what it triggers, exactly once per `event_id` (the Stripe
 * way): the first delivery stores the event with its result; a redelivery with the same payload
 * gets that stored original back (`replayed`), one with a different payload gets
 * IDEMPOTENCY_CONFLICT. The fingerprint includes the owner, so another owner's id never returns
 * their data. Two deliveries racing each other are settled by the unique index: the loser's
 * transaction rolls back whole and it answers the winner's row. `createCustomer` (default true)
 * makes a lead for an unknown person named in `customer`; `hash` replaces the fingerprint when
 * the caller defaulted fields (a webhook without event_id or timestamp).
 */
export async function recordEvent(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  opts: { createCustomer?: boolean; hash?: string } = {},
): Promise<Result<{ event: PresentedEvent; replayed: boolean }>> {
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
  const existing = await deps.prisma.eventLog.findUnique({ where: { event_id: env.event_id } });
  if (existing) return replay(existing, hash);
  try {
    const r = await transact(deps, (c) => processEvent(deps, c, env, owner.value, hash, opts.createCustomer ?? true));
    return r.ok ? ok({ event: presentEvent(r.value), replayed: false }) : r;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await deps.prisma.eventLog.findUnique({ where: { event_id: env.event_id } });
    if (!winner) throw err;
    return replay(winner, hash);
  }
}

/** A contractor key's events are its own; an admin key names the owner or a customer of theirs. */
async function eventOwner(db: Db, scope: ApiScope, env: EventEnvelope): Promise<Result<string>> {
  if (scope.kind === "admin" && !env.owner_id && env.customer_id) {
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
): Promise<Result<EventLog>> {
  const timestamp = new Date(env.timestamp);
  // An event is activity at its own time, but never later than now.
  const at = timestamp.getTime() > c.now.getTime() ? c.now : timestamp;
  let customer: Customer | null = null;
  let created = false;
  if (env.customer_id) {
    customer = await lockCustomer(c.tx, env.customer_id, ownerId);
    if (!customer) return notFound("customer");
  } else if (env.customer) {
    const found = await findByRef(c.tx, ownerId, env.customer, env.source);
    customer = found && (await lockCustomer(c.tx, found.id));
    if (!customer && mayCreate && env.event_name !== "UNSUBSCRIBED" && hasContact(env.customer)) {
      customer = await createFromRef(c, ownerId, env, at);
      created = true;
    }
  }
  let result: Record<string, unknown> = { customer_id: customer?.id ?? null, customer_created: created };
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
    const { outcome } = await applyAutomationPlan(c, customer, plan, {
      dedupePrefix: `evt:${env.event_id}`,
      // A customer this event just created has its activity at `at` already: no second write.
      activityAt: created && !plan.moveTo && !plan.nextAction ? null : at,
      statusEventId: `${env.event_id}:status`,
      source: env.source ?? "manual",
      cause: env.event_id,
    });
    result = { ...result, ...outcome };
  }
  const json = (v: Record<string, unknown> | undefined) => v as Prisma.InputJsonValue | undefined;
  const row = await c.tx.eventLog.create({
    data: {
      event_id: env.event_id,
      event_name: env.event_name,
      customer_id: customer?.id ?? null,
      owner_id: ownerId,
      user_id: env.user_id ?? null,
      account_id: env.account_id ?? null,
      source: env.source ?? null,
      timestamp,
      properties: json(env.properties),
      utm: json(env.utm),
      consent: json(env.consent),
      payload_hash: hash,
      result: result as Prisma.InputJsonValue,
      created_at: c.now,
    },
  });
  return ok(row);
}

const hasContact = (ref: CustomerRef) => Boolean(ref.email || ref.phone || ref.handle);

/** The owner's customer with this e-mail, phone or handle on the event's source, oldest first. */
async function findByRef(db: Db, ownerId: string, ref: CustomerRef, source: string | undefined) {
  const or: Prisma.CustomerWhereInput[] = [];
  if (ref.email) or.push({ email: ref.email });
  if (ref.phone) or.push({ phone: ref.phone });
  if (ref.handle) or.push({ handles: { path: [source ?? "handle"], equals: ref.handle } });
  if (or.length === 0) return null;
  return db.customer.findFirst({ where: { owner_id: ownerId, OR: or }, orderBy: { created_at: "asc" } });
}

/** A new lead from an event's customer reference: status lead, canonical lead, the event's source. */
async function createFromRef(c: TxCtx, ownerId: string, env: EventEnvelope, at: Date): Promise<Customer> {
  const ref = env.customer as CustomerRef;
  const customer = await c.tx.customer.create({
    data: {
      owner_id: ownerId,
      name: ref.name ?? ref.handle ?? ref.email ?? ref.phone ?? "Unknown",
      email: ref.email ?? null,
      phone: ref.phone ?? null,
      status: "lead",
      pipeline_status: "lead",
      lead_source: env.source ?? null,
      handles: ref.handle ? { [env.source ?? "handle"]: ref.handle } : undefined,
      utm_json: env.utm as Prisma.InputJsonValue | undefined,
      consent_json: env.consent as Prisma.InputJsonValue | undefined,
      stage_entered_at: at,
      last_activity_at: at,
      created_at: c.now,
      updated_at: c.now,
    },
  });
  const identities: Prisma.ChannelIdentityCreateManyInput[] = [];
  if (customer.phone) identities.push({ channel: "sms", address: customer.phone, customer_id: customer.id });
  if (customer.email) identities.push({ channel: "email", address: customer.email, customer_id: customer.id });
  if (identities.length > 0) await c.tx.channelIdentity.createMany({ data: identities, skipDuplicates: true });
  c.wake(crmWakeKey("inactive", customer.id), inactiveAt(at));
  return customer;
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
  const [total, rows] = await Promise.all([
    deps.prisma.eventLog.count({ where }),
    deps.prisma.eventLog.findMany({
      where,
      // Ties (an event and the status change it caused share a timestamp) break deterministically.
      orderBy: [{ timestamp: "desc" }, { created_at: "desc" }, { event_id: "desc" }],
      skip: (f.page - 1) * f.per_page,
      take: f.per_page,
    }),
  ]);
  return { data: rows.map(presentEvent), total, page: f.page, per_page: f.per_page };
}

/** One customer's events, newest first; NOT_FOUND when the customer is not the scope's. */
export async function listCustomerEvents(
  deps: CoreDeps,
  scope: ApiScope,
  customerId: string,
  page: { page: number; per_page: number },
) {
  const customer = await ownedCustomer(deps.prisma, scope, customerId);
  if (!customer) return notFound("customer");
  return ok(await listEvents(deps, scope, { ...page, customer_id: customer.id }));
}
