/**
 * Panel users (admins, sales managers, read-only people) as an admin manages them: list,
 * create or invite with a role, change the role, disable or enable, reset a password. Every
 * change is audited in its own transaction; the platform always keeps one active admin.
 */
import { z } from "zod";
import type { Prisma, User } from "../../prisma/generated/client.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type PageQuery, paginate } from "../paging.js";
import type { PasswordHasher } from "../ports.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { PANEL_ROLES, type PanelRole } from "./panel-roles.js";
import { revokeUserSessions } from "./panel-session.service.js";

const roleField = z.enum(PANEL_ROLES, { error: `must be one of ${PANEL_ROLES.join(", ")}` });

const createSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(255)
    .pipe(z.email({ error: "not an e-mail address" })),
  name: z.string().trim().min(1, { error: "required" }).max(255),
  role: roleField,
  password: z.string().min(12, { error: "at least 12 characters" }).max(1024).optional(),
});

const updateSchema = z
  .object({
    name: z.string().trim().min(1, { error: "required" }).max(255).optional(),
    role: roleField.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((v) => v.name !== undefined || v.role !== undefined || v.disabled !== undefined, {
    error: "name, role or disabled is required",
  });

/** A panel user as the API and the panel show them (never the password hash). */
export function presentUser(u: User & { managed_team?: { id: string; name: string } | null }) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    account_status: u.account_status,
    disabled: u.account_status === "disabled",
    last_login_at: u.last_login_at,
    created_at: u.created_at,
    team: u.managed_team ?? null,
  };
}
export type PresentedUser = ReturnType<typeof presentUser>;

const PANEL_USER = { role: { in: [...PANEL_ROLES] } } satisfies Prisma.UserWhereInput;
const WITH_TEAM = { managed_team: { select: { id: true, name: true } } } as const;

/** Panel users, by name, optionally of one role. */
export async function listUsers(deps: CoreDeps, q: PageQuery & { role?: PanelRole }) {
  const where: Prisma.UserWhereInput = q.role ? { role: q.role } : PANEL_USER;
  const page = await paginate(
    q,
    () => deps.prisma.user.count({ where }),
    (w) => deps.prisma.user.findMany({ where, include: WITH_TEAM, orderBy: [{ name: "asc" }, { id: "asc" }], ...w }),
  );
  return { ...page, data: page.data.map(presentUser) };
}

/** One panel user, or NOT_FOUND (contractors and marketers are not panel users). */
export async function getUser(deps: CoreDeps, id: string): Promise<Result<PresentedUser>> {
  const u = isUuid(id) ? await deps.prisma.user.findFirst({ where: { id, ...PANEL_USER }, include: WITH_TEAM }) : null;
  return u ? ok(presentUser(u)) : fail("NOT_FOUND", "user not found");
}

/** Serialise changes that could leave the platform without an admin (two admins demoting each other). */
async function lockAdmins(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('users:admins', 0))`;
}

/**
 * Create a panel user with a role. Without a password this is an invitation: a password is
 * generated and returned once (hand it over; it is never shown again). An e-mail already in use
 * (any letter case) is a CONFLICT naming `email`; an unknown role a 400 naming `role`. Audited.
 */
export async function createUser(
  deps: CoreDeps,
  hasher: PasswordHasher,
  input: unknown,
  actor: AuditActor,
): Promise<Result<{ user: PresentedUser; password: string }>> {
  const v = validate(createSchema, input);
  if (!v.ok) return v;
  const password = v.value.password ?? deps.ids.token(12);
  const password_hash = await hasher.hash(password);
  const created = await transact(deps, async ({ tx, now }) => {
    const taken = await tx.user.findFirst({
      where: { email: { equals: v.value.email, mode: "insensitive" } },
      select: { id: true },
    });
    if (taken) return emailTaken();
    const user = await tx.user.create({
      data: { email: v.value.email, name: v.value.name, role: v.value.role, password_hash, account_status: "active" },
      include: WITH_TEAM,
    });
    const shown = presentUser(user);
    await writeAudit(tx, {
      actor,
      action: "user.created",
      entityType: "user",
      entityId: user.id,
      after: shown,
      at: now,
    });
    return ok(shown);
  }).catch((err: unknown) => (isUniqueViolation(err) ? emailTaken() : Promise.reject(err)));
  return created.ok ? ok({ user: created.value, password }) : created;
}

function emailTaken() {
  return fail("CONFLICT", "email: a user with this e-mail already exists", [
    { field: "email", message: "already in use" },
  ]);
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === "P2002";
}

/**
 * Rename a panel user, change their role, or disable / enable them. The last active admin can
 * be neither demoted nor disabled (CONFLICT): the platform would have nobody to run it.
 * Disabling revokes every session at once (and a disabled person cannot sign in); a sales
 * manager who is demoted stops managing their team. Audited with before and after.
 */
export async function updateUser(
  deps: CoreDeps,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<PresentedUser>> {
  const v = validate(updateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    await lockAdmins(tx);
    const before = isUuid(id) ? await tx.user.findFirst({ where: { id, ...PANEL_USER }, include: WITH_TEAM }) : null;
    if (!before) return fail("NOT_FOUND", "user not found");
    const role = v.value.role ?? before.role;
    const status = v.value.disabled === undefined ? before.account_status : v.value.disabled ? "disabled" : "active";
    const wasAdmin = before.role === "admin" && before.account_status === "active";
    if (wasAdmin && (role !== "admin" || status !== "active")) {
      const others = await tx.user.count({ where: { role: "admin", account_status: "active", id: { not: id } } });
      if (others === 0) {
        const field = role !== "admin" ? "role" : "disabled";
        return fail("CONFLICT", `${field}: this is the last admin; make someone else an admin first`, [
          { field, message: "the last admin cannot be demoted or disabled" },
        ]);
      }
    }
    if (before.role === "sales_manager" && role !== "sales_manager") {
      await tx.team.updateMany({ where: { manager_id: id }, data: { manager_id: null } });
      await tx.user.updateMany({ where: { manager_id: id }, data: { manager_id: null } });
    }
    const after = await tx.user.update({
      where: { id },
      data: { role, account_status: status, ...(v.value.name !== undefined ? { name: v.value.name } : {}) },
      include: WITH_TEAM,
    });
    const revoked = status === "disabled" ? await revokeUserSessions(tx, id, now) : 0;
    await writeAudit(tx, {
      actor,
      action: status === "disabled" && before.account_status !== "disabled" ? "user.disabled" : "user.updated",
      entityType: "user",
      entityId: id,
      before: presentUser(before),
      after: { ...presentUser(after), sessions_revoked: revoked },
      at: now,
    });
    return ok(presentUser(after));
  });
}

/**
 * Give a panel user a new generated password, returned once, and revoke every session they have
 * open (a copied cookie opens nothing any more). The password itself is never audited.
 */
export async function resetUserPassword(
  deps: CoreDeps,
  hasher: PasswordHasher,
  id: string,
  actor: AuditActor,
): Promise<Result<{ user: PresentedUser; password: string }>> {
  const exists = await getUser(deps, id);
  if (!exists.ok) return exists;
  const password = deps.ids.token(12);
  const password_hash = await hasher.hash(password);
  const r = await transact(deps, async ({ tx, now }) => {
    const user = await tx.user.update({ where: { id }, data: { password_hash }, include: WITH_TEAM });
    const revoked = await revokeUserSessions(tx, id, now);
    await writeAudit(tx, {
      actor,
      action: "user.password_reset",
      entityType: "user",
      entityId: id,
      after: { sessions_revoked: revoked },
      at: now,
    });
    return ok(presentUser(user));
  });
  return r.ok ? ok({ user: r.value, password }) : r;
}
