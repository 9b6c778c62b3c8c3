import { z } from "zod";
import type { Deal, DealStage, DealStatus, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { fromCents, toCents } from "../money.js";
import { type TxCtx, transact } from "../service.js";
import { validate } from "../validation.js";
import { statusEventId } from "./customer.service.js";
import { daysSince } from "./customer-query.js";
import { stageUrgency } from "./deal-rules.js";
import { lockCustomer, notFound, ownedCustomer } from "./owned.js";
import { visiblePipeline } from "./pipeline.service.js";
import { touchCustomer } from "./status-change.js";
import { statusRank } from "./status-mapping.js";

const money = z
  .union([z.number(), z.string().regex(/^\d+(\.\d{1,2})?$/, "an amount like 1250.00")])
  .transform((v) => Number(v))
  .refine((v) => Number.isFinite(v) && v >= 0 && v < 1e10, "must be an amount between 0 and 10,000,000,000");
const usd = (v: number) => fromCents(toCents(v));

export const dealCreateSchema = z
  .object({
    customer_id: z.string(),
    pipeline_id: z.string(),
    stage_id: z.string().optional().describe("default: the pipeline's first stage"),
    title: z.string().trim().min(1).max(255),
    value_usd: money.default(0),
    opportunity_id: z.string().optional(),
  })
  .strict();

export const dealUpdateSchema = z
  .object({
    title: z.string().trim().min(1).max(255).optional(),
    value_usd: money.optional(),
    status: z.enum(["open", "won", "lost"]).optional(),
    revenue_usd: money.nullable().optional().describe("the sale amount a person entered"),
    lost_reason: z.string().trim().max(500).nullable().optional(),
  })
  .strict();

export const dealMoveSchema = z
  .object({
    stage_id: z.string(),
    revenue_usd: money.nullable().optional(),
    lost_reason: z.string().trim().max(500).nullable().optional(),
  })
  .strict();

/** A stage's deal status: its won/lost flag, open otherwise. */
const statusOf = (stage: DealStage): DealStatus => (stage.is_won ? "won" : stage.is_lost ? "lost" : "open");

/** closed_at follows the status: set when a deal closes, kept while it stays closed, cleared on reopen. */
function closedAt(deal: Pick<Deal, "status" | "closed_at"> | null, status: DealStatus, now: Date): Date | null {
  if (status === "open") return null;
  return deal && deal.status === status && deal.closed_at ? deal.closed_at : now;
}

/**
 * Put a deal (an estimate) for one of the scope's customers on a visible pipeline, in the given
 * stage or the first one. Value in dollars, stored to the cent.
 */
export async function createDeal(deps: CoreDeps, scope: ApiScope, input: unknown): Promise<Result<Deal>> {
  const v = validate(dealCreateSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  return transact(deps, async ({ tx, now }) => {
    const customer = await ownedCustomer(tx, scope, d.customer_id);
    if (!customer) return notFound("customer");
    const pipeline = await visiblePipeline(tx, scope, d.pipeline_id);
    if (!pipeline) return notFound("pipeline");
    const stage = d.stage_id
      ? isUuid(d.stage_id)
        ? await tx.dealStage.findFirst({ where: { id: d.stage_id, pipeline_id: pipeline.id } })
        : null
      : await tx.dealStage.findFirst({ where: { pipeline_id: pipeline.id }, orderBy: { position: "asc" } });
    if (!stage) {
      return d.stage_id
        ? fail("STAGE_NOT_IN_PIPELINE", "stage_id is not a stage of this pipeline", { field: "stage_id" })
        : fail("VALIDATION_FAILED", "this pipeline has no stages yet", [{ field: "pipeline_id" }]);
    }
    if (d.opportunity_id) {
      const opp = isUuid(d.opportunity_id)
        ? await tx.opportunity.findFirst({ where: { id: d.opportunity_id, owner_id: customer.owner_id } })
        : null;
      if (!opp) return notFound("opportunity");
    }
    const status = statusOf(stage);
    return ok(
      await tx.deal.create({
        data: {
          owner_id: customer.owner_id,
          customer_id: customer.id,
          pipeline_id: pipeline.id,
          stage_id: stage.id,
          opportunity_id: d.opportunity_id ?? null,
          title: d.title,
          value_usd: usd(d.value_usd),
          status,
          closed_at: closedAt(null, status, now),
          stage_entered_at: now,
          last_activity_at: now,
          created_at: now,
          updated_at: now,
        },
      }),
    );
  });
}

async function ownedDeal(tx: Prisma.TransactionClient, scope: ApiScope, id: string) {
  return isUuid(id) ? tx.deal.findFirst({ where: { id, ...ownedBy(scope) } }) : null;
}

/** Edit a deal, or mark it won (with the revenue a person entered) or lost (with a reason). */
export async function updateDeal(deps: CoreDeps, scope: ApiScope, id: string, input: unknown): Promise<Result<Deal>> {
  const v = validate(dealUpdateSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  return transact(deps, async ({ tx, now }) => {
    const deal = await ownedDeal(tx, scope, id);
    if (!deal) return notFound("deal");
    const data: Prisma.DealUncheckedUpdateInput = { last_activity_at: now, updated_at: now };
    if (d.title !== undefined) data.title = d.title;
    if (d.value_usd !== undefined) data.value_usd = usd(d.value_usd);
    if (d.revenue_usd !== undefined) data.revenue_usd = d.revenue_usd === null ? null : usd(d.revenue_usd);
    if (d.lost_reason !== undefined) data.lost_reason = d.lost_reason;
    if (d.status !== undefined) {
      data.status = d.status;
      data.closed_at = closedAt(deal, d.status, now);
    }
    return ok(await tx.deal.update({ where: { id: deal.id }, data }));
  });
}

/**
 * Move a deal to another stage of its pipeline (the Kanban drag). "Days in stage" restarts,
 * the deal's status follows the stage's won/lost flag, and when the stage stands for a later
 * canonical status the customer moves forward too (never back). Moving to the stage it is
 * already in changes nothing but the revenue/reason given. Audited when an `actor` is named.
 */
export async function moveDeal(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<Deal>> {
  const v = validate(dealMoveSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  return transact(deps, async (c) => {
    const deal = await ownedDeal(c.tx, scope, id);
    if (!deal) return notFound("deal");
    const stage = isUuid(d.stage_id)
      ? await c.tx.dealStage.findFirst({ where: { id: d.stage_id, pipeline_id: deal.pipeline_id } })
      : null;
    if (!stage) return fail("STAGE_NOT_IN_PIPELINE", "stage_id is not a stage of this deal's pipeline");
    const data: Prisma.DealUncheckedUpdateInput = { last_activity_at: c.now, updated_at: c.now };
    if (d.revenue_usd !== undefined) data.revenue_usd = d.revenue_usd === null ? null : usd(d.revenue_usd);
    if (d.lost_reason !== undefined) data.lost_reason = d.lost_reason;
    if (stage.id !== deal.stage_id) {
      const status = statusOf(stage);
      Object.assign(data, {
        stage_id: stage.id,
        stage_entered_at: c.now,
        status,
        closed_at: closedAt(deal, status, c.now),
      });
      await followStage(deps, c, deal.customer_id, stage);
    }
    const moved = await c.tx.deal.update({ where: { id: deal.id }, data });
    if (actor) {
      const before = { stage_id: deal.stage_id, status: deal.status };
      const after = { stage_id: moved.stage_id, status: moved.status, revenue_usd: moved.revenue_usd };
      await writeAudit(c.tx, {
        actor,
        action: "deal.moved",
        entityType: "deal",
        entityId: deal.id,
        before,
        after,
        at: c.now,
      });
    }
    return ok(moved);
  });
}

/** Move the deal's customer forward to the stage's canonical status, if it is ahead. */
async function followStage(deps: CoreDeps, c: TxCtx, customerId: string, stage: DealStage): Promise<void> {
  const customer = await lockCustomer(c.tx, customerId);
  if (!customer) return;
  const to = stage.canonical_status;
  const ahead = to !== null && statusRank(to) > statusRank(customer.pipeline_status);
  await touchCustomer(
    c,
    customer,
    {},
    {
      move: ahead ? { to, eventId: statusEventId(deps, customer.id, c.now), source: "manual", cause: null } : undefined,
    },
  );
}

/**
 * The Kanban of one pipeline (seed 002): its stages in order, each with the scope's deals
 * (customer name, value, days in stage and its urgency colour), the deal count, the sum of
 * `value_usd` and the probability-weighted sum. Sums are exact, in cents.
 */
export async function pipelineBoard(deps: CoreDeps, scope: ApiScope, pipelineId: string) {
  const pipeline = await visiblePipeline(deps.prisma, scope, pipelineId);
  if (!pipeline) return notFound("pipeline");
  const now = deps.clock.now();
  const [stages, deals] = await Promise.all([
    deps.prisma.dealStage.findMany({
      where: { pipeline_id: pipeline.id },
      orderBy: [{ position: "asc" }, { name: "asc" }],
    }),
    deps.prisma.deal.findMany({
      where: { pipeline_id: pipeline.id, ...ownedBy(scope) },
      orderBy: [{ stage_entered_at: "asc" }, { id: "asc" }],
      include: { customer: { select: { id: true, name: true, property_address: true, property_city: true } } },
    }),
  ]);
  let totalCents = 0;
  let weightedTotal = 0;
  const columns = stages.map((stage) => {
    const mine = deals.filter((d) => d.stage_id === stage.id);
    const cents = mine.reduce((sum, d) => sum + toCents(d.value_usd), 0);
    const weighted = Math.round((cents * stage.probability) / 100);
    totalCents += cents;
    weightedTotal += weighted;
    return {
      ...stage,
      deal_count: mine.length,
      value_usd: fromCents(cents),
      weighted_value_usd: fromCents(weighted),
      deals: mine.map((d) => {
        const days = daysSince(d.stage_entered_at, now);
        return { ...d, days_in_stage: days, urgency: stageUrgency(days) };
      }),
    };
  });
  return ok({
    pipeline,
    stages: columns,
    totals: {
      deal_count: deals.length,
      value_usd: fromCents(totalCents),
      weighted_value_usd: fromCents(weightedTotal),
    },
  });
}
