/**
 * Seed 000's "new opportunity → enrol by type", once per opportunity: the enrolment runs after
 * the opportunity's own transaction commits, and `opportunities.nurture_checked_at` records that
 * it ran, so the reconciler makes good a crash in between and nothing is enrolled twice.
 */
import type { CoreDeps } from "../context.js";
import { notFound } from "../crm/owned.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { enrollForOpportunity } from "../nurturing/triggers.js";

/**
 * "New opportunity → enrol by type" (seed 000), once: enrols the customer in the active template
 * whose trigger is the opportunity type (nothing when none fits, they opted out or already run
 * it), marks the opportunity `nurturing` when a sequence started, then sets `nurture_checked_at`.
 * An opportunity already checked is left alone, so however often this runs it enrols once.
 */
export async function nurtureOpportunity(
  deps: CoreDeps,
  opportunityId: string,
): Promise<Result<{ sequenceId: string | null; reason?: string }>> {
  const opp = isUuid(opportunityId) ? await deps.prisma.opportunity.findUnique({ where: { id: opportunityId } }) : null;
  if (!opp) return notFound("opportunity");
  if (opp.nurture_checked_at) return ok({ sequenceId: null, reason: "the opportunity was nurtured already" });
  const r = await enrollForOpportunity(deps, opp.id);
  if (!r.ok) return r;
  const now = deps.clock.now();
  await deps.prisma.opportunity.updateMany({
    where: { id: opp.id, nurture_checked_at: null },
    data: {
      nurture_checked_at: now,
      ...(r.value.sequenceId && opp.status === "pending" ? { status: "nurturing", updated_at: now } : {}),
    },
  });
  return r;
}

/** The reconciler's pass: enrol every opportunity whose enrolment did not run (a crash after its commit). */
export async function reconcileOpportunities(deps: CoreDeps, limit = 100): Promise<{ handled: number }> {
  const due = await deps.prisma.opportunity.findMany({
    where: { nurture_checked_at: null },
    orderBy: { created_at: "asc" },
    select: { id: true },
    take: limit,
  });
  for (const { id } of due) {
    const r = await nurtureOpportunity(deps, id);
    if (!r.ok) deps.log.warn(`opportunity ${id}: enrolment failed: ${r.code} ${r.message}`);
  }
  return { handled: due.length };
}
