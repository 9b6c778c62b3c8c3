/**
 * Teams (DESIGN.md "Ownership and visibility"): a sales manager and their contractors and
 * marketers. An admin creates and renames teams, sets the manager and adds or removes members;
 * the manager then sees and changes only the members' rows (a `team` scope, visibility.ts).
 * `users.manager_id` mirrors each member's team manager (the tech-upsell nudge reads it).
 */
import { z } from "zod";
import type { Prisma } from "../../prisma/generated/client.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type PageQuery, paginate } from "../paging.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import type { ApiScope } from "./api-key.service.js";
import { visibleTeams } from "./visibility.js";

const uuid = z.string().refine(isUuid, { error: "not a UUID" });
const teamName = z.string().trim().min(1, { error: "required" }).max(100);
const createSchema = z.object({
  name: teamName,
  manager_id: uuid.nullable().optional(),
  member_ids: z.array(uuid).max(500).optional(),
});
const updateSchema = z
  .object({ name: teamName.optional(), manager_id: uuid.nullable().optional() })
  .refine((v) => v.name !== undefined || v.manager_id !== undefined, { error: "name or manager_id is required" });
const membersSchema = z.object({ user_ids: z.array(uuid).min(1, { error: "name at least one user" }).max(500) });

const TEAM_INCLUDE = {
  manager: { select: { id: true, name: true, email: true } },
  members: { select: { id: true, name: true, company_name: true, role: true }, orderBy: { name: "asc" } },
} satisfies Prisma.TeamInclude;
type TeamRow = Prisma.TeamGetPayload<{ include: typeof TEAM_INCLUDE }>;

/** A team as the API and the panel show it. */
export function presentTeam(t: TeamRow) {
  return {
    id: t.id,
    name: t.name,
    manager_id: t.manager_id,
    manager: t.manager,
    member_ids: t.members.map((m) => m.id),
    members: t.members,
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
}
export type PresentedTeam = ReturnType<typeof presentTeam>;

/** Teams a scope may see, by name (an admin all; a team key its own; a contractor key theirs). */
export async function listTeams(deps: CoreDeps, scope: ApiScope, q: PageQuery) {
  const where = visibleTeams(scope) as Prisma.TeamWhereInput;
  const page = await paginate(
    q,
    () => deps.prisma.team.count({ where }),
    (w) => deps.prisma.team.findMany({ where, include: TEAM_INCLUDE, orderBy: [{ name: "asc" }, { id: "asc" }], ...w }),
  );
  return { ...page, data: page.data.map(presentTeam) };
}

/** One team the scope may see, or NOT_FOUND. */
export async function getTeam(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<PresentedTeam>> {
  const t = isUuid(id)
    ? await deps.prisma.team.findFirst({
        where: { AND: [{ id }, visibleTeams(scope) as Prisma.TeamWhereInput] },
        include: TEAM_INCLUDE,
      })
    : null;
  return t ? ok(presentTeam(t)) : fail("NOT_FOUND", "team not found");
}

/** A manager must be an existing sales manager who manages no other team (400 / 409 naming `manager_id`). */
async function checkManager(tx: Prisma.TransactionClient, managerId: string, teamId?: string) {
  const user = await tx.user.findUnique({ where: { id: managerId }, select: { role: true } });
  if (user?.role !== "sales_manager") {
    return fail("VALIDATION_FAILED", "manager_id: is not a sales manager", [
      { field: "manager_id", message: "must be a user with the sales_manager role" },
    ]);
  }
  const other = await tx.team.findFirst({
    where: { manager_id: managerId, ...(teamId ? { id: { not: teamId } } : {}) },
    select: { name: true },
  });
  if (other) {
    return fail("CONFLICT", `manager_id: already manages the team "${other.name}"`, [
      { field: "manager_id", message: "already manages another team" },
    ]);
  }
  return ok(managerId);
}

async function nameTaken(tx: Prisma.TransactionClient, name: string, exceptId?: string) {
  const same = await tx.team.findFirst({
    where: { name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  return same
    ? fail("CONFLICT", "name: a team with this name already exists", [{ field: "name", message: "already in use" }])
    : null;
}

/**
 * Put contractors or marketers on a team: each must exist with one of those roles (400 naming
 * `user_ids`) and be on no other team (409: remove them there first, so nobody changes team by
 * accident). Their `manager_id` follows the team's manager.
 */
async function addTo(tx: Prisma.TransactionClient, team: { id: string; manager_id: string | null }, ids: string[]) {
  const unique = [...new Set(ids)];
  const users = await tx.user.findMany({
    where: { id: { in: unique } },
    select: { id: true, role: true, team_id: true, member_of: { select: { name: true } } },
  });
  const bad = unique.filter(
    (id) => !users.some((u) => u.id === id && (u.role === "contractor" || u.role === "marketer")),
  );
  if (bad.length > 0) {
    return fail("VALIDATION_FAILED", `user_ids: ${bad.join(", ")} is not a contractor or marketer`, [
      { field: "user_ids", message: "only contractors and marketers can be team members" },
    ]);
  }
  const elsewhere = users.find((u) => u.team_id !== null && u.team_id !== team.id);
  if (elsewhere) {
    return fail("CONFLICT", `user_ids: ${elsewhere.id} is on the team "${elsewhere.member_of?.name}"`, [
      { field: "user_ids", message: "already on another team; remove them there first" },
    ]);
  }
  await tx.user.updateMany({ where: { id: { in: unique } }, data: { team_id: team.id, manager_id: team.manager_id } });
  return ok(unique);
}

/** Create a team with a name, optionally its manager and first members. Audited. */
export async function createTeam(deps: CoreDeps, input: unknown, actor: AuditActor): Promise<Result<PresentedTeam>> {
  const v = validate(createSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const taken = await nameTaken(tx, v.value.name);
    if (taken) return taken;
    if (v.value.manager_id) {
      const m = await checkManager(tx, v.value.manager_id);
      if (!m.ok) return m;
    }
    const team = await tx.team.create({ data: { name: v.value.name, manager_id: v.value.manager_id ?? null } });
    if (v.value.member_ids?.length) {
      const added = await addTo(tx, team, v.value.member_ids);
      if (!added.ok) return added;
    }
    const row = presentTeam(await tx.team.findUniqueOrThrow({ where: { id: team.id }, include: TEAM_INCLUDE }));
    await writeAudit(tx, { actor, action: "team.created", entityType: "team", entityId: team.id, after: row, at: now });
    return ok(row);
  });
}

/** Rename a team or set (or clear, with null) its manager; the members' `manager_id` follows. Audited. */
export async function updateTeam(
  deps: CoreDeps,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<PresentedTeam>> {
  const v = validate(updateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const before = isUuid(id) ? await tx.team.findUnique({ where: { id }, include: TEAM_INCLUDE }) : null;
    if (!before) return fail("NOT_FOUND", "team not found");
    if (v.value.name !== undefined) {
      const taken = await nameTaken(tx, v.value.name, id);
      if (taken) return taken;
    }
    if (v.value.manager_id) {
      const m = await checkManager(tx, v.value.manager_id, id);
      if (!m.ok) return m;
    }
    await tx.team.update({
      where: { id },
      data: {
        ...(v.value.name !== undefined ? { name: v.value.name } : {}),
        ...(v.value.manager_id !== undefined ? { manager_id: v.value.manager_id } : {}),
      },
    });
    if (v.value.manager_id !== undefined) {
      await tx.user.updateMany({ where: { team_id: id }, data: { manager_id: v.value.manager_id } });
    }
    const after = presentTeam(await tx.team.findUniqueOrThrow({ where: { id }, include: TEAM_INCLUDE }));
    await writeAudit(tx, {
      actor,
      action: "team.updated",
      entityType: "team",
      entityId: id,
      before: presentTeam(before),
      after,
      at: now,
    });
    return ok(after);
  });
}

/** Add contractors or marketers to a team (see addTo for what is refused). Audited. */
export async function addTeamMembers(
  deps: CoreDeps,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<PresentedTeam>> {
  const v = validate(membersSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const team = isUuid(id) ? await tx.team.findUnique({ where: { id } }) : null;
    if (!team) return fail("NOT_FOUND", "team not found");
    const added = await addTo(tx, team, v.value.user_ids);
    if (!added.ok) return added;
    const after = presentTeam(await tx.team.findUniqueOrThrow({ where: { id }, include: TEAM_INCLUDE }));
    await writeAudit(tx, {
      actor,
      action: "team.members_added",
      entityType: "team",
      entityId: id,
      after: { user_ids: added.value, member_ids: after.member_ids },
      at: now,
    });
    return ok(after);
  });
}

/** Take a member off a team (their rows stay theirs; the manager no longer sees them). Audited. */
export async function removeTeamMember(
  deps: CoreDeps,
  id: string,
  userId: string,
  actor: AuditActor,
): Promise<Result<PresentedTeam>> {
  return transact(deps, async ({ tx, now }) => {
    const team = isUuid(id) ? await tx.team.findUnique({ where: { id } }) : null;
    if (!team) return fail("NOT_FOUND", "team not found");
    const gone = isUuid(userId)
      ? await tx.user.updateMany({ where: { id: userId, team_id: id }, data: { team_id: null, manager_id: null } })
      : { count: 0 };
    if (gone.count === 0) return fail("NOT_FOUND", "user_id: not a member of this team", [{ field: "user_id" }]);
    const after = presentTeam(await tx.team.findUniqueOrThrow({ where: { id }, include: TEAM_INCLUDE }));
    await writeAudit(tx, {
      actor,
      action: "team.member_removed",
      entityType: "team",
      entityId: id,
      before: { user_id: userId },
      after: { member_ids: after.member_ids },
      at: now,
    });
    return ok(after);
  });
}
