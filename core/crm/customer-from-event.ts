/**
 * The customer an event names by e-mail, phone or handle instead of customer_id: found among
 * the owner's customers, or made as a new lead. Two events about one brand-new person that
 * arrive together must make one customer, not two, so the look-up and the creation run under a
 * transaction-scoped advisory lock per owner and contact key.
 */
import type { Customer, Prisma } from "../../prisma/generated/client.js";
import type { TxCtx } from "../service.js";
import type { CustomerRef, EventEnvelope } from "./event-envelope.js";
import { customerByRefSql } from "./event-write.js";
import { lockCustomer } from "./owned.js";
import { inactiveAt } from "./reminder-rules.js";
import { crmWakeKey } from "./wakeups.js";

/** True when the reference can find or make a customer (it has an e-mail, phone or handle). */
export const hasContact = (ref: CustomerRef) => Boolean(ref.email || ref.phone || ref.handle);

/** A new lead's name: the reference's name, else its handle, e-mail or phone. */
export const nameOf = (ref: CustomerRef) => ref.name ?? ref.handle ?? ref.email ?? ref.phone ?? "Unknown";

/** The lock keys of a reference: one per contact detail, scoped to the owner. */
export function contactLockKeys(ownerId: string, ref: CustomerRef, source: string | undefined): string[] {
  const keys: string[] = [];
  if (ref.email) keys.push(`${ownerId}:email:${ref.email}`);
  if (ref.phone) keys.push(`${ownerId}:phone:${ref.phone}`);
  if (ref.handle) keys.push(`${ownerId}:handle:${source ?? "handle"}:${ref.handle}`);
  return keys;
}

/**
 * Find the owner's customer for a reference and lock it, creating a lead when there is none and
 * `mayCreate`. With `mayCreate`, advisory locks on the reference's contact keys (taken in hash
 * order, so two events never wait on each other in a circle) are held to the end of the
 * transaction: a second event about the same new person waits, then finds the first one's
 * customer. Returns the customer (or null) and whether it was created.
 */
export async function resolveEventCustomer(
  c: TxCtx,
  ownerId: string,
  env: EventEnvelope,
  at: Date,
  mayCreate: boolean,
): Promise<{ customer: Customer | null; created: boolean }> {
  const ref = env.customer as CustomerRef;
  const create = mayCreate && env.event_name !== "UNSUBSCRIBED" && hasContact(ref);
  if (create) {
    const keys = contactLockKeys(ownerId, ref, env.source);
    await c.tx.$executeRaw`SELECT pg_advisory_xact_lock(k)
      FROM (SELECT DISTINCT hashtextextended(x, 0) AS k FROM unnest(${keys}::text[]) AS x ORDER BY 1) AS s`;
  }
  const [found] = await c.tx.$queryRaw<Array<{ id: string }>>(customerByRefSql(ownerId, ref, env.source));
  const customer = found ? await lockCustomer(c.tx, found.id) : null;
  if (customer || !create) return { customer, created: false };
  return { customer: await createFromRef(c, ownerId, env, at), created: true };
}

/** A new lead from an event's customer reference: status lead, canonical lead, the event's source. */
async function createFromRef(c: TxCtx, ownerId: string, env: EventEnvelope, at: Date): Promise<Customer> {
  const ref = env.customer as CustomerRef;
  const customer = await c.tx.customer.create({
    data: {
      owner_id: ownerId,
      name: nameOf(ref),
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
