/**
 * Ownership lookups for CRM rows. Every read or write of a contractor-owned row goes through
 * `ownedBy`, and a row of another owner answers exactly like a missing one (NOT_FOUND), so a
 * key never learns that someone else's customer exists.
 */
import { type Customer, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { isAdmin, ownedBy, ownerFor, ownersOf, teamOf } from "../accounts/visibility.js";
import type { Db } from "../db.js";
import { type Failure, fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";

/** The NOT_FOUND every CRM lookup answers, whether the row is missing or someone else's. */
export function notFound(what: string): Failure {
  return fail("NOT_FOUND", `${what} not found`);
}

/** A customer the scope may see, or null. */
export async function ownedCustomer(db: Db, scope: ApiScope, id: string): Promise<Customer | null> {
  if (!isUuid(id)) return null;
  return db.customer.findFirst({ where: { id, ...ownedBy(scope) } });
}

/** The customer model's columns, quoted: a locking read returns exactly a `Customer`. */
const CUSTOMER_COLUMNS = Prisma.raw(
  Object.values(Prisma.CustomerScalarFieldEnum)
    .map((f) => `"${f}"`)
    .join(", "),
);

/**
 * Lock a customer row for the rest of the transaction and read it fresh (null when missing or,
 * with `ownerId`, someone else's). Every status change goes through it, so two events for one
 * customer run one after the other and a stale read never moves a status backwards. One round
 * trip: the model's columns come back from the raw read exactly as `customer.findUnique` returns
 * them (timestamps as Date, JSON parsed, enums as strings). `ownerId` may be several owners (a team).
 */
export async function lockCustomer(db: Db, id: string, ownerId?: string | readonly string[]): Promise<Customer | null> {
  if (!isUuid(id)) return null;
  const owners = ownerId === undefined ? undefined : typeof ownerId === "string" ? [ownerId] : [...ownerId];
  const owner = owners ? Prisma.sql`AND owner_id = ANY(${owners}::uuid[])` : Prisma.empty;
  const rows = await db.$queryRaw<Customer[]>`
    SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = ${id}::uuid ${owner} FOR UPDATE`;
  return rows[0] ?? null;
}

/** A customer the scope may see, locked for the transaction (see lockCustomer). */
export function lockOwnedCustomer(db: Db, scope: ApiScope, id: string): Promise<Customer | null> {
  return lockCustomer(db, id, ownersOf(scope));
}

/**
 * The owner of a new row: a contractor key's own id (acting as another contractor is
 * FORBIDDEN), or the existing user an admin key names in `owner_id`.
 */
export async function resolveOwner(db: Db, scope: ApiScope, requested: string | undefined): Promise<Result<string>> {
  const owner = ownerFor(scope, requested);
  if (owner === null) {
    if (isAdmin(scope) || (teamOf(scope) !== null && requested === undefined))
      return fail("VALIDATION_FAILED", "owner_id is required: name whose row this is", [{ field: "owner_id" }]);
    return teamOf(scope) !== null
      ? fail("FORBIDDEN", "owner_id: not a member of your team", [{ field: "owner_id" }])
      : fail("FORBIDDEN", "a contractor key can only act as its own contractor");
  }
  if (isAdmin(scope)) {
    const user = isUuid(owner) ? await db.user.findUnique({ where: { id: owner }, select: { id: true } }) : null;
    if (!user) return fail("VALIDATION_FAILED", "owner_id is not a known user", [{ field: "owner_id" }]);
  }
  return ok(owner);
}
