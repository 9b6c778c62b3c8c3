import type { Db } from "../db.js";
import { fromCents, toCents } from "../money.js";

/** What one change adds to a contractor's figures. */
export interface MetricsDelta {
  bids?: number;
  won?: number;
  contacted?: number;
  minutesToContact?: number;
  spentCents?: number;
}

/** The figures of seed 001's contractor_metrics, as numbers. */
export interface MetricsFigures {
  total_bids_placed: number;
  total_leads_won: number;
  total_leads_contacted: number;
  contact_rate: number;
  avg_time_to_contact_minutes: number | null;
  total_spent_cents: number;
}

/** A bid as the recount sees it. */
export interface BidFacts {
  final_bid_amount: { toString(): string };
  response_window_starts_at: Date | null;
  responded_at: Date | null;
  /** Its lead's status (omitted: a lead whose customer could be reached). */
  lead_status?: string;
}

/**
 * Whether a bid counts as a won lead in the contractor's figures: its window opened, and the
 * lead did not end UNREACHABLE. A customer who opted out everywhere (or left no usable address)
 * could not have been contacted by anyone, so that window is neither a win nor a miss — the
 * contractor's contact rate does not drop because of the customer's choice (DESIGN.md
 * "Unreachable customers": no strike and no charge for anyone, counted apart).
 */
export function countsAsWon(bid: Pick<BidFacts, "response_window_starts_at" | "lead_status">): boolean {
  return bid.response_window_starts_at !== null && bid.lead_status !== "UNREACHABLE";
}

/** Whole minutes from window start to first reply (the "time to contact"). */
export function minutesToContact(windowStart: Date, respondedAt: Date): number {
  return Math.max(0, Math.round((respondedAt.getTime() - windowStart.getTime()) / 60_000));
}

/** contacted / won, two decimals, 0 when nothing was won. */
export function contactRate(contacted: number, won: number): number {
  // integer half-up rounding, exactly as PostgreSQL's ROUND(numeric, 2)
  return won === 0 ? 0 : Math.min(1, Math.floor((contacted * 200 + won) / (2 * won)) / 100);
}

/**
 * Recount a contractor's figures from their bids: a bid whose window opened was won (unless its
 * lead ended UNREACHABLE — countsAsWon); a bid that responded was contacted and charged its final
 * amount. The stored row must always equal this (property-tested).
 */
export function recountMetrics(bids: readonly BidFacts[]): MetricsFigures {
  let won = 0;
  let contacted = 0;
  let minutes = 0;
  let spent = 0;
  for (const b of bids) {
    if (!countsAsWon(b) || !b.response_window_starts_at) continue;
    won++;
    if (b.responded_at) {
      contacted++;
      minutes += minutesToContact(b.response_window_starts_at, b.responded_at);
      spent += toCents(b.final_bid_amount);
    }
  }
  return {
    total_bids_placed: bids.length,
    total_leads_won: won,
    total_leads_contacted: contacted,
    contact_rate: contactRate(contacted, won),
    avg_time_to_contact_minutes: contacted === 0 ? null : Math.floor((minutes * 2 + contacted) / (2 * contacted)),
    total_spent_cents: spent,
  };
}

/**
 * Add a change to the stored figures in the caller's transaction (one statement; the row is
 * created on first use) and keep `users.response_rate` equal to the contact rate.
 */
export async function bumpMetrics(tx: Db, contractorId: string, d: MetricsDelta, now: Date): Promise<void> {
  const bids = d.bids ?? 0;
  const won = d.won ?? 0;
  const contacted = d.contacted ?? 0;
  const minutes = d.minutesToContact ?? 0;
  const spent = fromCents(d.spentCents ?? 0);
  await tx.$executeRaw`
    WITH m AS (
      INSERT INTO contractor_metrics AS cm (id, contractor_id, total_bids_placed, total_leads_won,
        total_leads_contacted, total_minutes_to_contact, total_spent, contact_rate, avg_time_to_contact_minutes, updated_at)
      VALUES (gen_random_uuid(), ${contractorId}::uuid, ${bids}, ${won}, ${contacted}, ${minutes}, ${spent}::numeric,
        CASE WHEN ${won}::int = 0 THEN 0 ELSE LEAST(1, ROUND(${contacted}::numeric / ${won}::int, 2)) END,
        CASE WHEN ${contacted}::int = 0 THEN NULL ELSE ROUND(${minutes}::numeric / ${contacted}::int) END, ${now})
      ON CONFLICT (contractor_id) DO UPDATE SET
        total_bids_placed = cm.total_bids_placed + EXCLUDED.total_bids_placed,
        total_leads_won = cm.total_leads_won + EXCLUDED.total_leads_won,
        total_leads_contacted = cm.total_leads_contacted + EXCLUDED.total_leads_contacted,
        total_minutes_to_contact = cm.total_minutes_to_contact + EXCLUDED.total_minutes_to_contact,
        total_spent = cm.total_spent + EXCLUDED.total_spent,
        contact_rate = CASE WHEN cm.total_leads_won + EXCLUDED.total_leads_won = 0 THEN 0
          ELSE LEAST(1, ROUND((cm.total_leads_contacted + EXCLUDED.total_leads_contacted)::numeric
            / (cm.total_leads_won + EXCLUDED.total_leads_won), 2)) END,
        avg_time_to_contact_minutes = CASE WHEN cm.total_leads_contacted + EXCLUDED.total_leads_contacted = 0 THEN NULL
          ELSE ROUND((cm.total_minutes_to_contact + EXCLUDED.total_minutes_to_contact)::numeric
            / (cm.total_leads_contacted + EXCLUDED.total_leads_contacted)) END,
        updated_at = EXCLUDED.updated_at
      RETURNING contact_rate
    )
    UPDATE users SET response_rate = m.contact_rate FROM m WHERE users.id = ${contractorId}::uuid`;
}
