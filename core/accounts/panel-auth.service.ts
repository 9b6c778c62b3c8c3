import { createHash } from "node:crypto";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import type { PasswordHasher } from "../ports.js";

/** Who may use the web panel, and what they may do there. */
export const PANEL_ROLES = ["admin", "sales_manager", "read_only"] as const;
export type PanelRole = (typeof PANEL_ROLES)[number];

/** The signed-in person as the panel sees them. */
export interface PanelUser {
  id: string;
  email: string;
  name: string;
  role: PanelRole;
}

/** Failed logins allowed per account and per IP within the window before further tries are refused. */
export const LOGIN_MAX_FAILURES = 10;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

function isPanelRole(role: string): role is PanelRole {
  return (PANEL_ROLES as readonly string[]).includes(role);
}

/**
 * Check an e-mail and password. After 10 failures in 15 minutes for the account or for the IP,
 * every try is refused (even a right password) until the oldest failure leaves the window:
 * guessing is throttled per account and per address, across processes and restarts, because the
 * failures are rows. A wrong e-mail and a wrong password fail the same way, and take the same
 * time (a dummy hash is verified), so accounts cannot be discovered.
 */
export async function loginWithPassword(
  deps: Pick<CoreDeps, "prisma" | "clock">,
  hasher: PasswordHasher,
  input: { email: string; password: string; ip: string },
): Promise<Result<PanelUser>> {
  const email = input.email.trim().toLowerCase().slice(0, 255);
  const ip = input.ip.slice(0, 64);
  const now = deps.clock.now();
  const since = new Date(now.getTime() - LOGIN_FAILURE_WINDOW_MS);
  const [byEmail, byIp] = await Promise.all([
    deps.prisma.loginFailure.count({ where: { email, created_at: { gt: since } } }),
    deps.prisma.loginFailure.count({ where: { ip, created_at: { gt: since } } }),
  ]);
  if (byEmail >= LOGIN_MAX_FAILURES || byIp >= LOGIN_MAX_FAILURES) {
    return fail("LOGIN_THROTTLED", "Too many failed sign-ins. Wait 15 minutes and try again.");
  }
  const user = email
    ? await deps.prisma.user.findFirst({ where: { email: { equals: email, mode: "insensitive" } } })
    : null;
  const hash = user?.password_hash ?? DUMMY_HASH;
  const good =
    input.password.length > 0 &&
    input.password.length <= 1024 &&
    (await hasher.verify(hash, input.password).catch(() => false));
  if (!user || !good || !user.password_hash || !isPanelRole(user.role) || user.account_status !== "active") {
    await deps.prisma.loginFailure.create({ data: { email, ip, created_at: now } });
    return fail("LOGIN_FAILED", "Wrong e-mail or password.");
  }
  await deps.prisma.$transaction([
    deps.prisma.loginFailure.deleteMany({ where: { email } }),
    deps.prisma.user.update({ where: { id: user.id }, data: { last_login_at: now } }),
  ]);
  return ok({ id: user.id, email: user.email ?? email, name: user.name, role: user.role });
}

/** An Argon2id hash of a random password nobody knows, verified when the account does not exist. */
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$o5z/OpHvp6LAFyYU4tfwWw$+BaehHaB6iloBtiTIEXaEieAdQUhn+JmbQJeh5j2lV0";

/** The panel user with this id, if they may still use the panel (role and status re-checked each request). */
export async function findPanelUser(deps: Pick<CoreDeps, "prisma">, id: string): Promise<PanelUser | null> {
  const user = await deps.prisma.user.findUnique({
    where: { id },
    select: { id: true, email: true, name: true, role: true, account_status: true },
  });
  if (!user || !isPanelRole(user.role) || user.account_status !== "active") return null;
  return { id: user.id, email: user.email ?? "", name: user.name, role: user.role };
}

/**
 * Make sure someone can sign in to the panel. With ADMIN_EMAIL and ADMIN_PASSWORD that admin is
 * created (or its password set) every start, so the environment stays the source of truth.
 * Without them, the first admin without a password gets a random one, returned so the caller
 * prints it once; on later starts nothing is returned.
 */
export async function ensureFirstAdmin(
  deps: Pick<CoreDeps, "prisma" | "ids">,
  hasher: PasswordHasher,
  input: { email?: string; password?: string },
): Promise<{ email: string; generatedPassword?: string } | null> {
  if (input.email && input.password) {
    const email = input.email.toLowerCase();
    const password_hash = await hasher.hash(input.password);
    await deps.prisma.user.upsert({
      where: { email },
      update: { password_hash, role: "admin", account_status: "active" },
      create: { email, name: "Admin", role: "admin", password_hash },
    });
    return { email };
  }
  if (
    await deps.prisma.user.findFirst({ where: { role: "admin", password_hash: { not: null } }, select: { id: true } })
  ) {
    return null;
  }
  const password = deps.ids.token(12);
  const password_hash = await hasher.hash(password);
  const existing = await deps.prisma.user.findFirst({
    where: { role: "admin" },
    orderBy: { created_at: "asc" },
    select: { id: true },
  });
  const admin = existing
    ? await deps.prisma.user.update({ where: { id: existing.id }, data: { password_hash }, select: { email: true } })
    : await deps.prisma.user.create({
        data: { email: "admin@leadrelay.local", name: "Admin", role: "admin", password_hash },
        select: { email: true },
      });
  return { email: admin.email ?? "admin@leadrelay.local", generatedPassword: password };
}

/** Set a panel user's password (CLI `admin-password`); returns false when there is no such panel user. */
export async function setPanelPassword(
  deps: Pick<CoreDeps, "prisma">,
  hasher: PasswordHasher,
  input: { email: string; password: string },
): Promise<boolean> {
  const user = await deps.prisma.user.findFirst({
    where: { email: { equals: input.email.trim(), mode: "insensitive" }, role: { in: [...PANEL_ROLES] } },
    select: { id: true },
  });
  if (!user) return false;
  await deps.prisma.user.update({ where: { id: user.id }, data: { password_hash: await hasher.hash(input.password) } });
  return true;
}

/**
 * The 32-byte key that seals panel session cookies: derived from SESSION_SECRET when set;
 * otherwise a random key kept in the settings table, so a restart or a second web process keeps
 * everyone signed in (first writer wins).
 */
export async function panelSessionKey(deps: Pick<CoreDeps, "prisma" | "ids" | "config">): Promise<Buffer> {
  if (deps.config.sessionSecret) return createHash("sha256").update(deps.config.sessionSecret).digest();
  const key = "panel.session_key";
  await deps.prisma.setting.createMany({ data: [{ key, value: deps.ids.token(32) }], skipDuplicates: true });
  const row = await deps.prisma.setting.findUniqueOrThrow({ where: { key } });
  return createHash("sha256").update(String(row.value)).digest();
}
