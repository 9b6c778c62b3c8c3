import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Prisma } from "../db.js";
import { isPanelRole, type PanelUser } from "./panel-roles.js";

/** A panel session ends after 30 minutes without a request… */
export const SESSION_IDLE_MS = 30 * 60_000;
/** …and 8 hours after sign-in, however active. */
export const SESSION_ABSOLUTE_MS = 8 * 60 * 60_000;
/** `last_seen_at` is written at most this often (one indexed read per request, a write per minute). */
export const SESSION_TOUCH_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a session came from, as stored on its row (bounded, no NUL). */
function clean(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what PostgreSQL refuses in text
  return text.replace(/\u0000/g, "").slice(0, max);
}

/**
 * Open a server-side session for a person who just proved their password (inside the sign-in
 * transaction). The cookie carries only the returned id; the row decides whether it still works.
 */
export async function openPanelSession(
  tx: Prisma.TransactionClient,
  input: { userId: string; ip: string; userAgent: string; now: Date },
): Promise<string> {
  const row = await tx.panelSession.create({
    data: {
      user_id: input.userId,
      created_at: input.now,
      last_seen_at: input.now,
      expires_at: new Date(input.now.getTime() + SESSION_ABSOLUTE_MS),
      ip: clean(input.ip, 64),
      user_agent: clean(input.userAgent, 255),
    },
    select: { id: true },
  });
  return row.id;
}

/** What a request's session id is worth: the person, or why they must sign in (again). */
export type SessionCheck = { ok: true; user: PanelUser } | { ok: false; why: "expired" | "signin" };

/**
 * Check a session id on each panel request: the row must exist, not be revoked, have been seen
 * within 30 minutes and be younger than 8 hours (on the injected clock), and its person must still
 * have a panel role and an active account (so a demotion, a disabled account, a sign-out or a
 * password change takes effect at the next request). One indexed read; `last_seen_at` is touched
 * at most once a minute.
 */
export async function resumePanelSession(
  deps: Pick<CoreDeps, "prisma" | "clock">,
  sessionId: string,
): Promise<SessionCheck> {
  if (!UUID.test(sessionId)) return { ok: false, why: "signin" };
  const row = await deps.prisma.panelSession.findUnique({
    where: { id: sessionId },
    select: {
      last_seen_at: true,
      expires_at: true,
      revoked_at: true,
      user: { select: { id: true, email: true, name: true, role: true, account_status: true } },
    },
  });
  if (!row || row.revoked_at) return { ok: false, why: "signin" };
  const now = deps.clock.now();
  if (now.getTime() - row.last_seen_at.getTime() > SESSION_IDLE_MS || now >= row.expires_at) {
    return { ok: false, why: "expired" };
  }
  const u = row.user;
  if (!isPanelRole(u.role) || u.account_status !== "active") return { ok: false, why: "signin" };
  if (now.getTime() - row.last_seen_at.getTime() >= SESSION_TOUCH_MS) {
    await deps.prisma.panelSession.updateMany({
      where: { id: sessionId, last_seen_at: { lt: now } },
      data: { last_seen_at: now },
    });
  }
  return { ok: true, user: { id: u.id, email: u.email ?? "", name: u.name, role: u.role } };
}

/**
 * Sign out: revoke the session on the server, so a copy of its cookie opens nothing any more, and
 * record `panel.logout` in the same transaction (once: signing out of an ended session writes
 * nothing).
 */
export async function endPanelSession(
  deps: Pick<CoreDeps, "prisma" | "clock">,
  sessionId: string,
  actor: AuditActor,
): Promise<void> {
  if (!UUID.test(sessionId)) return;
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    const ended = await tx.panelSession.updateMany({
      where: { id: sessionId, revoked_at: null },
      data: { revoked_at: now },
    });
    if (ended.count === 0 || actor.kind !== "panel_user") return;
    await writeAudit(tx, { actor, action: "panel.logout", entityType: "user", entityId: actor.userId, at: now });
  });
}

/** Revoke every open session of a person (their password changed): each device must sign in again. */
export async function revokeUserSessions(tx: Prisma.TransactionClient, userId: string, now: Date): Promise<number> {
  const res = await tx.panelSession.updateMany({
    where: { user_id: userId, revoked_at: null, expires_at: { gt: now } },
    data: { revoked_at: now },
  });
  return res.count;
}
