/**
 * Sending one sequence step when its wake-up fires. The handler re-reads everything under the
 * sequence's row lock and acts only on a pending step of an active sequence that is due, so an
 * early, late, doubled or stale wake-up never sends twice and never sends after a stop.
 */
import type { ChannelKind, Prisma, SequenceAction, SequenceTemplate } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import {
  type CustomerMessageDecision,
  decideCustomerMessage,
  loadCustomerFacts,
  type MessageIntent,
  queueCustomerMessage,
} from "../messaging/customer-message.js";
import { notifyUser } from "../messaging/outbox.js";
import { nextAllowedTime } from "../messaging/quiet-hours.js";
import { renderHtml, renderText } from "../messaging/templates.js";
import { type TxCtx, transact } from "../service.js";
import { advanceSequence, endSequence, shiftPendingSteps } from "./lifecycle.js";
import { createTrackedLink, linkTarget, lockSequence, messageVars } from "./reach.js";
import { contactWindowFor } from "./schedule.js";
import { parseSteps, type TemplateStep } from "./template.js";
import { stepWakeKey } from "./wakeups.js";

/** What a wake-up did with its step. */
export type StepAction = "sent" | "deferred" | "failed" | "stopped" | "none";

const LINK = /\{\{\s*link\s*\}\}/i;
/** A step sent later than this after its time pushes the later steps back by as much. */
const LATE_TOLERANCE_MS = 5 * 60_000;
const SENDABLE_ACTIONS: readonly string[] = ["sms", "email", "whatsapp", "telegram"];

/** A sequence step is approved template text on its own channel first; never an answer. */
export function stepIntent(action: SequenceAction): MessageIntent {
  return { answer: false, templated: true, wanted: action === "call_reminder" ? null : (action as ChannelKind) };
}

/** The template step behind an event, if the template still has it unchanged (for subject and link_url). */
function stepOf(template: SequenceTemplate | null, stepNumber: number, text: string | null): TemplateStep | null {
  if (!template) return null;
  const steps = parseSteps(template.steps);
  const step = steps.ok ? steps.value[stepNumber - 1] : undefined;
  return step && (text === null || step.text === text) ? step : null;
}

type EventRow = Prisma.SequenceEventGetPayload<{
  include: { sequence: { include: { customer: true; owner: true; opportunity: true; template: true } } };
}>;

/** The event with its sequence, customer, owner, opportunity and template — one query at a time (we are in a transaction). */
async function loadEvent(tx: TxCtx["tx"], id: string): Promise<EventRow> {
  const event = await tx.sequenceEvent.findUniqueOrThrow({ where: { id } });
  const seq = await tx.nurturingSequence.findUniqueOrThrow({ where: { id: event.sequence_id } });
  const customer = await tx.customer.findUniqueOrThrow({ where: { id: seq.customer_id } });
  const owner = await tx.user.findUniqueOrThrow({ where: { id: seq.owner_id } });
  const opportunity = seq.opportunity_id
    ? await tx.opportunity.findUnique({ where: { id: seq.opportunity_id } })
    : null;
  const template = seq.template_id ? await tx.sequenceTemplate.findUnique({ where: { id: seq.template_id } }) : null;
  return { ...event, sequence: { ...seq, customer, owner, opportunity, template } };
}

/**
 * Send a due step: a customer message is decided by core/messaging/customer-message.ts at send
 * time (opt-outs, routing, quiet hours in the customer's zone); a closed hour defers this and
 * every later step by the same amount and re-wakes them. Then either queue a chat notice to the
 * contractor (`call_reminder`) or render the text with a tracked link and write the outbox row
 * on the channel decided (lane "bulk"); a customer nobody can reach fails the step visibly. The step is marked sent
 * and the sequence moves to its next step; the last step completes it. A step sent more than
 * 5 minutes late pushes the later steps back by as much, so they never go out in a burst.
 */
export async function sendStep(deps: CoreDeps, sequenceEventId: string): Promise<Result<{ action: StepAction }>> {
  if (!isUuid(sequenceEventId)) return ok({ action: "none" });
  return transact(deps, async (c) => {
    const { tx, now } = c;
    const head = await tx.sequenceEvent.findUnique({ where: { id: sequenceEventId }, select: { sequence_id: true } });
    if (!head) return ok({ action: "none" });
    await lockSequence(tx, head.sequence_id);
    const event = await loadEvent(tx, sequenceEventId);
    const seq = event.sequence;
    if (event.status !== "pending" || seq.status !== "active") return ok({ action: "none" });
    if (event.scheduled_at > now) {
      c.wake(stepWakeKey(event.id), event.scheduled_at);
      return ok({ action: "none" });
    }
    const earlier = await tx.sequenceEvent.findFirst({
      where: { sequence_id: seq.id, status: "pending", step_number: { lt: event.step_number } },
      orderBy: { step_number: "asc" },
    });
    if (earlier) {
      c.wake(stepWakeKey(earlier.id), new Date(Math.max(earlier.scheduled_at.getTime(), now.getTime())));
      return ok({ action: "none" });
    }
    if (seq.customer.opted_out_at) {
      await endSequence(tx, now, seq, {
        status: "cancelled",
        outcome: "stopped",
        reason: "opted out",
        opportunityStatus: "stopped",
      });
      return ok({ action: "stopped" });
    }
    const decision =
      event.action_type === "call_reminder"
        ? null
        : decideCustomerMessage(
            await loadCustomerFacts(tx, seq.customer, deps.config),
            stepIntent(event.action_type),
            now,
          );
    const allowed = decision
      ? decision.status === "deferred"
        ? decision.until
        : now
      : nextAllowedTime(now, contactWindowFor(seq.customer, deps.config));
    if (allowed > now) {
      await shiftPendingSteps(c, seq.id, allowed.getTime() - event.scheduled_at.getTime(), event.step_number);
      await tx.nurturingSequence.update({ where: { id: seq.id }, data: { next_action_at: allowed } });
      return ok({ action: "deferred" });
    }
    const lateMs = now.getTime() - event.scheduled_at.getTime();
    if (lateMs > LATE_TOLERANCE_MS) {
      // Sent late (the worker was down, say): later steps keep their spacing instead of bursting out.
      await shiftPendingSteps(c, seq.id, lateMs, event.step_number + 1);
    }
    const action = await deliver(c, deps, event, decision);
    await advanceSequence(c, seq.id, event.step_number);
    return ok({ action });
  });
}

/** Queue the step's message (or the contractor's call reminder) and mark the step done. */
async function deliver(
  c: TxCtx,
  deps: CoreDeps,
  event: EventRow,
  decision: CustomerMessageDecision | null,
): Promise<StepAction> {
  const { tx, now } = c;
  const seq = event.sequence;
  const step = stepOf(seq.template, event.step_number, event.message_content);
  const text = event.message_content ?? step?.text ?? "";
  const dedupeKey = `seq:${event.id}`;
  const base = {
    customer: seq.customer,
    owner: seq.owner,
    opportunity: seq.opportunity,
    estValueUsd: seq.est_value_usd,
  };
  const markDone = (data: Prisma.SequenceEventUpdateInput) =>
    tx.sequenceEvent.update({ where: { id: event.id }, data: { executed_at: now, ...data } });

  if (decision === null) {
    const link = LINK.test(text) ? await linkTarget(tx, deps, step?.link_url) : null;
    const rendered = renderText(text, messageVars({ ...base, link })).text;
    const queued = await notifyUser(tx, {
      userId: seq.owner_id,
      now,
      dedupeKey,
      notice: {
        kind: "call_reminder",
        sequenceId: seq.id,
        customerId: seq.customer_id,
        customerName: seq.customer.name,
        phone: seq.customer.phone,
        text: rendered,
      },
    });
    if (queued)
      await tx.outboundMessage.updateMany({ where: { dedupe_key: dedupeKey }, data: { sequence_event_id: event.id } });
    await markDone({
      status: "sent",
      message_content: rendered,
      delivery_status: queued ? "pending" : "failed",
      error_message: queued ? null : "the contractor has no linked chat; the reminder is only in the panel",
    });
    return "sent";
  }

  if (decision.status === "not_sent") {
    await markDone({
      status: "failed",
      delivery_status: "failed",
      error_message:
        decision.reason === "opted_out"
          ? "no reachable channel: the customer opted out on every channel they have"
          : "no reachable channel: the customer has no address we can use",
    });
    return "failed";
  }
  const dest = decision;
  const subjectTemplate = step?.subject ?? `A note from ${seq.owner.company_name || seq.owner.name}`;
  const tracked =
    LINK.test(text) || LINK.test(subjectTemplate) || dest.channel === "email"
      ? await createTrackedLink(tx, deps, {
          url: await linkTarget(tx, deps, step?.link_url),
          customerId: seq.customer_id,
          sequenceEventId: event.id,
          now,
        })
      : null;
  const vars = messageVars({ ...base, link: tracked?.link ?? null });
  const body = renderText(text, vars).text;
  const isEmail = dest.channel === "email";
  const html = isEmail
    ? `${renderHtml(text, vars).text}<img src="${tracked?.pixel}" width="1" height="1" alt="">`
    : null;
  await queueCustomerMessage(tx, {
    customerId: seq.customer_id,
    decision,
    now,
    content: {
      lane: "bulk",
      kind: "sequence_step",
      subject: isEmail ? renderText(subjectTemplate, vars).text.slice(0, 255) : null,
      body,
      payload: html ? { html, sequence_id: seq.id, step_number: event.step_number } : undefined,
      dedupeKey,
      sequenceEventId: event.id,
    },
  });
  await markDone({
    status: "sent",
    message_content: body,
    delivery_status: "pending",
    ...(SENDABLE_ACTIONS.includes(dest.channel) ? { action_type: dest.channel as SequenceAction } : {}),
  });
  return "sent";
}
