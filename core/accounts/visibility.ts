import type { ApiScope } from "./api-key.service.js";

/**
 * The rows a scope may see, as a Prisma `where` fragment on `owner_id`: a contractor or
 * marketer sees only their own; an admin sees all. (A sales manager's team view lands with the
 * panel's roles.) Every query on contractor-owned rows goes through this.
 */
export function ownedBy(scope: ApiScope): { owner_id?: string } {
  return scope.kind === "contractor" ? { owner_id: scope.ownerId } : {};
}

/** The owner a new row gets: the contractor's own id, or the one an admin names (or null). */
export function ownerFor(scope: ApiScope, requested: string | undefined): string | null {
  if (scope.kind === "contractor") return requested === undefined || requested === scope.ownerId ? scope.ownerId : null;
  return requested ?? null;
}
