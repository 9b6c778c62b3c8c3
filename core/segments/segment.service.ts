/**
 * Saved segments (seed 002 "Campaign Segment Builder"): a name and a validated filter, owned
 * by one contractor or marketer. Previews count and list the owner's matching customers.
 */
import { z } from "zod";
import { Prisma, type Segment } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { createsOwnRows, isAdmin, ownedBy, ownerFor } from "../accounts/visibility.js";
import { type AuditActor, apiKeyActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";
import { compileFilter } from "./compile.js";
import { type SegmentFilter, validateFilter } from "./filter.js";

/** How many customers a preview lists. */
export const PREVIEW_SIZE = 20;

const name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

/** A new segment. `filter` is checked by validateFilter, which names the offending path. */
export const segmentInputSchema = z.object({ name, filter: z.unknown(), owner_id: z.string().optional() }).strict();
export type SegmentInput = z.infer<typeof segmentInputSchema>;

/** A segment change: a new name, a new filter, or both. */
export const segmentUpdateSchema = z.object({ name: name.optional(), filter: z.unknown().optional() }).strict();
export type SegmentUpdate = z.infer<typeof segmentUpdateSchema>;

/** One customer in a preview. */
export interface PreviewCustomer {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  status: string;
  pipeline_status: string;
  lead_source: string | null;
  property_city: string | null;
  property_zip: string | null;
  last_activity_at: Date;
  opted_out: boolean;
}

/** A preview: how many match, and the first customers (newest first). Opted-out ones are shown too. */
export interface SegmentPreview {
  count: number;
  customers: PreviewCustomer[];
}

/** `c.owner_id = …` for one owner, or no restriction (an admin previewing the platform). */
function ownerCondition(ownerId: string | null): Prisma.Sql {
  return ownerId === null ? Prisma.sql`TRUE` : Prisma.sql`c.owner_id = ${ownerId}::uuid`;
}

/**
 * Count and list the customers of `ownerId` (all owners when null) that match a validated
 * filter at `now`. The owner condition is always AND-ed in; nothing else is excluded.
 */
export async function previewFilter(
  db: Db,
  ownerId: string | null,
  filter: SegmentFilter,
  now: Date,
): Promise<SegmentPreview> {
  const where = Prisma.sql`${ownerCondition(ownerId)} AND ${compileFilter(filter, now)}`;
  const [counted, customers] = await Promise.all([
    db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM customers c WHERE ${where}`,
    db.$queryRaw<PreviewCustomer[]>`
      SELECT c.id::text AS id, c.name, c.email, c.phone, c.status::text AS status,
        c.pipeline_status::text AS pipeline_status, c.lead_source, c.property_city, c.property_zip,
        c.last_activity_at, (c.opted_out_at IS NOT NULL) AS opted_out
      FROM customers c WHERE ${where}
      ORDER BY c.created_at DESC, c.id
      LIMIT ${PREVIEW_SIZE}`,
  ]);
  return { count: Number(counted[0]?.n ?? 0), customers };
}

/** A segment the scope may see, or NOT_FOUND (another owner's segment is not found, not forbidden). */
export async function getSegment(db: Db, scope: ApiScope, id: string): Promise<Result<Segment>> {
  if (!isUuid(id)) return fail("NOT_FOUND", "segment not found");
  const segment = await db.segment.findFirst({ where: { id, ...ownedBy(scope), deleted_at: null } });
  return segment ? ok(segment) : fail("NOT_FOUND", "segment not found");
}

/** The segments a scope may see, by name. */
export async function listSegments(db: Db, scope: ApiScope): Promise<Segment[]> {
  return db.segment.findMany({
    where: { ...ownedBy(scope), deleted_at: null },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
}

/** The owner a scope may act for: a contractor only itself; an admin must name one that exists. */
export async function resolveOwner(db: Db, scope: ApiScope, requested: string | undefined): Promise<Result<string>> {
  const owner = ownerFor(scope, requested);
  if (owner === null) {
    return isAdmin(scope)
      ? fail("VALIDATION_FAILED", "owner_id: required with an admin key", [{ field: "owner_id", message: "required" }])
      : fail("FORBIDDEN", "a contractor can only act for their own customers");
  }
  if (!isUuid(owner)) return fail("NOT_FOUND", "owner not found");
  const user = await db.user.findUnique({ where: { id: owner }, select: { role: true } });
  if (!user || (user.role !== "contractor" && user.role !== "marketer")) {
    return fail("NOT_FOUND", "owner not found: segments belong to a contractor or marketer");
  }
  return ok(owner);
}

/** Save a new segment for the scope's owner after validating its filter against the whitelist. */
export async function createSegment(
  deps: CoreDeps,
  scope: ApiScope,
  input: SegmentInput,
  actor: AuditActor = apiKeyActor(scope),
): Promise<Result<Segment>> {
  const filter = validateFilter(input.filter);
  if (!filter.ok) return filter;
  const owner = await resolveOwner(deps.prisma, scope, input.owner_id);
  if (!owner.ok) return owner;
  return transact(deps, async ({ tx, now }) => {
    const taken = await tx.segment.findFirst({ where: { owner_id: owner.value, name: input.name, deleted_at: null } });
    if (taken) return fail("CONFLICT", `a segment named "${input.name}" already exists`, { segment_id: taken.id });
    const segment = await tx.segment.create({
      data: {
        owner_id: owner.value,
        name: input.name,
        filter: filter.value as Prisma.InputJsonValue,
        created_at: now,
        updated_at: now,
      },
    });
    await writeAudit(tx, {
      actor,
      action: "segment.created",
      entityType: "segment",
      entityId: segment.id,
      after: { name: segment.name, filter: filter.value as Prisma.InputJsonValue },
      at: now,
    });
    return ok(segment);
  });
}

/** Rename a segment and/or replace its filter (validated like a new one). */
export async function updateSegment(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: SegmentUpdate,
  actor: AuditActor = apiKeyActor(scope),
): Promise<Result<Segment>> {
  const filter = input.filter === undefined ? null : validateFilter(input.filter);
  if (filter && !filter.ok) return filter;
  return transact(deps, async ({ tx, now }) => {
    const found = await getSegment(tx, scope, id);
    if (!found.ok) return found;
    const before = found.value;
    if (input.name !== undefined && input.name !== before.name) {
      const taken = await tx.segment.findFirst({
        where: { owner_id: before.owner_id, name: input.name, deleted_at: null },
      });
      if (taken) return fail("CONFLICT", `a segment named "${input.name}" already exists`, { segment_id: taken.id });
    }
    const segment = await tx.segment.update({
      where: { id: before.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(filter?.ok ? { filter: filter.value as Prisma.InputJsonValue } : {}),
        updated_at: now,
      },
    });
    await writeAudit(tx, {
      actor,
      action: "segment.updated",
      entityType: "segment",
      entityId: segment.id,
      before: { name: before.name, filter: before.filter as Prisma.InputJsonValue },
      after: { name: segment.name, filter: segment.filter as Prisma.InputJsonValue },
      at: now,
    });
    return ok(segment);
  });
}

/**
 * Delete a segment (soft): it leaves every list and can no longer be blasted, but the row stays,
 * so the campaigns sent to it keep their history; `restoreSegment` brings it back. Audited.
 */
export async function deleteSegment(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  actor: AuditActor = apiKeyActor(scope),
): Promise<Result<{ id: string }>> {
  return transact(deps, async ({ tx, now }) => {
    const found = await getSegment(tx, scope, id);
    if (!found.ok) return found;
    await tx.segment.update({ where: { id: found.value.id }, data: { deleted_at: now } });
    await writeAudit(tx, {
      actor,
      action: "segment.deleted",
      entityType: "segment",
      entityId: found.value.id,
      before: { name: found.value.name, filter: found.value.filter as Prisma.InputJsonValue },
      after: { deleted_at: now },
      at: now,
    });
    return ok({ id: found.value.id });
  });
}

/**
 * Restore a soft-deleted segment the scope owns. Its name must still be free among the owner's
 * segments (CONFLICT otherwise, naming the field); a segment that is not deleted is NOT_FOUND.
 */
export async function restoreSegment(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  actor: AuditActor = apiKeyActor(scope),
): Promise<Result<Segment>> {
  return transact(deps, async ({ tx, now }) => {
    const gone = isUuid(id)
      ? await tx.segment.findFirst({ where: { id, ...ownedBy(scope), deleted_at: { not: null } } })
      : null;
    if (!gone) return fail("NOT_FOUND", "no deleted segment with this id");
    const taken = await tx.segment.findFirst({ where: { owner_id: gone.owner_id, name: gone.name, deleted_at: null } });
    if (taken) return fail("CONFLICT", `a segment named "${gone.name}" exists`, [{ field: "name" }]);
    const restored = await tx.segment.update({ where: { id: gone.id }, data: { deleted_at: null, updated_at: now } });
    await writeAudit(tx, {
      actor,
      action: "segment.restored",
      entityType: "segment",
      entityId: gone.id,
      before: { deleted_at: gone.deleted_at },
      after: { deleted_at: null },
      at: now,
    });
    return ok(restored);
  });
}

/** Preview a saved segment on its owner's customers (the stored filter is re-validated first). */
export async function previewSegment(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<SegmentPreview>> {
  const found = await getSegment(deps.prisma, scope, id);
  if (!found.ok) return found;
  const filter = validateFilter(found.value.filter);
  if (!filter.ok) return filter;
  return ok(await previewFilter(deps.prisma, found.value.owner_id, filter.value, deps.clock.now()));
}

/**
 * Preview an unsaved filter. A contractor sees their own customers only; an admin previews one
 * owner's customers (`owner_id`) or, without it, the whole platform's.
 */
export async function previewUnsaved(
  deps: CoreDeps,
  scope: ApiScope,
  input: { filter: unknown; owner_id?: string },
): Promise<Result<SegmentPreview>> {
  const filter = validateFilter(input.filter);
  if (!filter.ok) return filter;
  let owner: string | null = null;
  if (createsOwnRows(scope) || input.owner_id !== undefined) {
    const resolved = await resolveOwner(deps.prisma, scope, input.owner_id);
    if (!resolved.ok) return resolved;
    owner = resolved.value;
  }
  return ok(await previewFilter(deps.prisma, owner, filter.value, deps.clock.now()));
}
