/**
 * Opportunities (seed 000): created by hand for a customer, by equipment forensics, by the
 * tech-upsell loop and by stale estimates; listed, changed and closed as won or lost. Creating
 * one enrols the nurturing sequence of its type once (core/nurturing/triggers.ts
 * enrollForOpportunity), marked by `nurture_checked_at` so a crash between the two is made good
 * by the reconciler and nothing is enrolled twice.
 */
import type { Opportunity, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { notFound } from "../crm/owned.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { fromCents, toCents } from "../money.js";
import { markOutcome } from "../nurturing/sequence.service.js";
import { type Page, type PageQuery, pageOf, paginate } from "../paging.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import {
  ALL_OPPORTUNITY_TYPES,
  CLOSED_STATUSES,
  OPPORTUNITY_STATUSES,
  opportunityCloseSchema,
  opportunityCreateSchema,
  opportunityRow,
  opportunityUpdateSchema,
} from "./opportunity-input.js";
import { insertOpportunity } from "./opportunity-insert.js";
import { nurtureOpportunity } from "./opportunity-nurture.js";

/** An opportunity with the sequence nurturing it (the latest), as the API and panel show it. */
export type OpportunityView = Opportunity & {
  sequence: { id: string; status: string; sequence_type: string } | null;
};

const withSequence = {
  sequences: {
    orderBy: [{ started_at: "desc" }, { id: "asc" }],
    take: 1,
    select: { id: true, status: true, sequence_type: true },
  },
} satisfies Prisma.OpportunityInclude;

function view(o: Opportunity & { sequences: Array<{ id: string; status: string; sequence_type: string }> }) {
  const { sequences, ...row } = o;
  return { ...row, sequence: sequences[0] ?? null } as OpportunityView;
}

/**
 * Create an opportunity by hand for a customer the scope sees (another owner's is 404): the
 * type (replacement, code_violation, maintenance) and what is known of the asset are enough —
 * contact and property are copied from the customer record; an `appliance_id` of that customer
 * fills brand and age. Then its sequence is enrolled. Audited when an actor is named.
 */
export async function createOpportunity(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<OpportunityView & { enrolment: { sequenceId: string | null; reason?: string } }>> {
  const v = validate(opportunityCreateSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  const created = await transact(deps, async ({ tx, now }) => {
    const customer = await tx.customer.findFirst({ where: { id: d.customer_id, ...ownedBy(scope) } });
    if (!customer) return notFound("customer");
    const appliance = d.appliance_id
      ? await tx.appliance.findFirst({ where: { id: d.appliance_id, customer_id: customer.id } })
      : null;
    if (d.appliance_id && !appliance) return notFound("appliance");
    const installed = appliance?.install_date;
    const ageYears =
      d.asset_age_years ?? (installed ? (now.getTime() - installed.getTime()) / (365.25 * 86_400_000) : null);
    const { opportunity } = await insertOpportunity(
      tx,
      opportunityRow(customer, {
        type: d.opportunity_type,
        source: "manual",
        asset: { brand: d.asset_brand ?? appliance?.brand ?? null, ageYears, applianceId: appliance?.id ?? null },
        priority: d.priority,
        complexity: d.job_complexity,
        forensicInputs: d.forensic_inputs,
        estValueUsd: d.est_value_usd,
        now,
      }),
    );
    if (actor) {
      await writeAudit(tx, {
        actor,
        action: "opportunity.created",
        entityType: "opportunity",
        entityId: opportunity.id,
        after: { customer_id: customer.id, opportunity_type: opportunity.opportunity_type },
        at: now,
      });
    }
    return ok(opportunity);
  });
  if (!created.ok) return created;
  const enrolment = await nurtureOpportunity(deps, created.value.id);
  const one = await getOpportunity(deps, scope, created.value.id);
  if (!one.ok) return one;
  return ok({
    ...one.value,
    enrolment: enrolment.ok ? enrolment.value : { sequenceId: null, reason: enrolment.message },
  });
}

/** Filters of GET /opportunities (already shaped by the adapter). */
export interface OpportunityFilter extends PageQuery {
  status?: string;
  opportunity_type?: string;
  customer_id?: string;
}

/** One page of the opportunities a scope sees, newest first, each with the sequence nurturing it. */
export async function listOpportunities(
  deps: CoreDeps,
  scope: ApiScope,
  f: OpportunityFilter,
): Promise<Result<Page<OpportunityView>>> {
  if (f.status && !(OPPORTUNITY_STATUSES as readonly string[]).includes(f.status))
    return fail("VALIDATION_FAILED", `status must be one of ${OPPORTUNITY_STATUSES.join(", ")}`, [{ field: "status" }]);
  if (f.opportunity_type && !(ALL_OPPORTUNITY_TYPES as readonly string[]).includes(f.opportunity_type))
    return fail("VALIDATION_FAILED", `opportunity_type must be one of ${ALL_OPPORTUNITY_TYPES.join(", ")}`, [
      { field: "opportunity_type" },
    ]);
  if (f.customer_id && !isUuid(f.customer_id)) return ok(pageOf([], f));
  const where: Prisma.OpportunityWhereInput = {
    ...ownedBy(scope),
    ...(f.status ? { status: f.status } : {}),
    ...(f.opportunity_type ? { opportunity_type: f.opportunity_type } : {}),
    ...(f.customer_id ? { customer_id: f.customer_id } : {}),
  };
  const page = await paginate(
    f,
    () => deps.prisma.opportunity.count({ where }),
    (w) =>
      deps.prisma.opportunity.findMany({
        where,
        include: withSequence,
        orderBy: [{ created_at: "desc" }, { id: "asc" }],
        ...w,
      }),
  );
  return ok({ ...page, data: page.data.map(view) });
}

/** One opportunity the scope sees (another owner's is 404). */
export async function getOpportunity(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<OpportunityView>> {
  const o = isUuid(id)
    ? await deps.prisma.opportunity.findFirst({ where: { id, ...ownedBy(scope) }, include: withSequence })
    : null;
  return o ? ok(view(o)) : notFound("opportunity");
}

/** Change an open opportunity (priority, status pending/nurturing/stopped, asset facts, est. value). Closed ones are 409. */
export async function updateOpportunity(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<OpportunityView>> {
  const v = validate(opportunityUpdateSchema, input);
  if (!v.ok) return v;
  const r = await transact(deps, async ({ tx, now }) => {
    const before = isUuid(id) ? await tx.opportunity.findFirst({ where: { id, ...ownedBy(scope) } }) : null;
    if (!before) return notFound("opportunity");
    if (CLOSED_STATUSES.includes(before.status))
      return fail("CONFLICT", `the opportunity is closed (${before.status})`, { status: before.status });
    const { asset_age_years, ...rest } = v.value;
    const after = await tx.opportunity.update({
      where: { id: before.id },
      data: {
        ...rest,
        ...(asset_age_years !== undefined ? { asset_age_years: asset_age_years.toFixed(2) } : {}),
        updated_at: now,
      },
    });
    if (actor) {
      await writeAudit(tx, {
        actor,
        action: "opportunity.updated",
        entityType: "opportunity",
        entityId: after.id,
        before: { status: before.status, priority: before.priority },
        after: { status: after.status, priority: after.priority },
        at: now,
      });
    }
    return ok(after);
  });
  return r.ok ? getOpportunity(deps, scope, r.value.id) : r;
}

/**
 * Close an opportunity as won (with the sale amount a person entered — revenue is never
 * estimated) or lost (with a reason). When a sequence nurtures it, the outcome goes through
 * that sequence (markOutcome: remaining steps skipped, the contractor congratulated, the weekly
 * figures count it there once); the amount is mirrored on the opportunity. Closing twice is 409.
 */
export async function closeOpportunity(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<OpportunityView>> {
  const v = validate(opportunityCloseSchema, input);
  if (!v.ok) return v;
  const { outcome, reason } = v.value;
  const revenue = outcome === "won" ? (v.value.revenue_usd ?? null) : null;
  const opp = isUuid(id) ? await deps.prisma.opportunity.findFirst({ where: { id, ...ownedBy(scope) } }) : null;
  if (!opp) return notFound("opportunity");
  if (CLOSED_STATUSES.includes(opp.status))
    return fail("CONFLICT", `the opportunity is closed already (${opp.status})`, { status: opp.status });
  const seq = await deps.prisma.nurturingSequence.findFirst({
    where: { opportunity_id: opp.id, OR: [{ outcome: null }, { outcome: "stopped" }] },
    orderBy: [{ started_at: "desc" }, { id: "asc" }],
    select: { id: true },
  });
  if (seq) {
    const marked = await markOutcome(deps, seq.id, scope, {
      outcome: outcome === "won" ? "converted" : "lost",
      ...(revenue !== null ? { revenue_usd: revenue } : {}),
      ...(reason ? { reason } : {}),
    });
    if (!marked.ok) return marked;
  }
  const r = await transact(deps, async ({ tx, now }) => {
    const claimed = await tx.opportunity.updateMany({
      where: { id: opp.id, status: { notIn: [...CLOSED_STATUSES] }, closed_at: null },
      data: {
        status: outcome === "won" ? "converted" : "lost",
        revenue_usd: revenue === null ? null : fromCents(toCents(revenue)),
        close_reason: reason || null,
        closed_at: now,
        updated_at: now,
      },
    });
    // The sequence's outcome already moved the status; the columns above are still ours to fill.
    if (claimed.count === 0 && !seq) return fail("CONFLICT", "the opportunity is closed already");
    if (claimed.count === 0) {
      await tx.opportunity.update({
        where: { id: opp.id },
        data: {
          revenue_usd: revenue === null ? null : fromCents(toCents(revenue)),
          close_reason: reason || null,
          closed_at: now,
          updated_at: now,
        },
      });
    }
    if (actor) {
      await writeAudit(tx, {
        actor,
        action: outcome === "won" ? "opportunity.won" : "opportunity.lost",
        entityType: "opportunity",
        entityId: opp.id,
        before: { status: opp.status },
        after: { status: outcome === "won" ? "converted" : "lost", revenue_usd: revenue },
        at: now,
      });
    }
    return ok(opp.id);
  });
  return r.ok ? getOpportunity(deps, scope, opp.id) : r;
}
