/** A bid as ranking sees it. */
export interface RankableBid {
  id: string;
  finalCents: number;
  placedAt: Date;
}

/** How many bids get a rank (and so, in turn, a response window). */
export const RANKED_BIDS = 3;

/**
 * Rank bids at close: the top 3 by final amount get ranks 1–3 (ties: earlier bid first,
 * then id for a total order); every other bid is LOST.
 */
export function rankBids<T extends RankableBid>(bids: readonly T[]): { ranked: T[]; lost: T[] } {
  const sorted = [...bids].sort(
    (a, b) => b.finalCents - a.finalCents || a.placedAt.getTime() - b.placedAt.getTime() || (a.id < b.id ? -1 : 1),
  );
  return { ranked: sorted.slice(0, RANKED_BIDS), lost: sorted.slice(RANKED_BIDS) };
}
