import { SYSTEM_ACTOR, writeAudits } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { type Db, inTransaction } from "../db.js";
import { PENDING_STATUSES as WAITING } from "./lead-state.js";

/**
 * The unanswered-lead alarm (DESIGN.md, guaranteed intake): a lead whose customer has waited
 * UNANSWERED_ALERT_AFTER since bidding closed with no contractor's first contact yet is flagged
 * once — `leads.unanswered_alert_at` set and a `lead.unanswered` audit row, in one transaction —
 * and stays on the panel dashboard's alarm list until someone contacts the customer. The
 * reconciler runs it every few seconds; a lead is never flagged twice.
 */
export async function raiseUnansweredAlarms(deps: Pick<CoreDeps, "prisma" | "clock" | "config">): Promise<number> {
  const now = deps.clock.now();
  const afterMs = deps.config.marketplace.unansweredAlertMs;
  const since = new Date(now.getTime() - afterMs);
  return inTransaction(deps.prisma, async (tx) => {
    const due = await tx.$queryRaw<Array<{ id: string; status: string; bidding_closes_at: Date }>>`
      UPDATE leads SET unanswered_alert_at = ${now}, updated_at = ${now}
      WHERE status::text = ANY(${[...WAITING]}::text[]) AND unanswered_alert_at IS NULL
        AND contacted_at IS NULL AND bidding_closes_at <= ${since}
      RETURNING id, status::text AS status, bidding_closes_at`;
    const alertAfterMinutes = Math.round(afterMs / 60_000);
    await writeAudits(
      tx,
      due.map((l) => ({
        actor: SYSTEM_ACTOR,
        action: "lead.unanswered",
        entityType: "lead",
        entityId: l.id,
        after: { status: l.status, waiting_since: l.bidding_closes_at, alert_after_minutes: alertAfterMinutes },
        at: now,
      })),
    );
    return due.length;
  });
}

/** A lead on the alarm list: still waiting for a first contact after the alarm went off. */
export interface UnansweredLead {
  id: string;
  title: string;
  customer_name: string;
  status: string;
  waiting_since: Date | null;
  alerted_at: Date;
  holder: string | null;
}

/** The leads whose alarm went off and whose customer is still waiting, longest-waiting first. */
export async function unansweredLeads(db: Db, limit = 10): Promise<UnansweredLead[]> {
  const leads = await db.lead.findMany({
    where: { unanswered_alert_at: { not: null }, status: { in: [...WAITING] }, contacted_at: null },
    orderBy: { bidding_closes_at: "asc" },
    take: limit,
    select: {
      id: true,
      title: true,
      customer_name: true,
      status: true,
      bidding_closes_at: true,
      unanswered_alert_at: true,
      current_rank: true,
      bids: {
        where: { status: "WON", responded_at: null },
        orderBy: { response_window_starts_at: "desc" },
        take: 1,
        select: { contractor: { select: { name: true, company_name: true } } },
      },
    },
  });
  return leads.map((l) => ({
    id: l.id,
    title: l.title,
    customer_name: l.customer_name,
    status: l.status,
    waiting_since: l.bidding_closes_at,
    alerted_at: l.unanswered_alert_at ?? new Date(0),
    holder: l.bids[0] ? (l.bids[0].contractor.company_name ?? l.bids[0].contractor.name) : null,
  }));
}
