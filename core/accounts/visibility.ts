import type { ApiScope } from "./api-scope.js";

/**
 * Who sees and touches which rows — the one place that reads a scope's kind. A contractor or
 * marketer sees only their own rows; a sales manager (a team scope) the rows their team's
 * members own; an admin sees all. Every query, check and owner choice on contractor-owned rows
 * goes through these helpers.
 */

/** The platform's own scope: sees every owner's rows (the panel's admin views, system jobs). */
export const PLATFORM_SCOPE: ApiScope = Object.freeze({ kind: "admin" });

/** The scope of one contractor or marketer acting for themselves (their chat, their key). */
export function personalScope(userId: string): ApiScope {
  return { kind: "contractor", ownerId: userId };
}

/**
 * The scope of a team: its manager (who acts) and every member whose rows it sees. The member
 * ids are read once per request (team-scope.ts) and carried here, so a filter is one `IN`.
 */
export function teamScope(teamId: string, managerId: string | null, memberIds: readonly string[]): ApiScope {
  const members = [...new Set([...memberIds, ...(managerId ? [managerId] : [])])].sort();
  return { kind: "team", teamId, managerId, memberIds: Object.freeze(members) };
}

/** True for a scope that sees and may change every owner's rows (an admin key or panel admin). */
export function isAdmin(scope: ApiScope): boolean {
  return scope.kind === "admin";
}

/** The team a scope is limited to, or null (a contractor, an admin). */
export function teamOf(scope: ApiScope): string | null {
  return scope.kind === "team" ? scope.teamId : null;
}

/**
 * The person a scope acts as: a contractor's own id, a team's manager, or null for an admin (who
 * acts for the platform). Used where a row records who did something (`created_by`, audit actor).
 */
export function actingUserId(scope: ApiScope): string | null {
  if (scope.kind === "contractor") return scope.ownerId;
  return scope.kind === "team" ? scope.managerId : null;
}

/**
 * The owners a scope is limited to — one contractor, or a team's members — or undefined when it
 * sees every owner: what an owner-scoped SQL fragment (`= ANY(...)`) or a lock needs.
 */
export function ownersOf(scope: ApiScope): readonly string[] | undefined {
  if (scope.kind === "contractor") return [scope.ownerId];
  return scope.kind === "team" ? scope.memberIds : undefined;
}

/**
 * The one owner a scope acts for, or undefined (an admin, or a team of several): whose time
 * zone a "today" is counted in, whose own bid a lead shows.
 */
export function soleOwner(scope: ApiScope): string | undefined {
  return scope.kind === "contractor" ? scope.ownerId : undefined;
}

/** An owner filter on one column: nothing, one id, or a team's ids. */
export type OwnerFilter = string | { in: string[] };

/**
 * The rows a scope may see, as a Prisma `where` fragment on `owner_id` (or another column
 * such as `contractor_id`): a contractor or marketer sees only their own; a team its members';
 * an admin sees all.
 */
export function ownedBy(scope: ApiScope): { owner_id?: OwnerFilter };
export function ownedBy<K extends string>(scope: ApiScope, column: K): Partial<Record<K, OwnerFilter>>;
export function ownedBy(scope: ApiScope, column = "owner_id"): Record<string, OwnerFilter> {
  if (scope.kind === "contractor") return { [column]: scope.ownerId };
  if (scope.kind === "team") return { [column]: { in: [...scope.memberIds] } };
  return {};
}

/**
 * Shared rows (no owner: the platform's templates and pipelines) plus the scope's own, as a
 * Prisma `where` fragment; an admin sees all.
 */
export function sharedOrOwnedBy(scope: ApiScope): { OR?: Array<{ owner_id: OwnerFilter | null }> } {
  const own = ownedBy(scope).owner_id;
  return own === undefined ? {} : { OR: [{ owner_id: null }, { owner_id: own }] };
}

/** True when the scope may see an owned row of `ownerId` (`ownedBy`'s test on one row). */
export function canSee(scope: ApiScope, ownerId: string | null | undefined): boolean {
  if (isAdmin(scope)) return true;
  return ownerId != null && (ownersOf(scope) ?? []).includes(ownerId);
}

/**
 * True when the scope may change a row of `ownerId`: an admin any row, a contractor only
 * their own, a team its members' — a shared row (owner null) they can see is changed by an admin.
 */
export function canChange(scope: ApiScope, ownerId: string | null): boolean {
  return canSee(scope, ownerId);
}

/**
 * True when a scope must own what it creates (a contractor, a team), so the owner is resolved
 * even when none is named; an admin may create shared rows.
 */
export function createsOwnRows(scope: ApiScope): boolean {
  return !isAdmin(scope);
}

/**
 * The owner a new row gets: the contractor's own id; for a team the member it names (null when
 * it names none or someone outside the team); for an admin the one it names (or null).
 */
export function ownerFor(scope: ApiScope, requested: string | null | undefined): string | null {
  if (scope.kind === "contractor") return requested == null || requested === scope.ownerId ? scope.ownerId : null;
  if (scope.kind === "team") return requested != null && canSee(scope, requested) ? requested : null;
  return requested ?? null;
}

/**
 * The scope whose rows a request for `requestedOwner` reads: the scope itself when no owner
 * is named; a contractor naming themselves is themselves, naming another is null (forbidden);
 * a team naming a member narrows to that member, naming an outsider is null; an admin naming
 * an owner narrows to that owner.
 */
export function narrowTo(scope: ApiScope, requestedOwner: string | undefined): ApiScope | null {
  if (requestedOwner === undefined) return scope;
  if (scope.kind === "contractor") return requestedOwner === scope.ownerId ? scope : null;
  if (scope.kind === "team") return canSee(scope, requestedOwner) ? personalScope(requestedOwner) : null;
  return personalScope(requestedOwner);
}

/**
 * Users (contractors, marketers) a scope may see as people — the contractors list, their
 * strikes and metrics: a team sees its members, a contractor themselves, an admin everyone.
 */
export function visibleUsers(scope: ApiScope): { id?: OwnerFilter } {
  return ownedBy(scope, "id");
}

/**
 * Teams a scope may see, as a Prisma `where` on teams: an admin all, a team scope its own, a
 * contractor the team they belong to.
 */
export function visibleTeams(scope: ApiScope): { id?: string } | { members: { some: { id: string } } } {
  if (scope.kind === "team") return { id: scope.teamId };
  if (scope.kind === "contractor") return { members: { some: { id: scope.ownerId } } };
  return {};
}
