/**
 * Ending and advancing a sequence inside the caller's transaction. Shared by the use cases
 * (stop, outcome, reply, opt-out) and the step sender, so every way a sequence ends skips the
 * same rows and every step moves the same pointers.
 */
import type { NurturingSequence, SequenceOutcome } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import type { TxCtx } from "../service.js";
import { stepWakeKey } from "./wakeups.js";

/** How a sequence ends: `completed` with converted/lost, `cancelled` with stopped. */
export interface Ending {
  status: "completed" | "cancelled";
  outcome: SequenceOutcome;
  reason: string | null;
  revenueUsd?: string | null;
  /** Also set the linked opportunity's status (converted / lost / stopped). */
  opportunityStatus?: string;
}

/**
 * End a sequence now: outcome and reason recorded at the last sent step, every pending step
 * skipped, and step messages still waiting in the outbox cancelled — so nothing more reaches
 * the customer, even if a stale wake-up fires later (its handler finds no pending step).
 */
export async function endSequence(tx: Db, now: Date, seq: NurturingSequence, end: Ending): Promise<NurturingSequence> {
  await tx.sequenceEvent.updateMany({
    where: { sequence_id: seq.id, status: "pending" },
    data: { status: "skipped", delivery_status: null },
  });
  const waiting = await tx.outboundMessage.findMany({
    where: { status: "queued", sequence_event: { sequence_id: seq.id } },
    select: { id: true, sequence_event_id: true },
  });
  if (waiting.length > 0) {
    await tx.outboundMessage.updateMany({
      where: { id: { in: waiting.map((w) => w.id) }, status: "queued" },
      data: { status: "cancelled", last_error: `sequence ended: ${end.reason ?? end.outcome}`, updated_at: now },
    });
    await tx.sequenceEvent.updateMany({
      where: { id: { in: waiting.flatMap((w) => (w.sequence_event_id ? [w.sequence_event_id] : [])) } },
      data: { status: "skipped", delivery_status: null, error_message: "cancelled before delivery" },
    });
  }
  const lastSent = await tx.sequenceEvent.findFirst({
    where: { sequence_id: seq.id, status: "sent" },
    orderBy: { step_number: "desc" },
    select: { step_number: true },
  });
  if (end.opportunityStatus && seq.opportunity_id) {
    await tx.opportunity.update({
      where: { id: seq.opportunity_id },
      data: { status: end.opportunityStatus, updated_at: now },
    });
  }
  return tx.nurturingSequence.update({
    where: { id: seq.id },
    data: {
      status: end.status,
      outcome: end.outcome,
      outcome_reason: end.reason,
      outcome_step: lastSent?.step_number ?? null,
      outcome_at: now,
      completed_at: seq.completed_at ?? now,
      next_action_at: null,
      paused_at: null,
      ...(end.revenueUsd !== undefined ? { revenue_usd: end.revenueUsd } : {}),
    },
  });
}

/**
 * After a step went out (or failed for good): point the sequence at its next pending step and
 * wake that step, or complete the sequence when none is left.
 */
export async function advanceSequence(c: TxCtx, sequenceId: string, doneStep: number): Promise<void> {
  const { tx, now } = c;
  const next = await tx.sequenceEvent.findFirst({
    where: { sequence_id: sequenceId, status: "pending" },
    orderBy: { step_number: "asc" },
  });
  if (!next) {
    await tx.nurturingSequence.update({
      where: { id: sequenceId },
      data: { status: "completed", current_step: doneStep, next_action_at: null, completed_at: now },
    });
    return;
  }
  await tx.nurturingSequence.update({
    where: { id: sequenceId },
    data: { current_step: next.step_number, next_action_at: next.scheduled_at },
  });
  c.wake(stepWakeKey(next.id), new Date(Math.max(next.scheduled_at.getTime(), now.getTime())));
}

/** Move pending steps of a sequence (from `fromStep` on) later by `deltaMs`, and wake each at its new time. */
export async function shiftPendingSteps(
  c: TxCtx,
  sequenceId: string,
  deltaMs: number,
  fromStep = 1,
): Promise<Date | null> {
  const pending = await c.tx.sequenceEvent.findMany({
    where: { sequence_id: sequenceId, status: "pending", step_number: { gte: fromStep } },
    orderBy: { step_number: "asc" },
  });
  let first: Date | null = null;
  for (const e of pending) {
    const at = new Date(e.scheduled_at.getTime() + deltaMs);
    await c.tx.sequenceEvent.update({ where: { id: e.id }, data: { scheduled_at: at } });
    c.wake(stepWakeKey(e.id), at);
    first ??= at;
  }
  return first;
}
