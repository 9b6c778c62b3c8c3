/**
 * Nurturing sequences (seed 000): enrol a customer on a template, pause/resume/stop, record
 * the outcome, and end everything the moment the customer replies or opts out. Step sending
 * lives in send.service.ts; every use case here is one transaction.
 */
import { z } from "zod";
import type { NurturingSequence, SequenceEvent, SequenceTemplate } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser } from "../messaging/outbox.js";
import { fromCents, toCents } from "../money.js";
import { type TxCtx, transact } from "../service.js";
import { validate } from "../validation.js";
import { estValueFor } from "./est-value.js";
import { endSequence, shiftPendingSteps } from "./lifecycle.js";
import { lockCustomer, lockSequence } from "./reach.js";
import { contactWindowFor, scheduleSteps } from "./schedule.js";
import { delayMsOf, parseSteps } from "./template.js";
import { stepWakeKey } from "./wakeups.js";

/** The system acting on its own (triggers, chat replies): sees every row. */
export const SYSTEM_SCOPE: ApiScope = { kind: "admin" };

export type SequenceWithEvents = NurturingSequence & { events: SequenceEvent[] };

/** Who to enrol, in what, and for which opportunity. */
export interface EnrollInput {
  customerId: string;
  /** Either a template id … */
  templateId?: string;
  /** … or a trigger type: the owner's active template for it, else the platform's. */
  triggerType?: string;
  opportunityId?: string;
}

const ACTIVE_STATUSES = ["active", "paused"] as const;

async function findTemplate(c: TxCtx, ownerId: string, input: EnrollInput): Promise<Result<SequenceTemplate>> {
  const visible = { OR: [{ owner_id: null }, { owner_id: ownerId }] };
  if (input.templateId) {
    const t = isUuid(input.templateId)
      ? await c.tx.sequenceTemplate.findFirst({ where: { id: input.templateId, ...visible } })
      : null;
    if (!t) return fail("NOT_FOUND", "sequence template not found");
    return t.is_active ? ok(t) : fail("TEMPLATE_INACTIVE", `template "${t.name}" is not active`);
  }
  if (!input.triggerType)
    return fail("VALIDATION_FAILED", "give template_id or trigger_type", [{ field: "template_id" }]);
  const candidates = await c.tx.sequenceTemplate.findMany({
    where: { trigger_type: input.triggerType, is_active: true, ...visible },
    orderBy: { created_at: "desc" },
  });
  const t = candidates.find((x) => x.owner_id === ownerId) ?? candidates[0];
  return t ? ok(t) : fail("NOT_FOUND", `no active sequence template for trigger "${input.triggerType}"`);
}

/**
 * Enrol a customer: creates the sequence and all its step events with `scheduled_at` (each
 * step's delay from the previous step's time, moved out of the customer's quiet hours and
 * outside their contact times), takes the est. value from the opportunity type, and wakes
 * each step. Refused for an opted-out customer and for a second running sequence of the same
 * template for the same customer (the customer row is locked, so two enrolments cannot race).
 */
export async function enroll(
  deps: CoreDeps,
  input: EnrollInput,
  scope: ApiScope = SYSTEM_SCOPE,
): Promise<Result<SequenceWithEvents>> {
  return transact(deps, async (c) => {
    const { tx, now } = c;
    if (!(await lockCustomer(tx, input.customerId))) return fail("NOT_FOUND", "customer not found");
    const customer = await tx.customer.findFirst({ where: { id: input.customerId, ...ownedBy(scope) } });
    if (!customer) return fail("NOT_FOUND", "customer not found");
    if (customer.opted_out_at) return fail("CUSTOMER_OPTED_OUT", "the customer has opted out of messages");
    const template = await findTemplate(c, customer.owner_id, input);
    if (!template.ok) return template;
    const steps = parseSteps(template.value.steps);
    if (!steps.ok)
      return fail("VALIDATION_FAILED", `template "${template.value.name}": ${steps.message}`, steps.details);
    const running = await tx.nurturingSequence.findFirst({
      where: { customer_id: customer.id, template_id: template.value.id, status: { in: [...ACTIVE_STATUSES] } },
      select: { id: true },
    });
    if (running)
      return fail("SEQUENCE_ALREADY_ACTIVE", `the customer is already in "${template.value.name}"`, {
        sequence_id: running.id,
      });
    let opportunity = null;
    if (input.opportunityId) {
      opportunity = isUuid(input.opportunityId)
        ? await tx.opportunity.findFirst({ where: { id: input.opportunityId, owner_id: customer.owner_id } })
        : null;
      if (!opportunity || (opportunity.customer_id && opportunity.customer_id !== customer.id))
        return fail("NOT_FOUND", "opportunity not found for this customer");
    }
    const times = scheduleSteps(now, steps.value.map(delayMsOf), contactWindowFor(customer, deps.config));
    const seq = await tx.nurturingSequence.create({
      data: {
        owner_id: customer.owner_id,
        customer_id: customer.id,
        opportunity_id: opportunity?.id ?? null,
        template_id: template.value.id,
        sequence_type: template.value.name,
        status: "active",
        current_step: 1,
        total_steps: steps.value.length,
        next_action_at: times[0] ?? null,
        started_at: now,
        created_at: now,
        est_value_usd: estValueFor(opportunity?.opportunity_type ?? template.value.trigger_type),
      },
    });
    const events = await tx.sequenceEvent.createManyAndReturn({
      data: steps.value.map((step, i) => ({
        sequence_id: seq.id,
        step_number: i + 1,
        action_type: step.channel,
        status: "pending" as const,
        scheduled_at: times[i] ?? now,
        message_content: step.text,
      })),
    });
    events.sort((a, b) => a.step_number - b.step_number);
    for (const e of events) c.wake(stepWakeKey(e.id), e.scheduled_at);
    return ok({ ...seq, events });
  });
}

/** Load a sequence the scope may see, locked for this transaction. */
async function lockedSequence(c: TxCtx, scope: ApiScope, id: string): Promise<Result<NurturingSequence>> {
  if (!(await lockSequence(c.tx, id))) return fail("NOT_FOUND", "sequence not found");
  const seq = await c.tx.nurturingSequence.findFirst({ where: { id, ...ownedBy(scope) } });
  return seq ? ok(seq) : fail("NOT_FOUND", "sequence not found");
}

const ended = (s: NurturingSequence) => s.status === "completed" || s.status === "cancelled";
const endedFailure = (s: NurturingSequence) =>
  fail("SEQUENCE_ENDED", `the sequence has ended (${s.outcome ?? s.status})`, { status: s.status, outcome: s.outcome });

/** The audit row of a sequence state change made by a named actor (panel, API); none without one. */
async function auditSequence(
  c: TxCtx,
  actor: AuditActor | undefined,
  action: string,
  before: NurturingSequence,
  after: NurturingSequence,
): Promise<NurturingSequence> {
  if (actor) {
    await writeAudit(c.tx, {
      actor,
      action,
      entityType: "nurturing_sequence",
      entityId: after.id,
      before: { status: before.status },
      after: { status: after.status, outcome: after.outcome },
      at: c.now,
    });
  }
  return after;
}

/**
 * Pause a running sequence: nothing is sent until it is resumed. Pausing a paused one changes
 * nothing. Audited when an `actor` is named.
 */
export async function pause(
  deps: CoreDeps,
  sequenceId: string,
  scope: ApiScope,
  actor?: AuditActor,
): Promise<Result<NurturingSequence>> {
  return transact(deps, async (c) => {
    const seq = await lockedSequence(c, scope, sequenceId);
    if (!seq.ok || seq.value.status === "paused") return seq;
    if (ended(seq.value)) return endedFailure(seq.value);
    const paused = await c.tx.nurturingSequence.update({
      where: { id: seq.value.id },
      data: { status: "paused", paused_at: c.now, next_action_at: null },
    });
    return ok(await auditSequence(c, actor, "sequence.paused", seq.value, paused));
  });
}

/**
 * Resume a paused sequence: every remaining step moves later by the time it was paused, so
 * the spacing between steps is what the template promised. (Quiet hours are checked again
 * when each step is sent.) Audited when an `actor` is named.
 */
export async function resume(
  deps: CoreDeps,
  sequenceId: string,
  scope: ApiScope,
  actor?: AuditActor,
): Promise<Result<NurturingSequence>> {
  return transact(deps, async (c) => {
    const seq = await lockedSequence(c, scope, sequenceId);
    if (!seq.ok || seq.value.status === "active") return seq;
    if (ended(seq.value)) return endedFailure(seq.value);
    const pausedMs = Math.max(0, c.now.getTime() - (seq.value.paused_at ?? c.now).getTime());
    const next = await shiftPendingSteps(c, seq.value.id, pausedMs);
    const resumed = await c.tx.nurturingSequence.update({
      where: { id: seq.value.id },
      data: { status: "active", paused_at: null, next_action_at: next },
    });
    return ok(await auditSequence(c, actor, "sequence.resumed", seq.value, resumed));
  });
}

/** The contractor stops a sequence: outcome `stopped`, the remaining steps skipped. Audited when an `actor` is named. */
export async function stop(
  deps: CoreDeps,
  sequenceId: string,
  scope: ApiScope,
  reason?: string,
  actor?: AuditActor,
): Promise<Result<NurturingSequence>> {
  return transact(deps, async (c) => {
    const seq = await lockedSequence(c, scope, sequenceId);
    if (!seq.ok) return seq;
    if (ended(seq.value)) return endedFailure(seq.value);
    const why = reason?.trim().slice(0, 500) || "stopped by contractor";
    const stopped = await endSequence(c.tx, c.now, seq.value, {
      status: "cancelled",
      outcome: "stopped",
      reason: why,
      opportunityStatus: "stopped",
    });
    return ok(await auditSequence(c, actor, "sequence.stopped", seq.value, stopped));
  });
}

/** What a person reports when a sequence is won or lost. */
export const outcomeInputSchema = z
  .object({
    outcome: z.enum(["converted", "lost"]),
    revenue_usd: z
      .union([z.number(), z.string().regex(/^\d{1,10}(\.\d{1,2})?$/, "revenue_usd must be an amount like 9000.00")])
      .nullable()
      .optional()
      .refine((v) => v == null || (Number(v) >= 0 && Number(v) < 1e10), "revenue_usd must be 0 or more"),
    reason: z.string().trim().max(500).nullable().optional(),
  })
  .strict()
  .refine((v) => v.outcome === "converted" || v.revenue_usd == null, {
    path: ["revenue_usd"],
    message: "revenue_usd goes with a converted outcome only",
  });

/**
 * Record a sequence's outcome: converted (with the sale amount a person entered — revenue is
 * never estimated) or lost (with a reason). Remaining steps are skipped. Allowed on a running
 * sequence and on one that already finished or was stopped (customers often book after
 * replying); refused once converted or lost. A conversion congratulates the contractor.
 * Audited when an `actor` (the panel) is named.
 */
export async function markOutcome(
  deps: CoreDeps,
  sequenceId: string,
  scope: ApiScope,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<NurturingSequence>> {
  const parsed = validate(outcomeInputSchema, input);
  if (!parsed.ok) return parsed;
  const { outcome, reason } = parsed.value;
  const revenue = parsed.value.revenue_usd == null ? null : fromCents(toCents(parsed.value.revenue_usd));
  return transact(deps, async (c) => {
    const seq = await lockedSequence(c, scope, sequenceId);
    if (!seq.ok) return seq;
    if (seq.value.outcome === "converted" || seq.value.outcome === "lost") return endedFailure(seq.value);
    const updated = await endSequence(c.tx, c.now, seq.value, {
      status: "completed",
      outcome,
      reason: reason || null,
      revenueUsd: outcome === "converted" ? revenue : null,
      opportunityStatus: outcome,
    });
    if (outcome === "converted") {
      const customer = await c.tx.customer.findUniqueOrThrow({ where: { id: updated.customer_id } });
      await notifyUser(c.tx, {
        userId: updated.owner_id,
        now: c.now,
        dedupeKey: `converted:${updated.id}`,
        notice: { kind: "conversion_celebration", sequenceId: updated.id, customerName: customer.name, revenue },
      });
    }
    if (actor) {
      await writeAudit(c.tx, {
        actor,
        action: `sequence.${outcome}`,
        entityType: "nurturing_sequence",
        entityId: updated.id,
        before: { status: seq.value.status, outcome: seq.value.outcome },
        after: { status: updated.status, outcome: updated.outcome, revenue_usd: revenue },
        at: c.now,
      });
    }
    return ok(updated);
  });
}

async function endAllFor(
  deps: CoreDeps,
  customerId: string,
  reason: string,
  opportunityStatus?: string,
): Promise<Result<{ stopped: string[] }>> {
  if (!isUuid(customerId)) return ok({ stopped: [] });
  return transact(deps, async (c) => {
    const running = await c.tx.nurturingSequence.findMany({
      where: { customer_id: customerId, status: { in: [...ACTIVE_STATUSES] } },
      select: { id: true },
      orderBy: { id: "asc" },
    });
    const stopped: string[] = [];
    for (const { id } of running) {
      await lockSequence(c.tx, id);
      const seq = await c.tx.nurturingSequence.findUniqueOrThrow({ where: { id } });
      if (ended(seq)) continue;
      await endSequence(c.tx, c.now, seq, { status: "cancelled", outcome: "stopped", reason, opportunityStatus });
      stopped.push(id);
    }
    return ok({ stopped });
  });
}

/**
 * The customer replied: every running sequence of theirs ends at once (outcome stopped,
 * reason "customer replied", remaining steps skipped) — the conversation is now a person's.
 * For the chat app to call on every inbound customer message.
 */
export async function handleCustomerReply(deps: CoreDeps, customerId: string): Promise<Result<{ stopped: string[] }>> {
  return endAllFor(deps, customerId, "customer replied");
}

/** The customer opted out (STOP…): every running sequence ends (reason "opted out"). For the chat app. */
export async function handleOptOut(deps: CoreDeps, customerId: string): Promise<Result<{ stopped: string[] }>> {
  return endAllFor(deps, customerId, "opted out", "stopped");
}
