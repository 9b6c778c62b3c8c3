/**
 * Who a request speaks for: the whole platform, one contractor/marketer, or a sales manager's
 * team. A team scope carries its members' ids, resolved once per request (team-scope.ts), so
 * every query filters on `owner_id IN (members)` without a subquery per call. Only
 * visibility.ts reads the kind.
 */
export type ApiScope =
  | { kind: "admin" }
  | { kind: "contractor"; ownerId: string }
  | { kind: "team"; teamId: string; managerId: string | null; memberIds: readonly string[] };
