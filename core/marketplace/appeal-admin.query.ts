/**
 * The appeals queue as the panel shows it: each appeal with its contractor and the evidence
 * createAppeal attached, read into one shape whichever way it was stored (a list of strikes, or
 * `{ strikes: [...] }` as the demo seed writes it).
 */
import type { AppealStatus } from "../../prisma/generated/client.js";
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
export function readEvidence(raw: unknown): EvidenceStrike[] {
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

const include = {
  contractor: {
    select: { id: true, name: true, company_name: true, email: true, strike_count: true, is_bidding_banned: true },
  },
  reviewed_by: { select: { id: true, name: true } },
} as const;

/** Appeals by status (pending oldest first — the queue; decided newest first), with evidence read. */
export async function listAppeals(deps: CoreDeps, status: AppealStatus = "PENDING", take = 100) {
  const rows = await deps.prisma.banAppeal.findMany({
    where: { status },
    orderBy: { created_at: status === "PENDING" ? "asc" : "desc" },
    take,
    include,
  });
  const told = await toldInChat(
    deps,
    rows.map((a) => a.id),
  );
  return rows.map((a) => ({ ...a, strikes: readEvidence(a.evidence), notified: told.has(a.id) }));
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
  return { ...a, strikes: readEvidence(a.evidence), notified: told.has(a.id) };
}

/** How many appeals wait for a decision. */
export function pendingAppealCount(deps: CoreDeps) {
  return deps.prisma.banAppeal.count({ where: { status: "PENDING" } });
}

export type PanelAppeal = NonNullable<Awaited<ReturnType<typeof appealForPanel>>>;
