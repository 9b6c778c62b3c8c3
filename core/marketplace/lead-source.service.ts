import { z } from "zod";
import type { LeadSource } from "../../prisma/generated/client.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { fromCents, toCents } from "../money.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { windowSecondsSchema } from "./settings.js";

/** A slug as leads and webhooks name a source: lower-case letters, digits, `_` and `-`. */
export const LEAD_SOURCE_SLUG = /^[a-z0-9][a-z0-9_-]{1,49}$/;

const cost = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d{1,2})?$/, 'must be an amount like 25 or "25.00"'),
  ])
  .transform((v) => Number(v))
  .refine((v) => Number.isFinite(v) && v > 0 && v < 1e6, "must be more than 0 and less than 1,000,000")
  .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, "must have at most two decimals (cents)");

const fields = {
  name: z.string().trim().min(1, "must not be empty").max(100),
  bidding_window_seconds: windowSecondsSchema,
  base_lead_cost: cost,
};

/** A new lead source (admin): slug, name, bidding window and base lead cost. */
export const leadSourceInputSchema = z
  .object({
    slug: z.string().trim().regex(LEAD_SOURCE_SLUG, "2–50 lower-case letters, digits, _ or -"),
    ...fields,
  })
  .strict();

/** A change to a lead source: any of its fields, or `retired` to retire (true) or restore (false) it. */
export const leadSourceUpdateSchema = z
  .object({
    name: fields.name.optional(),
    bidding_window_seconds: fields.bidding_window_seconds.optional(),
    base_lead_cost: fields.base_lead_cost.optional(),
    retired: z.boolean().optional(),
  })
  .strict();

/** A lead source as the API answers it. */
export function presentLeadSource(s: LeadSource) {
  return {
    slug: s.slug,
    name: s.display_name,
    bidding_window_seconds: s.bidding_window_seconds,
    base_lead_cost: fromCents(toCents(s.default_base_lead_cost)),
    retired: s.retired_at !== null,
    retired_at: s.retired_at?.toISOString() ?? null,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}
export type LeadSourceView = ReturnType<typeof presentLeadSource>;

/** Every lead source, active ones first, then by name (retired ones only when asked). */
export async function listLeadSources(
  deps: CoreDeps,
  opts: { includeRetired?: boolean } = {},
): Promise<LeadSourceView[]> {
  const rows = await deps.prisma.leadSource.findMany({
    where: opts.includeRetired ? {} : { retired_at: null },
    orderBy: [{ display_name: "asc" }, { slug: "asc" }],
  });
  return rows.sort((a, b) => Number(a.retired_at !== null) - Number(b.retired_at !== null)).map(presentLeadSource);
}

/** One lead source by slug. */
export async function getLeadSource(deps: CoreDeps, slug: string): Promise<Result<LeadSourceView>> {
  if (!LEAD_SOURCE_SLUG.test(slug)) return fail("NOT_FOUND", "lead source not found");
  const row = await deps.prisma.leadSource.findUnique({ where: { slug } });
  return row ? ok(presentLeadSource(row)) : fail("NOT_FOUND", "lead source not found");
}

/**
 * Add a lead source; leads naming it are taken in at once. Its bidding window is more than 0
 * and less than 7 days and its base cost positive; a slug in use is a CONFLICT. Audited.
 */
export async function createLeadSource(
  deps: CoreDeps,
  input: unknown,
  actor: AuditActor,
): Promise<Result<LeadSourceView>> {
  const v = validate(leadSourceInputSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  return transact(deps, async ({ tx, now }) => {
    const created = await tx.leadSource.createManyAndReturn({
      data: [
        {
          slug: d.slug,
          display_name: d.name,
          bidding_window_seconds: d.bidding_window_seconds,
          default_base_lead_cost: fromCents(toCents(d.base_lead_cost)),
          created_at: now,
          updated_at: now,
        },
      ],
      skipDuplicates: true,
    });
    const row = created[0];
    if (!row)
      return fail("CONFLICT", `lead source "${d.slug}" already exists`, [
        { field: "slug", message: "a lead source with this slug already exists" },
      ]);
    const view = presentLeadSource(row);
    await writeAudit(tx, {
      actor,
      action: "lead_source.created",
      entityType: "lead_source",
      entityId: row.slug,
      after: view,
      at: now,
    });
    return ok(view);
  });
}

/**
 * Edit a lead source (name, bidding window, base cost) or retire/restore it. The change applies
 * to the next lead: a lead already taken in keeps its closing time and base cost. A retired
 * source takes no new leads; its past leads keep it. Audited with before and after.
 */
export async function updateLeadSource(
  deps: CoreDeps,
  slug: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<LeadSourceView>> {
  if (!LEAD_SOURCE_SLUG.test(slug)) return fail("NOT_FOUND", "lead source not found");
  const v = validate(leadSourceUpdateSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  return transact(deps, async ({ tx, now }) => {
    const [locked] = await tx.$queryRaw<Array<{ slug: string }>>`
      SELECT slug FROM lead_sources WHERE slug = ${slug} FOR UPDATE`;
    if (!locked) return fail("NOT_FOUND", "lead source not found");
    const before = await tx.leadSource.findUniqueOrThrow({ where: { slug } });
    const retiredAt = d.retired === undefined ? undefined : d.retired ? (before.retired_at ?? now) : null;
    const after = await tx.leadSource.update({
      where: { slug },
      data: {
        display_name: d.name,
        bidding_window_seconds: d.bidding_window_seconds,
        default_base_lead_cost: d.base_lead_cost === undefined ? undefined : fromCents(toCents(d.base_lead_cost)),
        retired_at: retiredAt,
        updated_at: now,
      },
    });
    const action =
      d.retired === true && !before.retired_at
        ? "lead_source.retired"
        : d.retired === false && before.retired_at
          ? "lead_source.restored"
          : "lead_source.updated";
    const view = presentLeadSource(after);
    await writeAudit(tx, {
      actor,
      action,
      entityType: "lead_source",
      entityId: slug,
      before: presentLeadSource(before),
      after: view,
      at: now,
    });
    return ok(view);
  });
}
