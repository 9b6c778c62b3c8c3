/**
 * Read models for the panel's segments area: every segment with its owner and campaign count,
 * campaigns with their delivery progress (outbox rows by status), and a blast's audience —
 * who would receive it right now, counted by the same rules the send uses, nothing written.
 */
import type { ChannelKind } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { Db } from "../db.js";
import { laneFor } from "../messaging/outbox.js";
import { type BlastRun, queueRecipients } from "./blast.js";
import type { SegmentFilter } from "./filter.js";

/** Segments with their owner's name and how many campaigns used them, by name. */
export async function segmentRows(db: Db, scope: ApiScope) {
  return db.segment.findMany({
    where: { ...ownedBy(scope), deleted_at: null },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    include: {
      owner: { select: { id: true, name: true, company_name: true } },
      _count: { select: { campaigns: true } },
    },
  });
}

/** Delivery progress of one campaign's outbox rows. */
export interface CampaignProgress {
  queued: number;
  sent: number;
  failed: number;
  total: number;
  /** Share of rows that left the outbox (sent or delivered), 0–1. */
  done: number;
}

/** Campaigns (newest first, at most `limit`) with segment, template and outbox progress. */
export async function campaignRows(db: Db, scope: ApiScope, opts: { segmentId?: string; limit?: number } = {}) {
  const campaigns = await db.campaign.findMany({
    where: { ...ownedBy(scope), ...(opts.segmentId ? { segment_id: opts.segmentId } : {}) },
    orderBy: [{ created_at: "desc" }, { id: "asc" }],
    take: opts.limit ?? 100,
    include: {
      segment: { select: { id: true, name: true } },
      message_template: { select: { id: true, name: true, key: true } },
    },
  });
  const ids = campaigns.map((c) => c.id);
  const grouped = ids.length
    ? await db.outboundMessage.groupBy({
        by: ["campaign_id", "status"],
        where: { campaign_id: { in: ids } },
        _count: { _all: true },
      })
    : [];
  const progress = new Map<string, CampaignProgress>();
  for (const id of ids) progress.set(id, { queued: 0, sent: 0, failed: 0, total: 0, done: 0 });
  for (const g of grouped) {
    const p = progress.get(g.campaign_id ?? "");
    if (!p) continue;
    const n = g._count._all;
    p.total += n;
    if (g.status === "sent" || g.status === "delivered") p.sent += n;
    else if (g.status === "failed" || g.status === "cancelled") p.failed += n;
    else p.queued += n;
  }
  for (const p of progress.values()) p.done = p.total ? p.sent / p.total : 0;
  return campaigns.map((c) => ({ ...c, progress: progress.get(c.id) as CampaignProgress }));
}

/**
 * Who a blast on `filter` for `ownerId` would reach now on `channel` (null: each customer's
 * own channel): `queued` will receive it; opted-out and unreachable customers are skipped.
 * The same batch loop as the send, in dry-run mode, so the number shown is the number sent.
 */
export async function blastAudience(
  db: Db,
  input: { ownerId: string; filter: SegmentFilter; channel: ChannelKind | null; now: Date },
): Promise<BlastRun> {
  return queueRecipients(db, {
    campaignId: "00000000-0000-0000-0000-000000000000",
    ownerId: input.ownerId,
    filter: input.filter,
    channel: input.channel,
    message: { subject: null, body: "", template: null, variants: [] },
    lane: laneFor({ kind: "blast", text: "" }),
    now: input.now,
    dryRun: true,
  });
}
