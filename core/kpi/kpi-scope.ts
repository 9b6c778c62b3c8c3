/**
 * Owner scoping for KPI SQL. Every KPI query over owned rows is AND-ed with `ownedBy(scope)`:
 * a contractor's figures come from their own rows only; an admin's from everyone's.
 */
import { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { Db } from "../db.js";
import { safeZone } from "./kpi-time.js";

/**
 * `AND <column> = <owner>` for a contractor scope, nothing for an admin. `column` is a fixed
 * SQL fragment written in code (e.g. Prisma.sql`s.owner_id`); the owner id is a bound parameter.
 */
export function ownerSql(scope: ApiScope, column: Prisma.Sql): Prisma.Sql {
  const owner = ownedBy(scope).owner_id;
  return owner === undefined ? Prisma.empty : Prisma.sql`AND ${column} = ${owner}::uuid`;
}

/**
 * The time zone a scope's "today" and "this week" are counted in: the contractor's own
 * (users.timezone), or `fallback` for an admin looking at the whole platform.
 */
export async function zoneFor(db: Db, scope: ApiScope, fallback: string): Promise<string> {
  const owner = ownedBy(scope).owner_id;
  if (owner === undefined) return safeZone(fallback);
  const user = await db.user.findUnique({ where: { id: owner }, select: { timezone: true } });
  return safeZone(user?.timezone, safeZone(fallback));
}

/** Integer from a raw aggregate (counts come back as int, bigint or string depending on the cast). */
export function int(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}
