import { z } from "zod";
import type { DealPipeline, DealStage, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { canChange, createsOwnRows, sharedOrOwnedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { notFound, resolveOwner } from "./owned.js";
import { parseVocabulary, toCanonical } from "./status-mapping.js";

const stageFields = {
  name: z.string().trim().min(1).max(100),
  probability: z.number().int().min(0).max(100),
  position: z.number().int().min(0).max(1000),
  canonical_status: z.string().max(50).nullable().describe("canonical status or a term of any vocabulary"),
  vocabulary: z.string().max(50),
  is_won: z.boolean(),
  is_lost: z.boolean(),
};
const wonAndLost = (s: { is_won?: boolean; is_lost?: boolean }) => !(s.is_won && s.is_lost);

export const stageInputSchema = z
  .object({ ...stageFields, probability: stageFields.probability.default(0) })
  .partial({ position: true, canonical_status: true, vocabulary: true, is_won: true, is_lost: true })
  .strict()
  .refine(wonAndLost, { message: "a stage cannot be both won and lost", path: ["is_lost"] });
export const stageUpdateSchema = z
  .object(stageFields)
  .partial()
  .strict()
  .refine(wonAndLost, {
    message: "a stage cannot be both won and lost",
    path: ["is_lost"],
  });

export const pipelineInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: z.string().trim().min(1).max(30).default("sales"),
    owner_id: z.string().optional().describe("admin keys: the owner; leave out for a shared pipeline"),
    vocabulary: z.string().max(50).optional(),
    stages: z.array(stageInputSchema).max(30).default([]),
  })
  .strict()
  .refine((p) => new Set(p.stages.map((s) => s.name.toLowerCase())).size === p.stages.length, {
    message: "stage names must be unique",
    path: ["stages"],
  });

/** Pipelines a scope may see: shared ones (owner null) and their own; an admin sees all. */
export function visiblePipelines(scope: ApiScope): Prisma.DealPipelineWhereInput {
  return sharedOrOwnedBy(scope);
}

/** A pipeline the scope may see, or null. */
export async function visiblePipeline(db: Db, scope: ApiScope, id: string): Promise<DealPipeline | null> {
  if (!isUuid(id)) return null;
  return db.dealPipeline.findFirst({ where: { id, ...visiblePipelines(scope) } });
}

/** Read a stage's canonical status in any vocabulary; undefined = not given, null = none. */
function stageCanonical(s: { canonical_status?: string | null; vocabulary?: string }, pipelineVocabulary?: string) {
  if (s.canonical_status === undefined || s.canonical_status === null) return ok(s.canonical_status);
  const vocabulary = parseVocabulary(s.vocabulary ?? pipelineVocabulary ?? "canonical") ?? undefined;
  const status = toCanonical(s.canonical_status, vocabulary) ?? toCanonical(s.canonical_status);
  return status
    ? ok(status)
    : fail("VALIDATION_FAILED", `canonical_status "${s.canonical_status}" is not a pipeline status`, [
        { field: "canonical_status" },
      ]);
}

/** Pipelines with their stages in Kanban order. */
export async function listPipelines(deps: CoreDeps, scope: ApiScope) {
  const data = await deps.prisma.dealPipeline.findMany({
    where: visiblePipelines(scope),
    orderBy: [{ created_at: "asc" }, { name: "asc" }],
    include: { stages: { orderBy: [{ position: "asc" }, { name: "asc" }] } },
  });
  return { data };
}

const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === "P2002";

/**
 * Create a pipeline with its stages (in the given order). A contractor's is their own; an
 * admin's is shared unless it names an owner. Names are unique per owner (CONFLICT).
 */
export async function createPipeline(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
): Promise<Result<DealPipeline & { stages: DealStage[] }>> {
  const v = validate(pipelineInputSchema, input);
  if (!v.ok) return v;
  const p = v.value;
  const stages: Prisma.DealStageCreateWithoutPipelineInput[] = [];
  for (const [position, s] of p.stages.entries()) {
    const canonical = stageCanonical(s, p.vocabulary);
    if (!canonical.ok) return canonical;
    stages.push({
      name: s.name,
      probability: s.probability,
      position,
      canonical_status: canonical.value ?? null,
      is_won: s.is_won ?? false,
      is_lost: s.is_lost ?? false,
    });
  }
  try {
    return await transact(deps, async ({ tx, now }) => {
      let ownerId: string | null = null;
      if (createsOwnRows(scope) || p.owner_id !== undefined) {
        const owner = await resolveOwner(tx, scope, p.owner_id);
        if (!owner.ok) return owner;
        ownerId = owner.value;
      }
      if (await tx.dealPipeline.findFirst({ where: { owner_id: ownerId, name: p.name }, select: { id: true } })) {
        return fail("CONFLICT", `a pipeline named "${p.name}" already exists`);
      }
      const pipeline = await tx.dealPipeline.create({
        data: {
          name: p.name,
          kind: p.kind,
          owner_id: ownerId,
          created_at: now,
          stages: { create: stages.map((s) => ({ ...s, created_at: now })) },
        },
        include: { stages: { orderBy: { position: "asc" } } },
      });
      return ok(pipeline);
    });
  } catch (err) {
    if (isUniqueViolation(err)) return fail("CONFLICT", `a pipeline named "${p.name}" already exists`);
    throw err;
  }
}

/** A pipeline the scope may change: its own; shared ones only with an admin key. */
async function changeablePipeline(db: Db, scope: ApiScope, id: string): Promise<Result<DealPipeline>> {
  const pipeline = await visiblePipeline(db, scope, id);
  if (!pipeline) return notFound("pipeline");
  if (!canChange(scope, pipeline.owner_id)) {
    return fail("FORBIDDEN", "shared pipelines are changed with an admin key");
  }
  return ok(pipeline);
}

/** Write positions 0..n-1 in the given order. */
async function renumber(tx: Db, ordered: readonly DealStage[]): Promise<void> {
  for (const [position, s] of ordered.entries()) {
    if (s.position !== position) await tx.dealStage.update({ where: { id: s.id }, data: { position } });
  }
}

/** Add a stage at `position` (others move right) or at the end. Stage names are unique per pipeline. */
export async function addStage(
  deps: CoreDeps,
  scope: ApiScope,
  pipelineId: string,
  input: unknown,
): Promise<Result<DealStage>> {
  const v = validate(stageInputSchema, input);
  if (!v.ok) return v;
  const s = v.value;
  const canonical = stageCanonical(s);
  if (!canonical.ok) return canonical;
  return transact(deps, async ({ tx, now }) => {
    const pipeline = await changeablePipeline(tx, scope, pipelineId);
    if (!pipeline.ok) return pipeline;
    const stages = await tx.dealStage.findMany({
      where: { pipeline_id: pipeline.value.id },
      orderBy: { position: "asc" },
    });
    if (stages.some((x) => x.name.toLowerCase() === s.name.toLowerCase())) {
      return fail("CONFLICT", `stage "${s.name}" already exists in this pipeline`);
    }
    const at = Math.min(s.position ?? stages.length, stages.length);
    const stage = await tx.dealStage.create({
      data: {
        pipeline_id: pipeline.value.id,
        name: s.name,
        probability: s.probability,
        position: at,
        canonical_status: canonical.value ?? null,
        is_won: s.is_won ?? false,
        is_lost: s.is_lost ?? false,
        created_at: now,
      },
    });
    await renumber(tx, [...stages.slice(0, at), stage, ...stages.slice(at)]);
    return ok(stage);
  });
}

/** Change a stage (name, probability, canonical status, won/lost) or move it to another position. */
export async function updateStage(
  deps: CoreDeps,
  scope: ApiScope,
  pipelineId: string,
  stageId: string,
  input: unknown,
): Promise<Result<DealStage>> {
  const v = validate(stageUpdateSchema, input);
  if (!v.ok) return v;
  const { position, vocabulary: _v, canonical_status: _c, ...rest } = v.value;
  const canonical = stageCanonical(v.value);
  if (!canonical.ok) return canonical;
  return transact(deps, async ({ tx }) => {
    const pipeline = await changeablePipeline(tx, scope, pipelineId);
    if (!pipeline.ok) return pipeline;
    const stages = await tx.dealStage.findMany({
      where: { pipeline_id: pipeline.value.id },
      orderBy: { position: "asc" },
    });
    const stage = stages.find((x) => x.id === stageId);
    if (!stage) return notFound("stage");
    if (rest.name && stages.some((x) => x.id !== stageId && x.name.toLowerCase() === rest.name?.toLowerCase())) {
      return fail("CONFLICT", `stage "${rest.name}" already exists in this pipeline`);
    }
    if (position !== undefined) {
      const others = stages.filter((x) => x.id !== stageId);
      others.splice(Math.min(position, others.length), 0, stage);
      await renumber(tx, others);
    }
    const data: Prisma.DealStageUncheckedUpdateInput = { ...rest };
    if (canonical.value !== undefined) data.canonical_status = canonical.value;
    return ok(await tx.dealStage.update({ where: { id: stage.id }, data }));
  });
}

/** Delete an empty stage; a stage with deals on it answers CONFLICT (move them first). */
export async function deleteStage(
  deps: CoreDeps,
  scope: ApiScope,
  pipelineId: string,
  stageId: string,
): Promise<Result<{ id: string; deleted: true }>> {
  return transact(deps, async ({ tx }) => {
    const pipeline = await changeablePipeline(tx, scope, pipelineId);
    if (!pipeline.ok) return pipeline;
    const stage = isUuid(stageId)
      ? await tx.dealStage.findFirst({ where: { id: stageId, pipeline_id: pipeline.value.id } })
      : null;
    if (!stage) return notFound("stage");
    const deals = await tx.deal.count({ where: { stage_id: stage.id } });
    if (deals > 0) return fail("CONFLICT", `stage "${stage.name}" still has ${deals} deal(s); move them first`);
    await tx.dealStage.delete({ where: { id: stage.id } });
    const rest = await tx.dealStage.findMany({
      where: { pipeline_id: pipeline.value.id },
      orderBy: { position: "asc" },
    });
    await renumber(tx, rest);
    return ok({ id: stage.id, deleted: true as const });
  });
}
