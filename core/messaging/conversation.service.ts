import type { ChannelKind, Prisma } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";
import {
  type CustomerMessageContent,
  type CustomerMessageOutcome,
  decideCustomerMessage,
  loadCustomerFacts,
  type NotSentReason,
  queueCustomerMessage,
} from "./customer-message.js";

/** The outbox `kind` of the chat app's own answers (notices keep their notice kind). */
export const CHAT_REPLY_KIND = "chat_reply";

/** One answer of the chat app to one person, already in their language. */
export interface ChatReplyRow {
  channel: ChannelKind;
  to: string;
  identityId: string | null;
  userId?: string | null;
  customerId?: string | null;
  leadId?: string | null;
  kind?: string;
  body: string;
  /** Buttons, the question the chat now waits on, an edit reference…; stored as the row's payload. */
  payload: Prisma.InputJsonValue;
  /** Makes a retried handler write each answer once. */
  dedupeKey: string;
}

/**
 * Queue the chat app's answers, in order. Each is its own insert, so their `created_at` keeps the
 * order they were written in (a person reads them in that order). An answer whose dedupe key is
 * already in the outbox is skipped; the ids of the rows actually written are returned.
 */
export async function enqueueChatReplies(deps: CoreDeps, rows: readonly ChatReplyRow[]): Promise<string[]> {
  const now = deps.clock.now();
  const ids: string[] = [];
  for (const r of rows) {
    const seen = await deps.prisma.outboundMessage.findUnique({
      where: { dedupe_key: r.dedupeKey },
      select: { id: true },
    });
    if (seen) continue;
    const created = await deps.prisma.outboundMessage
      .create({
        data: {
          channel: r.channel,
          to_address: r.to,
          identity_id: r.identityId,
          user_id: r.userId ?? null,
          customer_id: r.customerId ?? null,
          lead_id: r.leadId ?? null,
          lane: "transactional",
          kind: r.kind ?? CHAT_REPLY_KIND,
          body: r.body,
          payload: r.payload,
          next_attempt_at: now,
          dedupe_key: r.dedupeKey,
        },
        select: { id: true },
      })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === "P2002") return null; // written meanwhile by a retry
        throw err;
      });
    if (created) ids.push(created.id);
  }
  return ids;
}

/**
 * The question the chat app last asked this identity and still waits for ("send me a number"):
 * kept in the payload of its latest answer as `awaiting`. Notices do not count — a lead offer
 * arriving meanwhile does not cancel the question. Null when nothing is pending.
 */
export async function pendingChatQuestion(
  deps: CoreDeps,
  identityId: string,
): Promise<{ outboxId: string; awaiting: unknown } | null> {
  const row = await deps.prisma.outboundMessage.findFirst({
    where: { identity_id: identityId, kind: CHAT_REPLY_KIND },
    orderBy: { created_at: "desc" },
    select: { id: true, payload: true },
  });
  const awaiting = (row?.payload as { awaiting?: unknown } | null)?.awaiting;
  return row && awaiting ? { outboxId: row.id, awaiting } : null;
}

/** The person answered (or moved on): the question is no longer pending. */
export async function settleChatQuestion(deps: CoreDeps, outboxId: string): Promise<void> {
  await deps.prisma.$executeRaw`
    UPDATE outbound_messages SET payload = payload - 'awaiting' WHERE id = ${outboxId}::uuid`;
}

/** What one of our messages was about, as far as the outbox row tells. */
export interface SentMessageRefs {
  /** The outbox kind of that message (`customer_reply`, `chat_reply`, a notice kind…). */
  kind: string;
  leadId: string | null;
  customerId: string | null;
  sequenceId: string | null;
  dealId: string | null;
}

const idIn = (v: unknown): string | null => (isUuid(v) ? v : null);

/**
 * What a message we sent to `to` is about, found by the id the channel gave it or by our own
 * outbox id (what the sandbox knows): its lead, and the customer, sequence or deal a notice names (`customerId`,
 * `sequenceId`, `dealId`) or a chat answer recorded under `payload.about`. Null when the message
 * is unknown. A person answering it ("/won 9000" as a reply) means that thing.
 */
export async function refsOfSentMessage(
  deps: CoreDeps,
  input: { channel: ChannelKind; to: string; providerMessageId: string },
): Promise<SentMessageRefs | null> {
  const row = await deps.prisma.outboundMessage.findFirst({
    where: {
      channel: input.channel,
      to_address: input.to,
      OR: [
        { provider_message_id: input.providerMessageId },
        ...(isUuid(input.providerMessageId) ? [{ id: input.providerMessageId }] : []),
      ],
    },
    orderBy: { created_at: "desc" },
    select: { kind: true, lead_id: true, payload: true },
  });
  if (!row) return null;
  const p = (row.payload ?? {}) as Record<string, unknown>;
  const about = (p.about ?? {}) as Record<string, unknown>;
  return {
    kind: row.kind,
    leadId: row.lead_id ?? idIn(about.leadId) ?? idIn(p.leadId),
    customerId: idIn(about.customerId) ?? idIn(p.customerId),
    sequenceId: idIn(about.sequenceId) ?? idIn(p.sequenceId),
    dealId: idIn(about.dealId) ?? idIn(p.dealId),
  };
}

/** The longest message a person can send a customer from chat (as for marketplace leads). */
export const MAX_CUSTOMER_MESSAGE_CHARS = 5000;

/** What `sendToCustomer` did. */
export interface SentToCustomer {
  messageId: string;
  customerName: string;
  channel: ChannelKind;
  /** When the message leaves: now, or the end of the customer's quiet hours. */
  sendAt: Date;
  /** What the one customer-message path did: queued now, or deferred until `sendAt`. */
  delivery: CustomerMessageOutcome;
}

/**
 * A contractor or marketer writes to one of their OWN customers from chat (a reply to a relayed
 * customer message, the "Reply" button, `/msg NAME text`) or the panel. Ownership is the rule:
 * another owner's customer answers NOT_FOUND exactly like a missing one. The message is an answer
 * and goes through core/messaging/customer-message.ts: an opted-out customer is never written to
 * (CUSTOMER_OPTED_OUT), one with no usable address is CUSTOMER_UNREACHABLE, and nothing is stored
 * then. Otherwise the words are stored in their conversation (on the lead they were contacted
 * for, if any) and leave through the outbox on the channel they last wrote from (else their
 * preferred one) — at once when they wrote within the hour, otherwise deferred out of their
 * quiet hours.
 */
export async function sendToCustomer(
  deps: CoreDeps,
  input: { ownerId: string; customerId: string; text: string },
): Promise<Result<SentToCustomer>> {
  const text = input.text.trim();
  if (text.length === 0) return fail("VALIDATION_FAILED", "the message is empty", [{ field: "text" }]);
  if (text.length > MAX_CUSTOMER_MESSAGE_CHARS) {
    return fail("MESSAGE_TOO_LONG", `a message is at most ${MAX_CUSTOMER_MESSAGE_CHARS} characters`, {
      max: MAX_CUSTOMER_MESSAGE_CHARS,
      length: text.length,
    });
  }
  if (!isUuid(input.ownerId) || !isUuid(input.customerId)) return fail("NOT_FOUND", "customer not found");
  return transact<SentToCustomer>(deps, ({ tx, now }) => sendToCustomerIn(tx, deps.config, now, { ...input, text }));
}

/**
 * `sendToCustomer` inside the caller's transaction (an approved AI draft claims its row and sends
 * in one, so a double tap sends once). The caller has checked the text (trimmed, not empty, not
 * too long) and the ids.
 */
export async function sendToCustomerIn(
  tx: Db,
  config: CoreDeps["config"],
  now: Date,
  input: { ownerId: string; customerId: string; text: string },
): Promise<Result<SentToCustomer>> {
  const text = input.text;
  const customer = await tx.customer.findFirst({ where: { id: input.customerId, owner_id: input.ownerId } });
  if (!customer) return fail("NOT_FOUND", "customer not found");
  // Free text, not a template: WhatsApp carries it only inside the customer's 24-hour window.
  const facts = await loadCustomerFacts(tx, customer, config);
  const decision = decideCustomerMessage(facts, { answer: true, templated: false }, now);
  if (decision.status === "not_sent") return notSentFailure(decision.reason);
  const owner = await tx.user.findUniqueOrThrow({
    where: { id: input.ownerId },
    select: { name: true, company_name: true },
  });
  const lead = await tx.lead.findFirst({
    where: { customer_id: customer.id, contacted_by_id: input.ownerId },
    orderBy: { contacted_at: "desc" },
    select: { id: true },
  });
  const message = await tx.message.create({
    data: {
      lead_id: lead?.id ?? null,
      customer_id: customer.id,
      sender_id: input.ownerId,
      direction: "outbound",
      channel: decision.channel,
      message_text: text,
      sent_at: now,
      created_at: now,
    },
  });
  const fromName = owner.company_name || owner.name;
  const delivery = await queueCustomerMessage(tx, {
    customerId: customer.id,
    decision,
    now,
    content: relayContent({
      text,
      fromName,
      channel: decision.channel,
      leadId: lead?.id ?? null,
      messageId: message.id,
    }),
  });
  await tx.customer.update({
    where: { id: customer.id },
    data: { last_contacted_at: now, last_activity_at: now, updated_at: now },
  });
  const sendAt = delivery.status === "deferred" ? delivery.until : now;
  return ok({ messageId: message.id, customerName: customer.name, channel: decision.channel, sendAt, delivery });
}

/** The failure a caller shows when a customer message was not sent (409 in the API). */
export function notSentFailure(reason: NotSentReason) {
  return reason === "opted_out"
    ? fail("CUSTOMER_OPTED_OUT", "the customer has opted out of messages", { reason })
    : fail("CUSTOMER_UNREACHABLE", "the customer has no address we can write to", { reason });
}

/** The outbox content of a person's words to a customer (a relay), on the chosen channel. */
export function relayContent(input: {
  text: string;
  fromName: string;
  channel: ChannelKind;
  leadId: string | null;
  messageId: string;
}): CustomerMessageContent {
  return {
    kind: "relay",
    lane: "transactional",
    subject: input.channel === "email" ? `Message from ${input.fromName}` : null,
    body: input.text,
    payload: { kind: "relay", text: input.text, fromName: input.fromName },
    dedupeKey: `msg:${input.messageId}`,
    leadId: input.leadId,
  };
}
