import type { BanAppeal } from "../../prisma/generated/client.js";
import { type AuditActor, contractorActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser } from "../messaging/outbox.js";
import { transact } from "../service.js";
import { liftBan } from "./ban.service.js";
import { isBiddingBanned } from "./lead-state.js";

export const APPEAL_MIN_CHARS = 10;
export const APPEAL_MAX_CHARS = 1000;

/**
 * A banned contractor asks for a review (10–1000 characters, one pending appeal at a time).
 * The evidence — each strike's offer time, window, first reply and the customer's read
 * state — is attached automatically so the reviewer does not have to dig.
 */
export async function createAppeal(
  deps: CoreDeps,
  input: { contractorId: string; reason: string; actor?: AuditActor },
): Promise<Result<BanAppeal>> {
  const reason = input.reason.trim();
  if (reason.length < APPEAL_MIN_CHARS) {
    return fail("APPEAL_TOO_SHORT", `an appeal needs at least ${APPEAL_MIN_CHARS} characters`, {
      min: APPEAL_MIN_CHARS,
    });
  }
  if (reason.length > APPEAL_MAX_CHARS) {
    return fail("APPEAL_TOO_LONG", `an appeal can have at most ${APPEAL_MAX_CHARS} characters`, {
      max: APPEAL_MAX_CHARS,
    });
  }
  if (!isUuid(input.contractorId)) return fail("NOT_FOUND", "contractor not found");
  return transact(deps, async ({ tx, now }) => {
    const locked = await tx.$queryRaw<Array<{ is_bidding_banned: boolean }>>`
      SELECT is_bidding_banned FROM users WHERE id = ${input.contractorId}::uuid FOR UPDATE`;
    const user = locked[0];
    if (!user) return fail("NOT_FOUND", "contractor not found");
    if (!isBiddingBanned(user)) return fail("NOT_BANNED", "you are not banned from bidding");
    const pending = await tx.banAppeal.findFirst({ where: { contractor_id: input.contractorId, status: "PENDING" } });
    if (pending)
      return fail("APPEAL_PENDING", "you already have an appeal waiting for review", { appeal_id: pending.id });
    const strikes = await tx.strikeLog.findMany({
      where: { contractor_id: input.contractorId },
      orderBy: { created_at: "desc" },
      take: 10,
      include: { bid: true, lead: { include: { messages: { orderBy: { sent_at: "asc" }, take: 1 } } } },
    });
    const evidence = strikes.map((s) => ({
      strike_id: s.id,
      lead_id: s.lead_id,
      lead_title: s.lead.title,
      offered_at: s.lead.created_at.toISOString(),
      bid_placed_at: s.bid.bid_placed_at.toISOString(),
      window_starts_at: s.bid.response_window_starts_at?.toISOString() ?? null,
      window_ends_at: s.bid.response_window_ends_at?.toISOString() ?? null,
      first_reply_at: s.bid.responded_at?.toISOString() ?? null,
      customer_read_at: s.lead.messages[0]?.read_at?.toISOString() ?? null,
      strike_count_after: s.strike_count_after,
      ban_triggered: s.ban_triggered,
    }));
    const appeal = await tx.banAppeal.create({
      data: { contractor_id: input.contractorId, appeal_reason: reason, evidence, created_at: now, updated_at: now },
    });
    await writeAudit(tx, {
      actor: input.actor ?? contractorActor(input.contractorId),
      action: "appeal.created",
      entityType: "ban_appeal",
      entityId: appeal.id,
      after: { reason },
      at: now,
    });
    await notifyUser(tx, { userId: input.contractorId, now, notice: { kind: "appeal_received", appealId: appeal.id } });
    return ok(appeal);
  });
}

/**
 * Decide a pending appeal. Approve → unbanned and strikes reset to 0; reject → stays banned.
 * Both are audited and the contractor is told in chat.
 */
export async function decideAppeal(
  deps: CoreDeps,
  input: { appealId: string; actor: AuditActor; approve: boolean; note?: string },
): Promise<Result<BanAppeal>> {
  if (!isUuid(input.appealId)) return fail("NOT_FOUND", "appeal not found");
  const note = input.note?.trim() || null;
  if (note && note.length > 1000) return fail("VALIDATION_FAILED", "note must be at most 1000 characters");
  return transact(deps, async ({ tx, now }) => {
    const claimed = await tx.banAppeal.updateMany({
      where: { id: input.appealId, status: "PENDING" },
      data: {
        status: input.approve ? "APPROVED" : "REJECTED",
        reviewed_by_id: input.actor.userId ?? null,
        reviewed_at: now,
        decision_note: note,
        updated_at: now,
      },
    });
    const appeal = await tx.banAppeal.findUnique({ where: { id: input.appealId } });
    if (!appeal) return fail("NOT_FOUND", "appeal not found");
    if (claimed.count === 0)
      return fail("APPEAL_ALREADY_DECIDED", `this appeal was already ${appeal.status.toLowerCase()}`);
    if (input.approve) await liftBan(tx, appeal.contractor_id, now);
    await writeAudit(tx, {
      actor: input.actor,
      action: input.approve ? "appeal.approved" : "appeal.rejected",
      entityType: "ban_appeal",
      entityId: appeal.id,
      after: { status: appeal.status, note, contractor_id: appeal.contractor_id },
      at: now,
    });
    await notifyUser(tx, {
      userId: appeal.contractor_id,
      now,
      dedupeKey: `appeal:${appeal.id}`,
      notice: { kind: "appeal_decided", appealId: appeal.id, approved: input.approve, note },
    });
    return ok(appeal);
  });
}
