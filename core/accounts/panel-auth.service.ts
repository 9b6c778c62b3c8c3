import { createHash } from "node:crypto";
import type { CoreDeps } from "../context.js";
import { inTransaction, type Prisma } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import type { PasswordHasher } from "../ports.js";
import {
  KNOWN_CLIENT_MS,
  LOGIN_FAILURE_WINDOW_MS,
  LOGIN_THROTTLE,
  loginWaitMs,
  throttleWaitMs,
} from "./login-throttle.rules.js";
import { isPanelRole, PANEL_ROLES, type PanelUser } from "./panel-roles.js";
import { openPanelSession, revokeUserSessions } from "./panel-session.service.js";

export { PANEL_ROLES, type PanelRole, type PanelUser } from "./panel-roles.js";

/** Where a sign-in comes from: the client address (fastify's `req.ip`, proxies per TRUST_PROXY) and browser. */
export interface SignInInput {
  email: string;
  password: string;
  ip: string;
  userAgent?: string;
}

/**
 * Check an e-mail and password and, when they are right, open a server-side session (its id goes
 * in the cookie). Guessing is slowed, never turned into a lock-out (OWASP): after 5 failures for
 * an account from one client address, and after 20 from one address over all accounts, each
 * further try from there must wait a delay that doubles (1 s, 2 s, 4 s… at most 15 minutes); the
 * real user from another address, or after the wait, still gets in. Past 100 failures on an
 * account from everywhere, unknown addresses wait too (at most a minute); addresses the user had
 * a session from in the last 30 days skip that. A throttled try is refused before the password is
 * checked (429 with the wait). Every try is written as a failure row before the password is
 * checked — under advisory locks on the account and the address — so parallel tries cannot slip
 * past a delay and limits hold across processes; a success deletes its own pair's rows. A wrong
 * e-mail and a wrong password fail alike and take the same time (a dummy hash is verified).
 */
export async function loginWithPassword(
  deps: Pick<CoreDeps, "prisma" | "clock">,
  hasher: PasswordHasher,
  input: SignInInput,
): Promise<Result<PanelUser & { sessionId: string }>> {
  const email = input.email.trim().toLowerCase().slice(0, 255);
  const ip = input.ip.slice(0, 64);
  const now = deps.clock.now();
  const waitMs = await inTransaction(deps.prisma, (tx) => reserveAttempt(tx, email, ip, now));
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    return fail(
      "LOGIN_THROTTLED",
      `Too many failed sign-ins. Wait ${seconds} second${seconds === 1 ? "" : "s"} and try again.`,
      { retryAfterSeconds: seconds },
    );
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
    return fail("LOGIN_FAILED", "Wrong e-mail or password.");
  }
  const role = user.role;
  const sessionId = await inTransaction(deps.prisma, async (tx) => {
    await tx.loginFailure.deleteMany({ where: { email, ip } });
    await tx.loginFailure.deleteMany({
      where: { created_at: { lt: new Date(now.getTime() - LOGIN_FAILURE_WINDOW_MS) } },
    });
    await tx.panelSession.deleteMany({ where: { expires_at: { lt: new Date(now.getTime() - KNOWN_CLIENT_MS) } } });
    await tx.user.update({ where: { id: user.id }, data: { last_login_at: now } });
    return openPanelSession(tx, { userId: user.id, ip, userAgent: input.userAgent ?? "", now });
  });
  return ok({ id: user.id, email: user.email ?? email, name: user.name, role, sessionId });
}

/**
 * Under locks on the account and the address: the wait this try still owes (then nothing is
 * written), or 0 after recording the try as a failure (deleted again if the password is right).
 */
async function reserveAttempt(tx: Prisma.TransactionClient, email: string, ip: string, now: Date): Promise<number> {
  const keys = [`panel-login:account:${email}`, `panel-login:ip:${ip}`];
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(k)
    FROM (SELECT DISTINCT hashtextextended(x, 0) AS k FROM unnest(${keys}::text[]) AS x ORDER BY 1) AS s`;
  const since = new Date(now.getTime() - LOGIN_FAILURE_WINDOW_MS);
  const [t] = await tx.$queryRaw<
    Array<{ pn: number; pl: Date | null; cn: number; cl: Date | null; an: number; al: Date | null }>
  >`SELECT count(*) FILTER (WHERE email = ${email} AND ip = ${ip})::int AS pn,
           max(created_at) FILTER (WHERE email = ${email} AND ip = ${ip}) AS pl,
           count(*) FILTER (WHERE ip = ${ip})::int AS cn,
           max(created_at) FILTER (WHERE ip = ${ip}) AS cl,
           count(*) FILTER (WHERE email = ${email})::int AS an,
           max(created_at) FILTER (WHERE email = ${email}) AS al
      FROM login_failures
     WHERE (email = ${email} OR ip = ${ip}) AND created_at > ${since}`;
  const tally = {
    pair: { count: t?.pn ?? 0, lastAt: t?.pl ?? null },
    client: { count: t?.cn ?? 0, lastAt: t?.cl ?? null },
    account: { count: t?.an ?? 0, lastAt: t?.al ?? null },
  };
  const knownClient =
    throttleWaitMs(tally.account, LOGIN_THROTTLE.account, now) > 0 && email !== ""
      ? (await tx.panelSession.count({
          where: {
            ip,
            created_at: { gt: new Date(now.getTime() - KNOWN_CLIENT_MS) },
            user: { email: { equals: email, mode: "insensitive" } },
          },
        })) > 0
      : false;
  const wait = loginWaitMs({ ...tally, knownClient }, now);
  if (wait > 0) return wait;
  await tx.loginFailure.create({ data: { email, ip, created_at: now } });
  return 0;
}

/** An Argon2id hash of a random password nobody knows, verified when the account does not exist. */
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$o5z/OpHvp6LAFyYU4tfwWw$+BaehHaB6iloBtiTIEXaEieAdQUhn+JmbQJeh5j2lV0";

/**
 * Make sure someone can sign in to the panel. With ADMIN_EMAIL and ADMIN_PASSWORD that admin is
 * created (or its password set) every start, so the environment stays the source of truth; a
 * changed ADMIN_PASSWORD revokes that admin's open sessions, like any password change.
 * Without them, the first admin without a password gets a random one, returned so the caller
 * prints it once; on later starts nothing is returned. Safe when several processes start at once
 * (replicas on a new database): rows are inserted with ON CONFLICT DO NOTHING and the generated
 * password is set only where none is, so exactly one caller hands one out.
 */
export async function ensureFirstAdmin(
  deps: Pick<CoreDeps, "prisma" | "ids" | "clock">,
  hasher: PasswordHasher,
  input: { email?: string; password?: string },
): Promise<{ email: string; generatedPassword?: string } | null> {
  if (input.email && input.password) {
    const email = input.email.toLowerCase();
    const current = await deps.prisma.user.findUnique({ where: { email }, select: { id: true, password_hash: true } });
    const same = current?.password_hash
      ? await hasher.verify(current.password_hash, input.password).catch(() => false)
      : false;
    if (current && same) {
      await deps.prisma.user.update({ where: { id: current.id }, data: { role: "admin", account_status: "active" } });
      return { email };
    }
    const password_hash = await hasher.hash(input.password);
    const now = deps.clock.now();
    await deps.prisma.$transaction(async (tx) => {
      // INSERT … ON CONFLICT DO NOTHING, then update: two processes starting together both succeed.
      await tx.user.createMany({
        data: [{ email, name: "Admin", role: "admin", password_hash }],
        skipDuplicates: true,
      });
      const admin = await tx.user.update({
        where: { email },
        data: { password_hash, role: "admin", account_status: "active" },
        select: { id: true },
      });
      await revokeUserSessions(tx, admin.id, now); // ADMIN_PASSWORD changed: sessions under the old one end
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
  const firstAdmin = () =>
    deps.prisma.user.findFirst({
      where: { role: "admin" },
      orderBy: [{ created_at: "asc" }, { id: "asc" }],
      select: { id: true, email: true },
    });
  let admin = await firstAdmin();
  if (!admin) {
    await deps.prisma.user.createMany({
      data: [{ email: DEFAULT_ADMIN_EMAIL, name: "Admin", role: "admin" }],
      skipDuplicates: true,
    });
    admin = await firstAdmin();
    if (!admin)
      throw new Error(`${DEFAULT_ADMIN_EMAIL} exists but is not an admin: set ADMIN_EMAIL and ADMIN_PASSWORD`);
  }
  // Only where no password is set yet: of callers racing here, one wins and prints its password.
  const won = await deps.prisma.user.updateMany({
    where: { id: admin.id, password_hash: null },
    data: { password_hash },
  });
  if (won.count === 0) return null;
  return { email: admin.email ?? DEFAULT_ADMIN_EMAIL, generatedPassword: password };
}

/** The first admin's e-mail when ADMIN_EMAIL is not set. */
const DEFAULT_ADMIN_EMAIL = "admin@leadrelay.local";

/**
 * Set a panel user's password (CLI `admin-password`) and revoke every session they have open, in
 * one transaction: whoever held a copied cookie is out at their next request. Returns false when
 * there is no such panel user.
 */
export async function setPanelPassword(
  deps: Pick<CoreDeps, "prisma" | "clock">,
  hasher: PasswordHasher,
  input: { email: string; password: string },
): Promise<boolean> {
  const user = await deps.prisma.user.findFirst({
    where: { email: { equals: input.email.trim(), mode: "insensitive" }, role: { in: [...PANEL_ROLES] } },
    select: { id: true },
  });
  if (!user) return false;
  const password_hash = await hasher.hash(input.password);
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { password_hash } });
    await revokeUserSessions(tx, user.id, now);
  });
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
