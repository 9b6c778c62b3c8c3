import { z } from "zod";
import type { Deal, DealPipeline, Job } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { notifyUser } from "../messaging/outbox.js";
import { opportunityRow } from "../service/opportunity-input.js";
import { insertOpportunity } from "../service/opportunity-insert.js";
import { nurtureOpportunity } from "../service/opportunity-nurture.js";
import { transact } from "../service.js";
import { isoDateTime, validate } from "../validation.js";
import { notFound } from "./owned.js";

/** The resolution that starts the tech-upsell loop (seed 002). */
export const END_OF_LIFE = "Equipment End of Life";
/** The shared pipeline replacement leads go to, and the stages it gets if it does not exist yet. */
export const REPLACEMENTS_PIPELINE = "Replacements";
const REPLACEMENT_STAGES = [
  { name: "New Lead", probability: 10, canonical_status: "lead" as const },
  { name: "Site Visit Scheduled", probability: 30, canonical_status: "qualified" as const },
  { name: "Sent", probability: 50, canonical_status: "presentation_sent" as const },
  { name: "Won", probability: 100, canonical_status: "signed_up" as const, is_won: true },
  { name: "Lost", probability: 0, is_lost: true },
];

export const jobCloseSchema = z
  .object({
    resolution: z.string().trim().min(1).max(100),
    completion_date: isoDateTime().optional(),
  })
  .strict();

/** True for "Equipment End of Life" however it is cased or spaced. */
export function isEndOfLife(resolution: string | null): boolean {
  return (resolution ?? "").trim().replace(/\s+/g, " ").toLowerCase() === END_OF_LIFE.toLowerCase();
}

/** The shared Replacements pipeline, created with its stages the first time it is needed (race-safe). */
async function replacementsPipeline(tx: Db, now: Date): Promise<DealPipeline> {
  const existing = await tx.dealPipeline.findFirst({ where: { owner_id: null, name: REPLACEMENTS_PIPELINE } });
  if (existing) return existing;
  const inserted = await tx.$queryRaw<Array<{ id: string }>>`
    INSERT INTO deal_pipelines (id, name, owner_id, kind, created_at)
    VALUES (gen_random_uuid(), ${REPLACEMENTS_PIPELINE}, NULL, 'tech_upsell', ${now})
    ON CONFLICT (name) WHERE owner_id IS NULL DO NOTHING
    RETURNING id`;
  if (inserted[0]) {
    await tx.dealStage.createMany({
      data: REPLACEMENT_STAGES.map((s, position) => ({
        ...s,
        pipeline_id: inserted[0]?.id as string,
        position,
        created_at: now,
      })),
    });
  }
  return tx.dealPipeline.findFirstOrThrow({ where: { owner_id: null, name: REPLACEMENTS_PIPELINE } });
}

/**
 * A technician closes a job (ticket) with its resolution. "Equipment End of Life" starts the
 * tech-upsell loop (seed 002): a replacement deal for the customer in the first stage of the
 * shared Replacements pipeline, a replacement opportunity (seed 000, key `upsell:<job>`, the
 * job's appliance as its asset) that enrols the replacement sequence, and a chat notice to the
 * owner's sales manager (the owner when they have none): "Tech <name> just flagged a system for
 * replacement at <address>".
 * Idempotent per job: the job row is locked, and a job already closed as end of life, or whose
 * replacement deal exists, creates no second deal and no second notice.
 */
export async function closeJob(
  deps: CoreDeps,
  scope: ApiScope,
  jobId: string,
  input: unknown,
): Promise<Result<{ job: Job; deal: Deal | null; created: boolean }>> {
  const v = validate(jobCloseSchema, input);
  if (!v.ok) return v;
  if (!isUuid(jobId)) return notFound("job");
  const r = await transact<{ job: Job; deal: Deal | null; created: boolean }>(deps, async ({ tx, now }) => {
    const visible = await tx.job.findFirst({ where: { id: jobId, ...ownedBy(scope) }, select: { id: true } });
    if (!visible) return notFound("job");
    await tx.$queryRaw`SELECT id FROM jobs WHERE id = ${jobId}::uuid FOR UPDATE`;
    const before = await tx.job.findUniqueOrThrow({ where: { id: jobId } });
    const wasEndOfLife = before.status === "completed" && isEndOfLife(before.resolution);
    const job = await tx.job.update({
      where: { id: jobId },
      data: {
        status: "completed",
        resolution: v.value.resolution,
        completion_date: v.value.completion_date ? new Date(v.value.completion_date) : (before.completion_date ?? now),
        updated_at: now,
      },
      include: { customer: true, technician: true, owner: { select: { id: true, manager_id: true } } },
    });
    const { customer, technician, owner, ...jobRow } = job;
    if (!isEndOfLife(job.resolution)) return ok({ job: jobRow, deal: null, created: false });
    const pipeline = await replacementsPipeline(tx, now);
    const title = `Replacement: ${job.title}`.slice(0, 255);
    const existing = await tx.deal.findFirst({
      where: { pipeline_id: pipeline.id, customer_id: customer.id, title, owner_id: job.owner_id },
      orderBy: { created_at: "asc" },
    });
    if (wasEndOfLife || existing) return ok({ job: jobRow, deal: existing, created: false });
    const stage = await tx.dealStage.findFirstOrThrow({
      where: { pipeline_id: pipeline.id },
      orderBy: { position: "asc" },
    });
    const appliance = await tx.appliance.findFirst({ where: { job_id: job.id }, orderBy: { created_at: "asc" } });
    const { opportunity } = await insertOpportunity(
      tx,
      opportunityRow(customer, {
        type: "replacement",
        source: "tech_upsell",
        asset: {
          brand: appliance?.brand ?? null,
          ageYears: appliance?.install_date
            ? (now.getTime() - appliance.install_date.getTime()) / 31_557_600_000
            : null,
          applianceId: appliance?.id ?? null,
        },
        dedupeKey: `upsell:${job.id}`,
        now,
      }),
    );
    const deal = await tx.deal.create({
      data: {
        opportunity_id: opportunity.id,
        owner_id: job.owner_id,
        customer_id: customer.id,
        pipeline_id: pipeline.id,
        stage_id: stage.id,
        title,
        value_usd: "0.00",
        stage_entered_at: now,
        last_activity_at: now,
        created_at: now,
        updated_at: now,
      },
    });
    if (!customer.lead_source) {
      await tx.customer.update({ where: { id: customer.id }, data: { lead_source: "Tech upsell", updated_at: now } });
    }
    const address =
      [customer.property_address, customer.property_city].filter(Boolean).join(", ") || `${customer.name}'s property`;
    await notifyUser(tx, {
      userId: owner.manager_id ?? owner.id,
      now,
      dedupeKey: `upsell:${job.id}`,
      notice: {
        kind: "tech_upsell",
        dealId: deal.id,
        jobId: job.id,
        customerId: customer.id,
        technicianName: technician?.name ?? "(unassigned)",
        address,
      },
    });
    return ok({ job: jobRow, deal, created: true });
  });
  if (r.ok && r.value.deal?.opportunity_id && r.value.created)
    await nurtureOpportunity(deps, r.value.deal.opportunity_id);
  return r;
}
