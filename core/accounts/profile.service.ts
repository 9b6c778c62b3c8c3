/**
 * A contractor's service area as they set it themselves from chat: the ZIP codes they serve and
 * the lead categories they take. A lead matches them only when both fit (DESIGN.md § Marketplace),
 * so these are what decide which offers arrive. Each change is one transaction on a locked user
 * row (two quick taps never lose one another's change) and is audited.
 */
import { contractorActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";

/** US ZIP codes as the chat takes them: exactly five digits. */
export const ZIP_PATTERN = /^\d{5}$/;
/** The most ZIP codes one contractor can serve (the panel's limit too). */
export const MAX_SERVICE_ZIPS = 500;

/** A category as the profile shows it, with whether the contractor takes it. */
export interface ProfileCategory {
  id: string;
  slug: string;
  name: string;
  selected: boolean;
}

/** A contractor's service area. */
export interface ContractorProfile {
  zips: string[];
  categories: ProfileCategory[];
}

async function profileOf(db: Db, zips: string[], categoryIds: string[]): Promise<ContractorProfile> {
  const all = await db.category.findMany({ orderBy: [{ display_name: "asc" }, { slug: "asc" }] });
  return {
    zips,
    categories: all.map((c) => ({
      id: c.id,
      slug: c.slug,
      name: c.display_name,
      selected: categoryIds.includes(c.id),
    })),
  };
}

/** Lock and read a contractor (not a marketer: the marketplace is for contractors). */
async function lockContractor(db: Db, userId: string) {
  if (!isUuid(userId)) return null;
  await db.$queryRaw`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
  const user = await db.user.findUnique({ where: { id: userId } });
  return user?.role === "contractor" ? user : null;
}

/** The contractor's service ZIPs and every category, the ones they take marked. */
export async function contractorProfile(deps: CoreDeps, userId: string): Promise<Result<ContractorProfile>> {
  if (!isUuid(userId)) return fail("NOT_FOUND", "contractor not found");
  const user = await deps.prisma.user.findUnique({ where: { id: userId } });
  if (user?.role !== "contractor") return fail("NOT_FOUND", "contractor not found");
  return ok(await profileOf(deps.prisma, user.service_area_zip_codes, user.contractor_categories));
}

/**
 * Add and/or remove service ZIP codes. Every code must be five digits, or nothing changes
 * (VALIDATION_FAILED with the bad ones in `details.invalid`); adding one already served and
 * removing one not served are harmless. `added`/`removed` say what actually changed.
 */
export async function changeServiceZips(
  deps: CoreDeps,
  input: { userId: string; add?: readonly string[]; remove?: readonly string[] },
): Promise<Result<ContractorProfile & { added: string[]; removed: string[] }>> {
  const add = (input.add ?? []).map((z) => z.trim());
  const remove = (input.remove ?? []).map((z) => z.trim());
  const invalid = [...add, ...remove].filter((z) => !ZIP_PATTERN.test(z));
  if (invalid.length > 0) return fail("VALIDATION_FAILED", "a ZIP code is five digits", { invalid });
  return transact(deps, async ({ tx, now }) => {
    const user = await lockContractor(tx, input.userId);
    if (!user) return fail("NOT_FOUND", "contractor not found");
    const before = user.service_area_zip_codes;
    const added = [...new Set(add)].filter((z) => !before.includes(z) && !remove.includes(z));
    const removed = before.filter((z) => remove.includes(z));
    const zips = [...before.filter((z) => !removed.includes(z)), ...added];
    if (zips.length > MAX_SERVICE_ZIPS) {
      return fail("VALIDATION_FAILED", `at most ${MAX_SERVICE_ZIPS} ZIP codes`, { max: MAX_SERVICE_ZIPS });
    }
    if (added.length + removed.length > 0) {
      await tx.user.update({ where: { id: user.id }, data: { service_area_zip_codes: zips, updated_at: now } });
      await writeAudit(tx, {
        actor: contractorActor(user.id),
        action: "contractor.zips_changed",
        entityType: "user",
        entityId: user.id,
        before: { service_area_zip_codes: before },
        after: { added, removed },
        at: now,
      });
    }
    return ok({ ...(await profileOf(tx, zips, user.contractor_categories)), added, removed });
  });
}

/**
 * Take or drop one category (a tap on its button toggles it, or `selected` says which way).
 * An unknown category is CATEGORY_UNKNOWN; setting the state it already has changes nothing.
 */
export async function setCategory(
  deps: CoreDeps,
  input: { userId: string; categoryId: string; selected?: boolean },
): Promise<Result<ContractorProfile & { category: ProfileCategory }>> {
  if (!isUuid(input.categoryId)) return fail("CATEGORY_UNKNOWN", "unknown category");
  return transact(deps, async ({ tx, now }) => {
    const user = await lockContractor(tx, input.userId);
    if (!user) return fail("NOT_FOUND", "contractor not found");
    const cat = await tx.category.findUnique({ where: { id: input.categoryId } });
    if (!cat) return fail("CATEGORY_UNKNOWN", "unknown category");
    const before = user.contractor_categories;
    const has = before.includes(cat.id);
    const want = input.selected ?? !has;
    const ids = want ? (has ? before : [...before, cat.id]) : before.filter((id) => id !== cat.id);
    if (want !== has) {
      await tx.user.update({ where: { id: user.id }, data: { contractor_categories: ids, updated_at: now } });
      await writeAudit(tx, {
        actor: contractorActor(user.id),
        action: want ? "contractor.category_added" : "contractor.category_removed",
        entityType: "user",
        entityId: user.id,
        after: { category: cat.slug },
        at: now,
      });
    }
    const profile = await profileOf(tx, user.service_area_zip_codes, ids);
    return ok({ ...profile, category: { id: cat.id, slug: cat.slug, name: cat.display_name, selected: want } });
  });
}
