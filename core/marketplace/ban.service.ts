import type { User } from "../../prisma/generated/client.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser } from "../messaging/outbox.js";
import { transact } from "../service.js";
import { isBiddingBanned, unbannedState } from "./lead-state.js";

/**
 * Lift a contractor's bidding ban in the caller's transaction — the one unban, for an admin's by
 * hand (unbanContractor) and an approved appeal (decideAppeal) alike: not banned and strikes
 * back to 0 (lead-state.ts unbannedState), so the next missed window does not ban again at once.
 */
export async function liftBan(tx: Db, contractorId: string, now: Date): Promise<User> {
  return tx.user.update({ where: { id: contractorId }, data: { ...unbannedState(), updated_at: now } });
}

/**
 * An admin lifts a contractor's bidding ban by hand: unbanned, strikes reset to 0 (as an
 * approved appeal does, so the next missed window does not ban again at once). A pending appeal
 * is closed as approved with the admin's note and the contractor is told in chat, as for an
 * appeal decision. Audited with before/after. Unbanning someone who is not banned is NOT_BANNED.
 */
export async function unbanContractor(
  deps: CoreDeps,
  input: { contractorId: string; actor: AuditActor; note?: string | null },
): Promise<Result<User>> {
  if (!isUuid(input.contractorId)) return fail("NOT_FOUND", "contractor not found");
  const note = input.note?.trim().slice(0, 1000) || "Unbanned by an admin.";
  return transact(deps, async ({ tx, now }) => {
    const locked = await tx.$queryRaw<Array<{ is_bidding_banned: boolean; strike_count: number; role: string }>>`
      SELECT is_bidding_banned, strike_count, role::text AS role FROM users WHERE id = ${input.contractorId}::uuid FOR UPDATE`;
    const before = locked[0];
    if (!before || (before.role !== "contractor" && before.role !== "marketer")) {
      return fail("NOT_FOUND", "contractor not found");
    }
    if (!isBiddingBanned(before)) return fail("NOT_BANNED", "this contractor is not banned");
    const user = await liftBan(tx, input.contractorId, now);
    const pending = await tx.banAppeal.findFirst({ where: { contractor_id: user.id, status: "PENDING" } });
    if (pending) {
      await tx.banAppeal.update({
        where: { id: pending.id },
        data: {
          status: "APPROVED",
          reviewed_by_id: input.actor.userId ?? null,
          reviewed_at: now,
          decision_note: note,
          updated_at: now,
        },
      });
      await notifyUser(tx, {
        userId: user.id,
        now,
        dedupeKey: `appeal:${pending.id}`,
        notice: { kind: "appeal_decided", appealId: pending.id, approved: true, note },
      });
    }
    await writeAudit(tx, {
      actor: input.actor,
      action: "contractor.unbanned",
      entityType: "user",
      entityId: user.id,
      before: { is_bidding_banned: true, strike_count: before.strike_count },
      after: { ...unbannedState(), note, closed_appeal_id: pending?.id ?? null },
      at: now,
    });
    return ok(user);
  });
}
