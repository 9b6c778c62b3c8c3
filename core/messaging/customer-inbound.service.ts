import type { ChannelKind } from "../../prisma/generated/client.js";
import { ruleSentiment } from "../ai/sentiment-rules.js";
import { CUSTOMER_ACTOR, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { recordSurveyAnswer, type SurveyAnswer } from "../service/survey.service.js";
import { transact } from "../service.js";
import { notifyUser } from "./outbox.js";

/** How much of a customer's message the contractor's chat notice quotes (the full text is stored). */
export const REPLY_QUOTE_CHARS = 1000;
const MAX_STORED_CHARS = 5000;

/**
 * A customer wrote to us: the message is stored in their conversation (direction inbound, on the
 * lead the owner contacted them for, if any), their activity is bumped and the owning contractor
 * is told in chat at once. A 1–5 reply to the customer's open post-service survey is recorded as
 * its answer in the same transaction (`survey`; core/service/survey.service.ts); any other message the
 * sentiment rules read as negative also nudges the owner (once per message). Ending nurturing
 * on a reply is the nurturing area's job; the caller hands it on.
 */
export async function recordCustomerReply(
  deps: CoreDeps,
  input: { customerId: string; channel: ChannelKind; text: string },
): Promise<Result<{ messageId: string; ownerId: string; leadId: string | null; survey: SurveyAnswer | null }>> {
  const text = input.text.trim();
  if (text.length === 0) return fail("VALIDATION_FAILED", "an empty message is not a reply");
  return transact(deps, async ({ tx, now }) => {
    const customer = await tx.customer.findUnique({ where: { id: input.customerId } });
    if (!customer) return fail("NOT_FOUND", "customer not found");
    const lead = await tx.lead.findFirst({
      where: { customer_id: customer.id, contacted_by_id: customer.owner_id },
      orderBy: { contacted_at: "desc" },
      select: { id: true },
    });
    const message = await tx.message.create({
      data: {
        lead_id: lead?.id ?? null,
        customer_id: customer.id,
        recipient_id: customer.owner_id,
        direction: "inbound",
        channel: input.channel,
        message_text: text.slice(0, MAX_STORED_CHARS),
        sent_at: now,
        created_at: now,
      },
    });
    await tx.customer.update({ where: { id: customer.id }, data: { last_activity_at: now, updated_at: now } });
    const survey = await recordSurveyAnswer(tx, {
      customerId: customer.id,
      ownerId: customer.owner_id,
      customerName: customer.name,
      text,
      now,
    });
    await notifyUser(tx, {
      userId: customer.owner_id,
      leadId: lead?.id,
      now,
      dedupeKey: `reply:${message.id}`,
      notice: {
        kind: "customer_reply",
        leadId: lead?.id ?? null,
        customerId: customer.id,
        customerName: customer.name,
        text: text.length > REPLY_QUOTE_CHARS ? `${text.slice(0, REPLY_QUOTE_CHARS)}…` : text,
        messageId: message.id,
      },
    });
    // An unhappy message (the sentiment rules, core/ai) nudges the owner once; a survey answer has its own alert.
    const mood = survey ? null : ruleSentiment(text);
    if (mood?.sentiment === "negative") {
      await notifyUser(tx, {
        userId: customer.owner_id,
        leadId: lead?.id,
        now,
        dedupeKey: `sentiment:${message.id}`,
        notice: {
          kind: "negative_sentiment",
          customerId: customer.id,
          customerName: customer.name,
          messageId: message.id,
          score: mood.score,
        },
      });
    }
    return ok({ messageId: message.id, ownerId: customer.owner_id, leadId: lead?.id ?? null, survey });
  });
}

/**
 * STOP (or START) from a customer's address. Opting out marks the identity and the customer
 * (`opted_out_at`: everything stops at once, on every channel) and cancels what is still queued
 * to them; opting in clears both. `changed` is false when they already were in that state, so the
 * confirmation is sent once. Ending their sequences is the nurturing area's part.
 */
export async function setCustomerOptOut(
  deps: CoreDeps,
  input: { identityId: string; optOut: boolean },
): Promise<Result<{ changed: boolean; customerId: string | null }>> {
  return transact<{ changed: boolean; customerId: string | null }>(deps, async ({ tx, now }) => {
    const identity = await tx.channelIdentity.findUnique({
      where: { id: input.identityId },
      include: { customer: true },
    });
    if (!identity) return fail("NOT_FOUND", "identity not found");
    const customer = identity.customer;
    const wasOut = identity.opted_out || Boolean(customer?.opted_out_at);
    if (wasOut === input.optOut) return ok({ changed: false, customerId: customer?.id ?? null });
    await tx.channelIdentity.update({
      where: { id: identity.id },
      data: input.optOut
        ? { opted_out: true, opted_out_at: now, updated_at: now }
        : { opted_out: false, opted_in_at: now, updated_at: now },
    });
    if (customer) {
      await tx.customer.update({
        where: { id: customer.id },
        data: { opted_out_at: input.optOut ? now : null, updated_at: now },
      });
      if (input.optOut) {
        await tx.channelIdentity.updateMany({
          where: { customer_id: customer.id, opted_out: false },
          data: { opted_out: true, opted_out_at: now, updated_at: now },
        });
        await tx.outboundMessage.updateMany({
          where: { customer_id: customer.id, status: "queued" },
          data: { status: "cancelled", last_error: "customer opted out", updated_at: now },
        });
      } else {
        await tx.channelIdentity.updateMany({
          where: { customer_id: customer.id, opted_out: true },
          data: { opted_out: false, opted_in_at: now, updated_at: now },
        });
      }
    }
    await writeAudit(tx, {
      actor: CUSTOMER_ACTOR,
      action: input.optOut ? "customer.opted_out" : "customer.opted_in",
      entityType: customer ? "customer" : "channel_identity",
      entityId: customer?.id ?? identity.id,
      after: { channel: identity.channel, address: identity.address },
      at: now,
    });
    return ok({ changed: true, customerId: customer?.id ?? null });
  });
}
