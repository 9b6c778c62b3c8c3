/**
 * The appeals queue as the panel shows it: each appeal with its contractor and the evidence
 * createAppeal attached, read into one shape whichever way it was stored (a list of strikes, or
 * `{ strikes: [...] }` as the demo seed writes it), with the customer's read state where a
 * channel reported it.
 */

import type { AppealStatus } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy, PLATFORM_SCOPE } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { isUuid } from "../ids.js";

/** One strike of an appeal's evidence. */
export interface EvidenceStrike {
  leadId: string | null;
  leadTitle: string;
  offeredAt: string | null;
  bidPlacedAt: string | null;
  windowStartsAt: string | null;
  windowEndsAt: string | null;
  firstReplyAt: string | null;
  customerReadAt: string | null;
  strikeCountAfter: number | null;
  banTriggered: boolean;
}

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** Read stored evidence into EvidenceStrike rows (unknown shapes give an empty list). */
function readEvidence(raw: unknown): EvidenceStrike[] {
  const list = Array.isArray(raw)
    ? raw
    : raw && typeof raw === "object" && Array.isArray((raw as { strikes?: unknown }).strikes)
      ? (raw as { strikes: unknown[] }).strikes
      : [];
  return list
    .filter((x): x is Record<string, unknown> => Boolean(x) && typeof x === "object")
    .map((s) => ({
      leadId: str(s.lead_id) && isUuid(s.lead_id) ? (s.lead_id as string) : null,
      leadTitle: str(s.lead_title) ?? "(lead)",
      offeredAt: str(s.offered_at),
      bidPlacedAt: str(s.bid_placed_at),
      windowStartsAt: str(s.window_starts_at),
      windowEndsAt: str(s.window_ends_at),
      firstReplyAt: str(s.first_reply_at),
      customerReadAt: str(s.customer_read_at),
      strikeCountAfter: typeof s.strike_count_after === "number" ? s.strike_count_after : null,
      banTriggered: s.ban_triggered === true,
    }));
}

/**
 * Fill each strike's customer read state from the outbound rows where a channel reported it
 * (WhatsApp read receipt, e-mail open pixel): the first time the customer read a message sent
 * to them about that lead. Evidence recorded with a read time keeps it.
 */
async function withReadState(deps: CoreDeps, strikes: EvidenceStrike[]): Promise<EvidenceStrike[]> {
  const leadIds = [...new Set(strikes.filter((s) => s.leadId && !s.customerReadAt).map((s) => s.leadId as string))];
  if (leadIds.length === 0) return strikes;
  const reads = await deps.prisma.outboundMessage.groupBy({
    by: ["lead_id"],
    where: { lead_id: { in: leadIds }, customer_id: { not: null }, read_at: { not: null } },
    _min: { read_at: true },
  });
  const byLead = new Map(reads.map((r) => [r.lead_id, r._min.read_at?.toISOString() ?? null]));
  return strikes.map((s) =>
    s.customerReadAt || !s.leadId ? s : { ...s, customerReadAt: byLead.get(s.leadId) ?? null },
  );
}

const include = {
  contractor: {
    select: { id: true, name: true, company_name: true, email: true, strike_count: true, is_bidding_banned: true },
  },
  reviewed_by: { select: { id: true, name: true } },
} as const;

/**
 * Appeals by status (pending oldest first — the queue; decided newest first), with evidence
 * read. A sales manager (team scope) sees their members' appeals only.
 */
export async function listAppeals(
  deps: CoreDeps,
  status: AppealStatus = "PENDING",
  take = 100,
  scope: ApiScope = PLATFORM_SCOPE,
) {
  const rows = await deps.prisma.banAppeal.findMany({
    where: { status, ...ownedBy(scope, "contractor_id") },
    orderBy: { created_at: status === "PENDING" ? "asc" : "desc" },
    take,
    include,
  });
  const told = await toldInChat(
    deps,
    rows.map((a) => a.id),
  );
  return Promise.all(
    rows.map(async (a) => ({
      ...a,
      strikes: await withReadState(deps, readEvidence(a.evidence)),
      notified: told.has(a.id),
    })),
  );
}

/** Appeals whose decision notice was queued to the contractor's chat (by its dedupe key). */
async function toldInChat(deps: CoreDeps, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await deps.prisma.outboundMessage.findMany({
    where: { dedupe_key: { in: ids.map((id) => `appeal:${id}`) } },
    select: { dedupe_key: true },
  });
  return new Set(rows.map((r) => (r.dedupe_key ?? "").slice("appeal:".length)));
}

/** One appeal for the panel, or null. */
export async function appealForPanel(deps: CoreDeps, id: string) {
  if (!isUuid(id)) return null;
  const a = await deps.prisma.banAppeal.findUnique({ where: { id }, include });
  if (!a) return null;
  const told = await toldInChat(deps, [a.id]);
  return { ...a, strikes: await withReadState(deps, readEvidence(a.evidence)), notified: told.has(a.id) };
}

export type PanelAppeal = NonNullable<Awaited<ReturnType<typeof appealForPanel>>>;
