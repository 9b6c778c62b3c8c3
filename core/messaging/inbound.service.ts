import type { ChannelKind, InboundMessage, Prisma } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";

/** A channel identity with the person it belongs to (a user, a customer, or nobody yet). */
export type IdentityWithOwner = Prisma.ChannelIdentityGetPayload<{ include: { user: true; customer: true } }>;

/** What an adapter hands over for intake; `payload` is the whole normalised message. */
export interface InboundIntake {
  channel: ChannelKind;
  /** The channel's own id of this message or update: a redelivery carries the same one. */
  externalId: string;
  address: string;
  displayName?: string | null;
  /** The client's language hint (e.g. Telegram's `language_code`), any IETF tag. */
  language?: string | null;
  text?: string | null;
  payload: Prisma.InputJsonValue;
}

/** Stored text is capped: a chat message is never this long, and abuse must not fill the disk. */
const MAX_INBOUND_TEXT = 65_536;

/**
 * Guaranteed intake: store an inbound message before anything else looks at it, and find (or
 * create) the sender's identity. `(channel, external_id)` is unique, so a redelivery is
 * recognised (`duplicate`) and never handled twice. The identity's display name, language hint
 * and `last_inbound_at` are refreshed — the latter routes the person's notices to this chat.
 */
export async function recordInbound(
  deps: CoreDeps,
  input: InboundIntake,
): Promise<{ id: string; duplicate: boolean; identity: IdentityWithOwner }> {
  const now = deps.clock.now();
  const language = input.language?.toLowerCase().split(/[-_]/)[0]?.slice(0, 10) || null;
  const displayName = input.displayName?.trim().slice(0, 255) || null;
  const text = input.text?.slice(0, MAX_INBOUND_TEXT) ?? null;
  return deps.prisma.$transaction(async (tx) => {
    const identity = await tx.channelIdentity.upsert({
      where: { channel_address: { channel: input.channel, address: input.address } },
      create: {
        channel: input.channel,
        address: input.address,
        display_name: displayName,
        language,
        last_inbound_at: now,
        created_at: now,
        updated_at: now,
      },
      update: { last_inbound_at: now, ...(displayName ? { display_name: displayName } : {}) },
      include: { user: true, customer: true },
    });
    const inserted = await tx.$queryRaw<Array<{ id: string }>>`
      INSERT INTO inbound_messages (channel, external_id, from_address, identity_id, text, payload, received_at)
      VALUES (${input.channel}::"ChannelKind", ${input.externalId.slice(0, 255)}, ${input.address}, ${identity.id}::uuid,
              ${text}, ${JSON.stringify(input.payload)}::jsonb, ${now})
      ON CONFLICT (channel, external_id) DO NOTHING
      RETURNING id`;
    if (inserted[0]) return { id: inserted[0].id, duplicate: false, identity };
    const existing = await tx.inboundMessage.findUniqueOrThrow({
      where: { channel_external_id: { channel: input.channel, external_id: input.externalId.slice(0, 255) } },
      select: { id: true },
    });
    return { id: existing.id, duplicate: true, identity };
  });
}

/**
 * Close an intake row: handled (`processed_at`), or failed — the error is kept and the attempt
 * counted (in `payload.attempts`), and the row stays unprocessed for the retry sweep.
 */
export async function finishInbound(deps: CoreDeps, id: string, error?: string): Promise<void> {
  const now = deps.clock.now();
  if (error === undefined) {
    await deps.prisma.inboundMessage.update({ where: { id }, data: { processed_at: now, error: null } });
    return;
  }
  await deps.prisma.$executeRaw`
    UPDATE inbound_messages
    SET error = ${error.slice(0, 2000)},
        payload = jsonb_set(coalesce(payload, '{}'::jsonb), '{attempts}',
                            to_jsonb(coalesce((payload->>'attempts')::int, 0) + 1))
    WHERE id = ${id}::uuid`;
}

/**
 * Intake rows a crash left unprocessed, older than `olderThanMs` (so nothing still being
 * handled is taken) and tried fewer than `maxAttempts` times; oldest first.
 */
export async function dueInbound(
  deps: CoreDeps,
  opts: { olderThanMs: number; maxAttempts: number; limit?: number },
): Promise<Array<InboundMessage & { identity: IdentityWithOwner | null }>> {
  const before = new Date(deps.clock.now().getTime() - opts.olderThanMs);
  const rows = await deps.prisma.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM inbound_messages
    WHERE processed_at IS NULL AND received_at <= ${before}
      AND coalesce((payload->>'attempts')::int, 0) < ${opts.maxAttempts}
    ORDER BY received_at
    LIMIT ${opts.limit ?? 50}`;
  if (rows.length === 0) return [];
  return deps.prisma.inboundMessage.findMany({
    where: { id: { in: rows.map((r) => r.id) } },
    include: { identity: { include: { user: true, customer: true } } },
    orderBy: { received_at: "asc" },
  });
}
