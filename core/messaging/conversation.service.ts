import type { ChannelKind, Prisma } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { isUuid } from "../ids.js";

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
    select: { lead_id: true, payload: true },
  });
  if (!row) return null;
  const p = (row.payload ?? {}) as Record<string, unknown>;
  const about = (p.about ?? {}) as Record<string, unknown>;
  return {
    leadId: row.lead_id ?? idIn(about.leadId) ?? idIn(p.leadId),
    customerId: idIn(about.customerId) ?? idIn(p.customerId),
    sequenceId: idIn(about.sequenceId) ?? idIn(p.sequenceId),
    dealId: idIn(about.dealId) ?? idIn(p.dealId),
  };
}
