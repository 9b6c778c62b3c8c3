import { z } from "zod";
import type { User } from "../../prisma/generated/client.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { normalizePhone, normalizeZip } from "../marketplace/lead-input.js";
import { discountForRating } from "../marketplace/pricing.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";

const zipList = z
  .array(z.string())
  .max(500)
  .transform((zips, ctx) => {
    const out: string[] = [];
    for (const raw of zips) {
      const z5 = normalizeZip(raw);
      if (!z5) ctx.addIssue({ code: "custom", message: `"${raw}" is not a ZIP/postal code` });
      else if (!out.includes(z5)) out.push(z5);
    }
    return out;
  });

export const contractorInputSchema = z
  .object({
    name: z.string().trim().min(1).max(255),
    email: z.email().max(255).optional(),
    phone: z.string().max(32).optional(),
    company_name: z.string().trim().max(255).optional(),
    role: z.enum(["contractor", "marketer"]).default("contractor"),
    language: z.enum(["en", "da"]).default("en"),
    timezone: z.string().max(64).optional(),
    service_area_zip_codes: zipList.default([]),
    categories: z.array(z.string().min(1).max(60)).max(50).default([]).describe("category slugs or ids"),
    profile_rating: z.number().min(0).max(5).default(0),
    subscription_tier: z.enum(["starter", "pro", "enterprise"]).optional(),
  })
  .strict();

export const contractorUpdateSchema = contractorInputSchema
  .omit({ role: true })
  .partial()
  .extend({ account_status: z.enum(["pending", "active", "disabled"]).optional() })
  .strict();

/** Resolve category slugs or ids to ids; a failure names the unknown ones. */
async function categoryIds(deps: CoreDeps, refs: string[]): Promise<Result<string[]>> {
  if (refs.length === 0) return ok([]);
  const rows = await deps.prisma.category.findMany({
    where: { OR: [{ slug: { in: refs } }, { id: { in: refs.filter(isUuid) } }] },
    select: { id: true, slug: true },
  });
  const unknown = refs.filter((r) => !rows.some((c) => c.id === r || c.slug === r));
  if (unknown.length > 0) return fail("CATEGORY_UNKNOWN", `unknown categories: ${unknown.join(", ")}`, { unknown });
  return ok([...new Set(rows.map((c) => c.id))]);
}

function phoneOrFail(raw: string | undefined): Result<string | null> {
  if (raw === undefined) return ok(null);
  const p = normalizePhone(raw);
  return p ? ok(p) : fail("VALIDATION_FAILED", "phone: not a valid phone number", [{ field: "phone" }]);
}

const ADMIN_KEY: AuditActor = { kind: "api_key", userId: null };

/** Create a contractor or marketer; their discount follows their rating. Audited as `actor`. */
export async function createContractor(
  deps: CoreDeps,
  input: unknown,
  actor: AuditActor = ADMIN_KEY,
): Promise<Result<User>> {
  const v = validate(contractorInputSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  const cats = await categoryIds(deps, d.categories);
  if (!cats.ok) return cats;
  const phone = phoneOrFail(d.phone);
  if (!phone.ok) return phone;
  return transact(deps, async ({ tx, now }) => {
    if (d.email && (await tx.user.findUnique({ where: { email: d.email.toLowerCase() } }))) {
      return fail("CONFLICT", "a user with this e-mail already exists", { field: "email" });
    }
    const user = await tx.user.create({
      data: {
        name: d.name,
        email: d.email?.toLowerCase() ?? null,
        phone: phone.value,
        company_name: d.company_name ?? null,
        role: d.role,
        is_contractor: d.role === "contractor",
        language: d.language,
        timezone: d.timezone ?? deps.config.defaultTimezone,
        service_area_zip_codes: d.service_area_zip_codes,
        contractor_categories: cats.value,
        profile_rating: d.profile_rating.toFixed(2),
        lead_discount_multiplier: discountForRating(d.profile_rating).toFixed(2),
        subscription_tier: d.subscription_tier ?? null,
        created_at: now,
        updated_at: now,
      },
    });
    await tx.contractorMetrics.create({ data: { contractor_id: user.id, updated_at: now } });
    await writeAudit(tx, { actor, action: "contractor.created", entityType: "user", entityId: user.id, at: now });
    return ok(user);
  });
}

/** Update a contractor's profile (ZIPs, categories, rating → discount, status). Audited as `actor`. */
export async function updateContractor(
  deps: CoreDeps,
  id: string,
  input: unknown,
  actor: AuditActor = ADMIN_KEY,
): Promise<Result<User>> {
  if (!isUuid(id)) return fail("NOT_FOUND", "contractor not found");
  const v = validate(contractorUpdateSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  const cats = d.categories ? await categoryIds(deps, d.categories) : ok(undefined);
  if (!cats.ok) return cats;
  const phone = phoneOrFail(d.phone);
  if (!phone.ok) return phone;
  return transact(deps, async ({ tx, now }) => {
    const before = await tx.user.findUnique({ where: { id } });
    if (!before || (before.role !== "contractor" && before.role !== "marketer"))
      return fail("NOT_FOUND", "contractor not found");
    const user = await tx.user.update({
      where: { id },
      data: {
        name: d.name,
        email: d.email?.toLowerCase(),
        phone: d.phone === undefined ? undefined : phone.value,
        company_name: d.company_name,
        language: d.language,
        timezone: d.timezone,
        service_area_zip_codes: d.service_area_zip_codes,
        contractor_categories: cats.value,
        profile_rating: d.profile_rating?.toFixed(2),
        lead_discount_multiplier:
          d.profile_rating === undefined ? undefined : discountForRating(d.profile_rating).toFixed(2),
        subscription_tier: d.subscription_tier,
        account_status: d.account_status,
        updated_at: now,
      },
    });
    await writeAudit(tx, { actor, action: "contractor.updated", entityType: "user", entityId: id, after: d, at: now });
    return ok(user);
  });
}

/**
 * A one-time code that links a chat to this account (`/start CODE`), valid for 24 hours.
 * Codes are 8 characters from an alphabet without look-alikes, easy to type on a phone.
 * With an `actor` (panel, API) it is audited — the expiry only, never the code.
 */
export async function createLinkCode(
  deps: CoreDeps,
  userId: string,
  actor?: AuditActor,
): Promise<Result<{ code: string; expires_at: Date }>> {
  if (!isUuid(userId)) return fail("NOT_FOUND", "user not found");
  const user = await deps.prisma.user.findUnique({ where: { id: userId }, select: { id: true } });
  if (!user) return fail("NOT_FOUND", "user not found");
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const raw = deps.ids.token(12);
  const code = Array.from(raw.slice(0, 8), (ch) => alphabet[ch.charCodeAt(0) % alphabet.length]).join("");
  return transact(deps, async ({ tx, now }) => {
    const expires_at = new Date(now.getTime() + 24 * 3600_000);
    await tx.linkCode.create({ data: { code, user_id: userId, expires_at, created_at: now } });
    if (actor) {
      const after = { expires_at };
      await writeAudit(tx, {
        actor,
        action: "contractor.link_code_created",
        entityType: "user",
        entityId: userId,
        after,
        at: now,
      });
    }
    return ok({ code, expires_at });
  });
}
