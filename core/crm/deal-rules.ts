/**
 * Pure deal rules (seed 002): "days in stage" and its urgency colour on the Kanban, and the
 * stale-estimate test the nurturing engine runs nightly (in "Sent" more than 3 days, no activity).
 */
import type { Prisma } from "../../prisma/generated/client.js";

const DAY = 86_400_000;

/** The stage whose quiet deals are stale estimates. */
export const STALE_STAGE_NAME = "Sent";
/** How long a deal may sit in "Sent" with no activity before it is a stale estimate. */
export const STALE_AFTER_MS = 3 * DAY;

/** The Kanban card's colour: fresh under 3 days in stage, aging under 7, stale after. */
export function stageUrgency(daysInStage: number): "fresh" | "aging" | "stale" {
  return daysInStage < 3 ? "fresh" : daysInStage < 7 ? "aging" : "stale";
}

/**
 * Seed 002 stale estimate: an open deal in the "Sent" stage (any casing) that entered it and
 * saw no activity for strictly more than 3 days ("in 'Sent' stage > 3 days, no activity" —
 * at exactly 3 days it is not stale yet). The one definition: the Kanban and tests use this
 * predicate, the nightly sweep its twin staleEstimateWhere; they agree on every stored deal
 * (stage names are trimmed when saved). Whether it was already nurtured (`nurtured_at`) is the
 * nurturing engine's call.
 */
export function isStaleEstimate(
  deal: { status: string; stage_name: string; stage_entered_at: Date; last_activity_at: Date },
  now: Date,
): boolean {
  const cutoff = staleCutoff(now).getTime();
  return (
    deal.status === "open" &&
    deal.stage_name.trim().toLowerCase() === STALE_STAGE_NAME.toLowerCase() &&
    deal.stage_entered_at.getTime() < cutoff &&
    deal.last_activity_at.getTime() < cutoff
  );
}

/**
 * isStaleEstimate as a Prisma filter (same strict boundary), for the nightly query; callers
 * add the owner and `nurtured_at: null` as needed.
 */
export function staleEstimateWhere(now: Date): Prisma.DealWhereInput {
  const cutoff = staleCutoff(now);
  return {
    status: "open",
    stage: { name: { equals: STALE_STAGE_NAME, mode: "insensitive" } },
    stage_entered_at: { lt: cutoff },
    last_activity_at: { lt: cutoff },
  };
}

/** The moment a deal must have entered "Sent" and last been active before, to be stale at `now`. */
function staleCutoff(now: Date): Date {
  return new Date(now.getTime() - STALE_AFTER_MS);
}
