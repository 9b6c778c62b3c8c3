import type { ChannelKind, OutboundLane, Prisma } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { type Notice, renderNotice } from "./notices.js";

/** Channels a person can be reached on in chat, best first (a contractor's working chat). */
const CHAT_CHANNELS: ChannelKind[] = ["telegram", "whatsapp", "sandbox"];

/** Transactional notices jump the queue; bulk (blasts, sequences) waits behind them. */
export function laneFor(notice: Notice): OutboundLane {
  return notice.kind === "blast" ? "bulk" : "transactional";
}

/**
 * Queue notices to users (contractors, marketers, managers) on their most recently used chat,
 * in the same transaction as the change that causes them. Users with no linked chat get no
 * row (the panel still shows the change). `dedupeKey` makes a retried handler enqueue once.
 * One query for the identities and one insert, however many users.
 */
export async function notifyUsers(
  tx: Db,
  items: ReadonlyArray<{ userId: string; notice: Notice; dedupeKey?: string; leadId?: string }>,
  now: Date,
): Promise<number> {
  if (items.length === 0) return 0;
  const userIds = [...new Set(items.map((i) => i.userId))];
  const identities = await tx.channelIdentity.findMany({
    where: { user_id: { in: userIds }, channel: { in: CHAT_CHANNELS }, opted_out: false },
    orderBy: [{ last_inbound_at: { sort: "desc", nulls: "last" } }, { created_at: "desc" }],
    include: { user: { select: { language: true } } },
  });
  const best = new Map<string, (typeof identities)[number]>();
  for (const identity of identities)
    if (identity.user_id && !best.has(identity.user_id)) best.set(identity.user_id, identity);
  const rows: NoticeRow[] = [];
  for (const item of items) {
    const identity = best.get(item.userId);
    if (!identity) continue;
    rows.push({
      channel: identity.channel,
      to_address: identity.address,
      identity_id: identity.id,
      user_id: item.userId,
      lane: laneFor(item.notice),
      kind: item.notice.kind,
      body: renderNotice(item.notice, identity.language ?? identity.user?.language ?? "en"),
      payload: JSON.stringify(item.notice),
      dedupe_key: item.dedupeKey ?? null,
      lead_id: item.leadId ?? null,
    });
  }
  if (rows.length === 0) return 0;
  return insertNoticeRows(tx, rows, now);
}

/** One notice's outbox row, as insertNoticeRows writes it. */
interface NoticeRow {
  channel: ChannelKind;
  to_address: string;
  identity_id: string;
  user_id: string;
  lane: OutboundLane;
  kind: string;
  body: string;
  payload: string;
  dedupe_key: string | null;
  lead_id: string | null;
}

/**
 * Insert notice rows in one statement (column arrays through unnest: a hundred strike notices of a
 * batched window expiry take a few milliseconds, where the ORM's multi-row insert took fifty).
 * A row whose dedupe key is already queued is skipped. Returns how many rows were inserted.
 */
async function insertNoticeRows(tx: Db, rows: readonly NoticeRow[], now: Date): Promise<number> {
  const col = <K extends keyof NoticeRow>(k: K) => rows.map((r) => r[k]);
  return tx.$executeRaw`
    INSERT INTO outbound_messages (channel, to_address, identity_id, user_id, lane, kind, body, payload,
      next_attempt_at, dedupe_key, lead_id)
    SELECT v.channel::"ChannelKind", v.to_address, v.identity_id, v.user_id, v.lane::"OutboundLane", v.kind,
      v.body, v.payload::jsonb, ${now}, v.dedupe_key, v.lead_id
    FROM unnest(${col("channel")}::text[], ${col("to_address")}::text[], ${col("identity_id")}::uuid[],
      ${col("user_id")}::uuid[], ${col("lane")}::text[], ${col("kind")}::text[], ${col("body")}::text[],
      ${col("payload")}::text[], ${col("dedupe_key")}::text[], ${col("lead_id")}::uuid[])
      AS v(channel, to_address, identity_id, user_id, lane, kind, body, payload, dedupe_key, lead_id)
    ON CONFLICT DO NOTHING`;
}

/** Queue one notice to one user; see notifyUsers. */
export async function notifyUser(
  tx: Db,
  input: { userId: string; notice: Notice; now: Date; dedupeKey?: string; leadId?: string },
): Promise<boolean> {
  return (await notifyUsers(tx, [input], input.now)) > 0;
}

/** Insert one outbox row; with a dedupe key, a second insert of the same key is a no-op. */
export async function enqueue(tx: Db, row: Prisma.OutboundMessageUncheckedCreateInput): Promise<string | null> {
  if (row.dedupe_key) {
    const existing = await tx.outboundMessage.findUnique({
      where: { dedupe_key: row.dedupe_key },
      select: { id: true },
    });
    if (existing) return existing.id;
  }
  const created = await tx.outboundMessage.create({ data: row, select: { id: true } });
  return created.id;
}
