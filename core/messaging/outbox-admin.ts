/**
 * The outbox as operations see it: a filtered, paginated list, and a retry for a message that
 * failed for good (the sender picks it up again on its next poll).
 */
import type { ChannelKind, OutboundMessage, OutboundStatus } from "../../prisma/generated/client.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Prisma } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";

export const OUTBOX_STATUSES = ["queued", "sending", "sent", "delivered", "failed", "cancelled"] as const;
export const OUTBOX_CHANNELS = ["telegram", "whatsapp", "email", "sms", "sandbox"] as const;
export const OUTBOX_PER_PAGE = 50;

/** Outbox rows, newest first, by status and channel. */
export async function listOutbox(
  deps: CoreDeps,
  f: { status?: OutboundStatus; channel?: ChannelKind; page: number },
  perPage = OUTBOX_PER_PAGE,
) {
  const where: Prisma.OutboundMessageWhereInput = {};
  if (f.status) where.status = f.status;
  if (f.channel) where.channel = f.channel;
  const [total, rows, counts] = await Promise.all([
    deps.prisma.outboundMessage.count({ where }),
    deps.prisma.outboundMessage.findMany({
      where,
      orderBy: [{ created_at: "desc" }, { id: "asc" }],
      skip: (f.page - 1) * perPage,
      take: perPage,
      include: {
        user: { select: { id: true, name: true, company_name: true } },
        customer: { select: { id: true, name: true } },
      },
    }),
    deps.prisma.outboundMessage.groupBy({
      by: ["status"],
      where: f.channel ? { channel: f.channel } : {},
      _count: { _all: true },
    }),
  ]);
  const byStatus = Object.fromEntries(counts.map((c) => [c.status, c._count._all])) as Partial<
    Record<OutboundStatus, number>
  >;
  return { rows, total, byStatus, page: f.page, perPage, pages: Math.max(1, Math.ceil(total / perPage)) };
}

/**
 * Send a failed message again: back to `queued`, due now, with a fresh retry window. Only a
 * `failed` row can be retried (a cancelled one was stopped on purpose, e.g. an opt-out).
 * Audited; a sequence step's delivery goes back to pending.
 */
export async function retryOutbound(
  deps: CoreDeps,
  input: { id: string; actor: AuditActor },
): Promise<Result<OutboundMessage>> {
  if (!isUuid(input.id)) return fail("NOT_FOUND", "message not found");
  return transact(deps, async ({ tx, now }) => {
    const claimed = await tx.outboundMessage.updateMany({
      where: { id: input.id, status: "failed" },
      data: {
        status: "queued",
        attempts: 0,
        first_attempt_at: null,
        next_attempt_at: now,
        locked_until: null,
        failed_at: null,
        updated_at: now,
      },
    });
    const row = await tx.outboundMessage.findUnique({ where: { id: input.id } });
    if (!row) return fail("NOT_FOUND", "message not found");
    if (claimed.count === 0) return fail("CONFLICT", `only a failed message can be retried; this one is ${row.status}`);
    if (row.sequence_event_id) {
      await tx.sequenceEvent.update({
        where: { id: row.sequence_event_id },
        data: { delivery_status: "pending", error_message: null },
      });
    }
    await writeAudit(tx, {
      actor: input.actor,
      action: "outbox.retried",
      entityType: "outbound_message",
      entityId: row.id,
      before: { status: "failed", last_error: row.last_error },
      after: { status: "queued" },
      at: now,
    });
    return ok(row);
  });
}
