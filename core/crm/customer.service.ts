import { z } from "zod";
import type { CanonicalStatus, Customer, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { checkReferrer } from "../service/customer-links.service.js";
import { type TxCtx, transact } from "../service.js";
import { isoDateTime, validate } from "../validation.js";
import {
  type CustomerUpdateInput,
  communicationPreferencesSchema,
  customerColumns,
  customerCreateSchema,
  customerUpdateSchema,
  resolveStatuses,
} from "./customer-input.js";
import { lockOwnedCustomer, notFound, ownedCustomer, resolveOwner } from "./owned.js";
import { inactiveAt } from "./reminder-rules.js";
import { type StatusMove, touchCustomer } from "./status-change.js";
import { nextStage, parseVocabulary } from "./status-mapping.js";
import { crmWakeKey } from "./wakeups.js";

/** The id of a STATUS_CHANGED event made by a person (unique per move). */
export function statusEventId(deps: CoreDeps, customerId: string, now: Date): string {
  return `status:${customerId}:${now.getTime()}:${deps.ids.token(6)}`;
}

/** Referred-by customers and preferred technicians must be the same owner's. */
async function checkReferences(
  db: Db,
  ownerId: string,
  input: CustomerUpdateInput,
  self?: string,
): Promise<Result<null>> {
  if (input.referred_by_id) {
    const ref = await db.customer.findFirst({
      where: { id: input.referred_by_id, owner_id: ownerId },
      select: { id: true },
    });
    if (!ref || ref.id === self) {
      return fail("VALIDATION_FAILED", "referred_by_id is not one of your other customers", [
        { field: "referred_by_id" },
      ]);
    }
    // No referral cycle (A referred B referred A): seed 004 referrals form a tree.
    if (self) {
      const allowed = await checkReferrer(db, ownerId, self, ref.id);
      if (!allowed.ok) return allowed;
    }
  }
  if (input.preferred_technician_id) {
    const tech = await db.technician.findFirst({
      where: { id: input.preferred_technician_id, owner_id: ownerId },
      select: { id: true },
    });
    if (!tech) {
      return fail("VALIDATION_FAILED", "preferred_technician_id is not one of your technicians", [
        { field: "preferred_technician_id" },
      ]);
    }
  }
  return ok(null);
}

/** Link the customer's phone and e-mail as channel identities (never one that is someone else's). */
async function linkIdentities(tx: Db, customer: Customer): Promise<void> {
  const rows: Prisma.ChannelIdentityCreateManyInput[] = [];
  if (customer.phone) rows.push({ channel: "sms", address: customer.phone, customer_id: customer.id });
  if (customer.email) rows.push({ channel: "email", address: customer.email, customer_id: customer.id });
  if (rows.length > 0) await tx.channelIdentity.createMany({ data: rows, skipDuplicates: true });
}

/**
 * Create a customer for the key's owner (an admin key names `owner_id`). Phone is stored in
 * E.164 and e-mail lower-cased so lookups by either find them; the lifecycle defaults to
 * `lead` and the pipeline status, given in any vocabulary, is stored canonical.
 */
export async function createCustomer(deps: CoreDeps, scope: ApiScope, input: unknown): Promise<Result<Customer>> {
  const v = validate(customerCreateSchema, input);
  if (!v.ok) return v;
  const statuses = resolveStatuses(v.value);
  if (!statuses.ok) return statuses;
  return transact(deps, async (c) => {
    const owner = await resolveOwner(c.tx, scope, v.value.owner_id);
    if (!owner.ok) return owner;
    const refs = await checkReferences(c.tx, owner.value, v.value);
    if (!refs.ok) return refs;
    const { owner_id: _o, ...fields } = v.value;
    const customer = await c.tx.customer.create({
      data: {
        ...(customerColumns(fields) as Prisma.CustomerUncheckedCreateInput),
        owner_id: owner.value,
        status: statuses.value.status ?? "lead",
        pipeline_status: statuses.value.pipeline_status ?? "lead",
        stage_entered_at: c.now,
        last_activity_at: c.now,
        created_at: c.now,
        updated_at: c.now,
      },
    });
    await linkIdentities(c.tx, customer);
    c.wake(crmWakeKey("inactive", customer.id), inactiveAt(c.now));
    return ok(customer);
  });
}

/**
 * Update a customer. A change of pipeline status restarts `stage_entered_at`, counts as
 * activity and logs STATUS_CHANGED; other edits are bookkeeping, not customer activity.
 * Audited (the fields sent, before and after) when an `actor` (panel, API) is named.
 */
export async function updateCustomer(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<Customer>> {
  const v = validate(customerUpdateSchema, input);
  if (!v.ok) return v;
  const statuses = resolveStatuses(v.value);
  if (!statuses.ok) return statuses;
  return transact(deps, async (c) => {
    const customer = await lockOwnedCustomer(c.tx, scope, id);
    if (!customer) return notFound("customer");
    const refs = await checkReferences(c.tx, customer.owner_id, v.value, customer.id);
    if (!refs.ok) return refs;
    const patch = {
      ...customerColumns(v.value),
      ...(statuses.value.status ? { status: statuses.value.status } : {}),
    };
    const to = statuses.value.pipeline_status;
    const updated =
      to && to !== customer.pipeline_status
        ? (await touchCustomer(c, customer, patch, { move: moveTo(deps, c, customer.id, to) })).customer
        : await c.tx.customer.update({ where: { id: customer.id }, data: { ...patch, updated_at: c.now } });
    await linkIdentities(c.tx, updated);
    if (actor) {
      // The fields sent, as they were and as they are now (a field that is not a column is left out).
      const sent = Object.keys(v.value);
      const pick = (row: object) => Object.fromEntries(Object.entries(row).filter(([k]) => sent.includes(k)));
      const audit = { actor, action: "customer.updated", entityType: "customer", entityId: customer.id, at: c.now };
      await writeAudit(c.tx, { ...audit, before: pick(customer), after: pick(updated) });
    }
    return ok(updated);
  });
}

function moveTo(deps: CoreDeps, c: TxCtx, customerId: string, to: CanonicalStatus): StatusMove {
  return { to, eventId: statusEventId(deps, customerId, c.now), source: "manual", cause: null };
}

/** Delete a customer with their interactions, reminders and deals (events keep their history). */
export async function deleteCustomer(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
): Promise<Result<{ id: string; deleted: true }>> {
  return transact(deps, async ({ tx }) => {
    const customer = await ownedCustomer(tx, scope, id);
    if (!customer) return notFound("customer");
    await tx.customer.delete({ where: { id: customer.id } });
    return ok({ id: customer.id, deleted: true as const });
  });
}

export const nextStageSchema = z
  .object({
    next_action: z.string().trim().max(500).nullable().optional(),
    next_action_date: isoDateTime().nullable().optional(),
    vocabulary: z.string().max(50).optional().describe("canonical | recruiting | frazer"),
  })
  .strict();

/**
 * Move a customer to the next canonical stage (seed 003 Kundekort "next stage"), respecting the
 * columns of a vocabulary when one is given, and set the next action if sent. At signed_up
 * there is no next stage: PIPELINE_AT_END.
 */
export async function advanceCustomer(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
): Promise<Result<{ customer: Customer; from: string; to: string }>> {
  const v = validate(nextStageSchema, input ?? {});
  if (!v.ok) return v;
  const vocabulary = v.value.vocabulary === undefined ? undefined : parseVocabulary(v.value.vocabulary);
  if (vocabulary === null) {
    return fail("VALIDATION_FAILED", "vocabulary must be canonical, recruiting or frazer", [{ field: "vocabulary" }]);
  }
  return transact(deps, async (c) => {
    const customer = await lockOwnedCustomer(c.tx, scope, id);
    if (!customer) return notFound("customer");
    const to = nextStage(customer.pipeline_status, vocabulary);
    if (!to) return fail("PIPELINE_AT_END", `${customer.name} is already ${customer.pipeline_status}, the last stage`);
    const patch: Prisma.CustomerUncheckedUpdateInput = {};
    if (v.value.next_action !== undefined) patch.next_action = v.value.next_action;
    if (v.value.next_action_date !== undefined) {
      patch.next_action_date = v.value.next_action_date ? new Date(v.value.next_action_date) : null;
    }
    const r = await touchCustomer(c, customer, patch, { move: moveTo(deps, c, customer.id, to) });
    return ok({ customer: r.customer, from: customer.pipeline_status, to });
  });
}

/**
 * Convert a lead (or a churned customer) into an active customer — seed 002's "Convert to
 * Customer". Converting an active customer changes nothing, so a double tap is harmless.
 * Audited when an `actor` (panel, API) is named.
 */
export async function convertCustomer(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  actor?: AuditActor,
): Promise<Result<Customer>> {
  return transact(deps, async (c) => {
    const customer = await lockOwnedCustomer(c.tx, scope, id);
    if (!customer) return notFound("customer");
    if (customer.status === "active") return ok(customer);
    const converted = (await touchCustomer(c, customer, { status: "active", snoozed_until: null })).customer;
    if (actor) {
      await writeAudit(c.tx, {
        actor,
        action: "customer.converted",
        entityType: "customer",
        entityId: customer.id,
        before: { status: customer.status },
        after: { status: converted.status },
        at: c.now,
      });
    }
    return ok(converted);
  });
}

/** Set seed 004's communication preferences (channel, contact times, frequency, language, quiet hours). */
export async function updateCommunicationPreferences(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
): Promise<Result<Customer>> {
  const v = validate(communicationPreferencesSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const customer = await ownedCustomer(tx, scope, id);
    if (!customer) return notFound("customer");
    const { preferred_contact_times, ...rest } = v.value;
    return ok(
      await tx.customer.update({
        where: { id: customer.id },
        data: {
          ...customerColumns({ preferred_contact_times }),
          ...rest,
          updated_at: now,
        },
      }),
    );
  });
}
