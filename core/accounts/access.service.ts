/**
 * Deciding a chat access request (DESIGN.md § People: "self sign-up that an admin approves"). A
 * stranger's "Request access" button creates a PENDING contractor account linked to their chat
 * (link.service requestAccess); an admin approves or rejects it here, and the person is told in
 * that chat. Both decisions are audited and idempotent: deciding the same way twice changes
 * nothing and sends nothing more.
 */
import type { User } from "../../prisma/generated/client.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser } from "../messaging/outbox.js";
import { transact } from "../service.js";

/** Who may decide access requests. */
const DECIDERS = new Set(["admin", "sales_manager"]);
const MAX_NOTE_CHARS = 500;

/** What a decision did: `changed` false when it had been decided that way already. */
export interface AccessDecision {
  user: User;
  changed: boolean;
  /** A notice was queued to the person's chat (false without a linked chat, or when unchanged). */
  notified: boolean;
}

export interface AccessDecisionInput {
  /** The pending user (created by the chat's "Request access"). */
  userId: string;
  /** The admin (or sales manager) deciding (`userId` required); recorded in the audit log. */
  actor: AuditActor;
  /** Shown to the person with a rejection (optional, up to 500 characters). */
  note?: string | null;
}

async function decide(deps: CoreDeps, input: AccessDecisionInput, approved: boolean): Promise<Result<AccessDecision>> {
  if (!isUuid(input.userId)) return fail("NOT_FOUND", "user not found");
  const deciderId = input.actor.userId ?? "";
  if (!isUuid(deciderId)) return fail("FORBIDDEN", "only an admin can decide access requests");
  const note = input.note?.trim().slice(0, MAX_NOTE_CHARS) || null;
  const target = approved ? "active" : "disabled";
  return transact<AccessDecision>(deps, async ({ tx, now }) => {
    const decider = await tx.user.findUnique({ where: { id: deciderId }, select: { role: true } });
    if (!decider || !DECIDERS.has(decider.role)) return fail("FORBIDDEN", "only an admin can decide access requests");
    // Lock the row: two admins clicking at once decide once.
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${input.userId}::uuid FOR UPDATE`;
    const user = await tx.user.findUnique({ where: { id: input.userId } });
    if (!user || (user.role !== "contractor" && user.role !== "marketer")) return fail("NOT_FOUND", "user not found");
    if (user.account_status === target) return ok({ user, changed: false, notified: false });
    if (user.account_status !== "pending") {
      return fail("CONFLICT", `this account is ${user.account_status}, not waiting for a decision`, {
        account_status: user.account_status,
      });
    }
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { account_status: target, updated_at: now },
    });
    await writeAudit(tx, {
      actor: input.actor,
      action: approved ? "access.approved" : "access.rejected",
      entityType: "user",
      entityId: user.id,
      before: { account_status: user.account_status },
      after: { account_status: target, ...(note ? { note } : {}) },
      at: now,
    });
    const notified = await notifyUser(tx, {
      userId: user.id,
      now,
      dedupeKey: `access:${user.id}:${target}`,
      notice: { kind: "access_decided", userId: user.id, name: user.name, approved, note: approved ? null : note },
    });
    return ok({ user: updated, changed: true, notified });
  });
}

/**
 * Approve a chat access request: the pending account becomes active and the person is told in
 * their chat (with a pointer to /profile, since offers only match once ZIPs and categories are
 * set). Approving an already active account is a no-op; a disabled one is CONFLICT.
 */
export function approveAccessRequest(deps: CoreDeps, input: AccessDecisionInput): Promise<Result<AccessDecision>> {
  return decide(deps, input, true);
}

/**
 * Reject a chat access request: the pending account is disabled (the chat then answers "your
 * account is disabled") and the person is told, with the admin's note if given. Rejecting twice
 * is a no-op; an active account is CONFLICT (disable it through the contractor update instead).
 */
export function rejectAccessRequest(deps: CoreDeps, input: AccessDecisionInput): Promise<Result<AccessDecision>> {
  return decide(deps, input, false);
}
