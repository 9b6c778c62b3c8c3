/**
 * Technicians (seed 004): the people of a contractor who do the jobs. Per owner; a technician
 * who leaves is made inactive rather than deleted, so their jobs, reviews and ratings stay.
 */
import type { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import type { AuditActor } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { resolveOwner } from "../crm/owned.js";
import { ok, type Result } from "../errors.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { auditRecord, listOwnerWhere, ownedRecord, presentedPage } from "./owned-records.js";
import { presentTechnician } from "./present.js";
import { type TechnicianListQuery, technicianCreateSchema, technicianUpdateSchema } from "./record-input.js";

type Presented = ReturnType<typeof presentTechnician>;

/** Skills as given, trimmed, each once (case-insensitively), in the order given. */
function distinctSkills(skills: string[] | undefined): string[] | undefined {
  if (!skills) return undefined;
  const seen = new Set<string>();
  return skills.filter((s) => !seen.has(s.toLowerCase()) && seen.add(s.toLowerCase()));
}

/** Add a technician for the key's owner (an admin key names `owner_id`). */
export async function createTechnician(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Presented>> {
  const v = validate(technicianCreateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const owner = await resolveOwner(tx, scope, v.value.owner_id);
    if (!owner.ok) return owner;
    const { owner_id: _o, skills, ...fields } = v.value;
    const t = await tx.technician.create({
      data: { ...fields, skills: distinctSkills(skills) ?? [], owner_id: owner.value, created_at: now },
    });
    await auditRecord(tx, actor, now, "technician", "created", { after: t });
    return ok(presentTechnician(t));
  });
}

/** Change a technician's name, phone, e-mail, skills or active flag. */
export async function updateTechnician(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<Presented>> {
  const v = validate(technicianUpdateSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    const before = await ownedRecord(scope, "technician", id, (where) => tx.technician.findFirst({ where }));
    if (!before.ok) return before;
    const { skills, ...fields } = v.value;
    const data: Prisma.TechnicianUncheckedUpdateInput = { ...fields };
    const distinct = distinctSkills(skills);
    if (distinct) data.skills = distinct;
    const t = await tx.technician.update({ where: { id }, data });
    await auditRecord(tx, actor, now, "technician", "updated", { before: before.value, after: t });
    return ok(presentTechnician(t));
  });
}

/** One technician the scope may see. */
export async function getTechnician(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<Presented>> {
  const t = await ownedRecord(scope, "technician", id, (where) => deps.prisma.technician.findFirst({ where }));
  return t.ok ? ok(presentTechnician(t.value)) : t;
}

/** The scope's technicians by name (`active` filters; an admin key may name `owner_id`). */
export async function listTechnicians(deps: CoreDeps, scope: ApiScope, q: TechnicianListQuery) {
  const where: Prisma.TechnicianWhereInput = {
    ...listOwnerWhere(scope, q.owner_id),
    ...(q.active ? { is_active: q.active === "true" } : {}),
  };
  return presentedPage(
    q,
    () => deps.prisma.technician.count({ where }),
    (window) => deps.prisma.technician.findMany({ where, orderBy: [{ name: "asc" }, { id: "asc" }], ...window }),
    presentTechnician,
  );
}
