import type { User } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser } from "../messaging/outbox.js";
import { transact } from "../service.js";

/**
 * An admin lifts a contractor's bidding ban by hand: unbanned, strikes reset to 0 (as an
 * approved appeal does, so the next missed window does not ban again at once). A pending appeal
 * is closed as approved with the admin's note and the contractor is told in chat, as for an
 * appeal decision. Audited with before/after. Unbanning someone who is not banned is NOT_BANNED.
 */
export async function unbanContractor(
  deps: CoreDeps,
  input: { contractorId: string; actorUserId: string; note?: string | null },
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
    if (!before.is_bidding_banned) return fail("NOT_BANNED", "this contractor is not banned");
    const user = await tx.user.update({
      where: { id: input.contractorId },
      data: { is_bidding_banned: false, strike_count: 0, updated_at: now },
    });
    const pending = await tx.banAppeal.findFirst({ where: { contractor_id: user.id, status: "PENDING" } });
    if (pending) {
      await tx.banAppeal.update({
        where: { id: pending.id },
        data: {
          status: "APPROVED",
          reviewed_by_id: input.actorUserId,
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
    await tx.auditLog.create({
      data: {
        actor_user_id: input.actorUserId,
        actor_kind: "admin",
        action: "contractor.unbanned",
        entity_type: "user",
        entity_id: user.id,
        before: { is_bidding_banned: true, strike_count: before.strike_count },
        after: { is_bidding_banned: false, strike_count: 0, note, closed_appeal_id: pending?.id ?? null },
        created_at: now,
      },
    });
    return ok(user);
  });
}
