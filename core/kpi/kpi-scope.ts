/**
 * Owner scoping for KPI SQL. Every KPI query over owned rows is AND-ed with `ownedBy(scope)`:
 * a contractor's figures come from their own rows only; an admin's from everyone's.
 */
import { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownersOf, soleOwner } from "../accounts/visibility.js";
import type { Db } from "../db.js";
import { safeZone } from "./kpi-time.js";

/**
 * `AND <column> = ANY(<owners>)` for a contractor or team scope, nothing for an admin. `column`
 * is a fixed SQL fragment written in code (e.g. Prisma.sql`s.owner_id`); the ids are bound.
 */
export function ownerSql(scope: ApiScope, column: Prisma.Sql): Prisma.Sql {
  const owners = ownersOf(scope);
  return owners === undefined ? Prisma.empty : Prisma.sql`AND ${column} = ANY(${[...owners]}::uuid[])`;
}

/**
 * The time zone a scope's "today" and "this week" are counted in: the contractor's own
 * (users.timezone), or `fallback` for an admin or a team looking at several owners.
 */
export async function zoneFor(db: Db, scope: ApiScope, fallback: string): Promise<string> {
  const owner = soleOwner(scope);
  if (owner === undefined) return safeZone(fallback);
  const user = await db.user.findUnique({ where: { id: owner }, select: { timezone: true } });
  return safeZone(user?.timezone, safeZone(fallback));
}

/** Integer from a raw aggregate (counts come back as int, bigint or string depending on the cast). */
export function int(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}
