/**
 * Read model of the admin panel's Kanban: the pipeline switcher's list, the board of one
 * pipeline (core's pipelineBoard: stages in order with deal counts, exact sums and
 * days-in-stage urgency) and the names of the deals' owners. The panel sees the whole
 * platform (admin scope).
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { ok } from "../errors.js";
import { isUuid } from "../ids.js";
import { pipelineBoard } from "./deal.service.js";
import { notFound } from "./owned.js";

const PLATFORM: ApiScope = { kind: "admin" };

/** Every pipeline for the switcher: id, name, kind, the owner's name (null = shared) and its open deals. */
export async function pipelineChoices(deps: CoreDeps) {
  const rows = await deps.prisma.dealPipeline.findMany({
    orderBy: [{ created_at: "asc" }, { name: "asc" }],
    select: {
      id: true,
      name: true,
      kind: true,
      owner: { select: { name: true, company_name: true } },
      _count: { select: { deals: true } },
    },
  });
  return rows.map((p) => ({
    id: p.id,
    name: p.name,
    kind: p.kind,
    owner_name: p.owner ? (p.owner.company_name ?? p.owner.name) : null,
    deal_count: p._count.deals,
  }));
}

/** Display names of some users (company name when they have one), by id. */
export async function ownerNames(deps: CoreDeps, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const users = await deps.prisma.user.findMany({
    where: { id: { in: unique } },
    select: { id: true, name: true, company_name: true },
  });
  return new Map(users.map((u) => [u.id, u.company_name ?? u.name]));
}

/**
 * The Kanban of one pipeline for the panel: pipelineBoard's columns with each deal's owner
 * name added. NOT_FOUND for an unknown pipeline.
 */
export async function kanbanBoard(deps: CoreDeps, pipelineId: string, scope: ApiScope = PLATFORM) {
  const board = await pipelineBoard(deps, scope, pipelineId);
  if (!board.ok) return board;
  const owners = await ownerNames(
    deps,
    board.value.stages.flatMap((s) => s.deals.map((d) => d.owner_id)),
  );
  return ok({
    ...board.value,
    stages: board.value.stages.map((s) => ({
      ...s,
      deals: s.deals.map((d) => ({ ...d, owner_name: owners.get(d.owner_id) ?? "—" })),
    })),
  });
}

/** The pipeline a deal is on (to re-render its board after a refused move), or NOT_FOUND. */
export async function pipelineOfDeal(deps: CoreDeps, dealId: string, scope: ApiScope = PLATFORM) {
  const deal = isUuid(dealId)
    ? await deps.prisma.deal.findFirst({ where: { id: dealId, ...ownedBy(scope) }, select: { pipeline_id: true } })
    : null;
  return deal ? ok(deal.pipeline_id) : notFound("deal");
}
