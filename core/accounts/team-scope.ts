/**
 * Resolving a team scope: a team's manager and members, read once per request (an API key's
 * request, a panel page) and carried in the scope, so visibility.ts filters with one `IN`.
 */
import type { Db } from "../db.js";
import type { ApiScope } from "./api-scope.js";
import { PLATFORM_SCOPE, teamScope } from "./visibility.js";

/** The scope of team `teamId` (its manager and members), or null when there is no such team. */
export async function resolveTeamScope(db: Db, teamId: string): Promise<ApiScope | null> {
  const team = await db.team.findUnique({
    where: { id: teamId },
    select: { id: true, manager_id: true, members: { select: { id: true } } },
  });
  if (!team) return null;
  return teamScope(
    team.id,
    team.manager_id,
    team.members.map((m) => m.id),
  );
}

/**
 * The scope of a signed-in panel person: a sales manager sees their team (a manager without a
 * team sees only rows they own themselves — none, usually); an admin and a read-only user see
 * the platform (read-only users cannot change anything, which the panel enforces by role).
 */
export async function panelScopeFor(db: Db, user: { id: string; role: string }): Promise<ApiScope> {
  if (user.role !== "sales_manager") return PLATFORM_SCOPE;
  const team = await db.team.findUnique({ where: { manager_id: user.id }, select: { id: true } });
  const scope = team ? await resolveTeamScope(db, team.id) : null;
  return scope ?? teamScope(`none:${user.id}`, user.id, []);
}
