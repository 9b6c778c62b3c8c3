/**
 * A customer's links to people (seed 004): who referred them and whom they referred, and their
 * preferred technician. Referrals form a tree per owner: no self-referral, no cycle.
 */
import type { Customer, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { pageWindow } from "../paging.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { customerFor, missing, technicianOf } from "./owned-records.js";
import { type PageQuery, preferredTechnicianSchema, referredBySchema } from "./record-input.js";
import { checkReferral } from "./referral-rules.js";

/** How far up a referral chain is followed (a tree deeper than this is not a real referral chain). */
const MAX_CHAIN = 10_000;

/**
 * Check that `customerId` may be referred by `referrerId`: the referrer is one of the same
 * owner's customers (another owner's answers NOT_FOUND), not the customer, and the customer is
 * not up the referrer's chain (a cycle). Takes a per-owner advisory lock for the rest of the
 * transaction, so two concurrent changes cannot close a cycle between them. One query walks
 * the chain. Used by every path that sets `referred_by_id` (this service and customer updates).
 */
export async function checkReferrer(
  tx: Db,
  ownerId: string,
  customerId: string,
  referrerId: string,
): Promise<Result<null>> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`referrals:${ownerId}`}))`;
  const chain = await tx.$queryRaw<Array<{ id: string; owner_id: string }>>`
    WITH RECURSIVE chain(id, owner_id, referred_by_id, depth) AS (
      SELECT id, owner_id, referred_by_id, 1 FROM customers WHERE id = ${referrerId}::uuid
      UNION ALL
      SELECT c.id, c.owner_id, c.referred_by_id, chain.depth + 1
      FROM customers c JOIN chain ON c.id = chain.referred_by_id
      WHERE chain.depth < ${MAX_CHAIN} AND chain.id <> ${customerId}::uuid
    )
    SELECT id::text AS id, owner_id::text AS owner_id FROM chain ORDER BY depth`;
  const referrer = chain[0];
  if (!referrer || referrer.owner_id !== ownerId) return missing("customer", "referred_by_id");
  return checkReferral(
    customerId,
    referrerId,
    chain.slice(1).map((r) => r.id),
  );
}

/** Set one link column of a customer, audited with that column's value before and after. */
async function setLink(
  tx: Db,
  actor: AuditActor,
  now: Date,
  customer: Customer,
  column: "referred_by_id" | "preferred_technician_id",
  value: string | null,
  action: string,
): Promise<Customer> {
  const data: Prisma.CustomerUncheckedUpdateInput = { [column]: value, updated_at: now };
  const updated = await tx.customer.update({ where: { id: customer.id }, data });
  await writeAudit(tx, {
    actor,
    action,
    entityType: "customer",
    entityId: customer.id,
    before: { [column]: customer[column] },
    after: { [column]: value },
    at: now,
  });
  return updated;
}

/** Set or clear who referred a customer (seed 004 referrals); self-referral and cycles are refused. */
export async function setReferredBy(
  deps: CoreDeps,
  scope: ApiScope,
  customerId: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Customer>> {
  const v = validate(referredBySchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const customer = await customerFor(tx, scope, customerId, undefined, "id");
    if (!customer.ok) return customer;
    const referrerId = v.value.referred_by_id;
    if (referrerId) {
      const allowed = await checkReferrer(tx, customer.value.owner_id, customer.value.id, referrerId);
      if (!allowed.ok) return allowed;
    }
    return ok(await setLink(tx, actor, now, customer.value, "referred_by_id", referrerId, "customer.referred_by_set"));
  });
}

/** Who referred the customer and the customers they referred (paged, oldest first). */
export async function listReferrals(deps: CoreDeps, scope: ApiScope, customerId: string, q: PageQuery) {
  const customer = await customerFor(deps.prisma, scope, customerId, undefined, "id");
  if (!customer.ok) return customer;
  const person = { id: true, name: true, status: true, created_at: true } as const;
  const where = { referred_by_id: customer.value.id, owner_id: customer.value.owner_id };
  const [referredBy, total, rows] = await Promise.all([
    customer.value.referred_by_id
      ? deps.prisma.customer.findUnique({ where: { id: customer.value.referred_by_id }, select: person })
      : null,
    deps.prisma.customer.count({ where }),
    deps.prisma.customer.findMany({
      where,
      select: person,
      orderBy: [{ created_at: "asc" }, { id: "asc" }],
      ...pageWindow(q),
    }),
  ]);
  return ok({ referred_by: referredBy, data: rows, total, page: q.page, per_page: q.per_page });
}

/**
 * Set or clear a customer's preferred technician (seed 004). It must be an active technician of
 * the customer's owner; another owner's answers NOT_FOUND.
 */
export async function setPreferredTechnician(
  deps: CoreDeps,
  scope: ApiScope,
  customerId: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Customer>> {
  const v = validate(preferredTechnicianSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const customer = await customerFor(tx, scope, customerId, undefined, "id");
    if (!customer.ok) return customer;
    const techId = v.value.technician_id;
    if (techId) {
      const tech = await technicianOf(tx, customer.value.owner_id, techId);
      if (!tech.ok) return tech;
      if (!tech.value.is_active) {
        return fail("VALIDATION_FAILED", "technician_id: the technician is not active", [
          { field: "technician_id", message: "the technician is not active" },
        ]);
      }
    }
    return ok(
      await setLink(
        tx,
        actor,
        now,
        customer.value,
        "preferred_technician_id",
        techId,
        "customer.preferred_technician_set",
      ),
    );
  });
}
