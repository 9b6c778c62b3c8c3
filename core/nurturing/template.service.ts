/**
 * Sequence templates from the panel and the API: list, create, edit, preview. Platform
 * templates (no owner) are visible to everyone and edited by admins; a contractor's own
 * templates only by them (and admins).
 */
import type { SequenceTemplate } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { canChange, isAdmin, ownerFor, sharedOrOwnedBy } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { checkTemplate, renderHtml, renderText, type TemplateVars } from "../messaging/templates.js";
import { transact } from "../service.js";
import { delayMsOf, parseSteps, parseTemplateInput, parseTemplateUpdate } from "./template.js";

/** Templates a scope may see: all for an admin; the platform's and their own for a contractor. */
export function visibleTemplates(scope: ApiScope): ReturnType<typeof sharedOrOwnedBy> {
  return sharedOrOwnedBy(scope);
}

/** Check that an admin-named owner is a contractor or marketer; a contractor always owns what they create. */
export async function resolveOwner(
  db: Db,
  scope: ApiScope,
  requested: string | null | undefined,
): Promise<Result<string | null>> {
  if (!isAdmin(scope)) {
    const owner = ownerFor(scope, requested);
    return owner === null ? fail("FORBIDDEN", "a contractor key can only create its own templates") : ok(owner);
  }
  if (requested == null) return ok(null);
  const user = isUuid(requested)
    ? await db.user.findUnique({ where: { id: requested }, select: { role: true } })
    : null;
  if (!user || (user.role !== "contractor" && user.role !== "marketer"))
    return fail("NOT_FOUND", "owner_id is not a contractor or marketer", [{ field: "owner_id" }]);
  return ok(requested);
}

/** List the sequence templates a scope may see (not deleted), newest first. */
export async function listSequenceTemplates(
  deps: CoreDeps,
  scope: ApiScope,
  filter: { trigger_type?: string; is_active?: boolean } = {},
): Promise<SequenceTemplate[]> {
  return deps.prisma.sequenceTemplate.findMany({
    where: {
      ...visibleTemplates(scope),
      deleted_at: null,
      ...(filter.trigger_type ? { trigger_type: filter.trigger_type } : {}),
      ...(filter.is_active !== undefined ? { is_active: filter.is_active } : {}),
    },
    orderBy: [{ created_at: "desc" }, { name: "asc" }],
  });
}

/** One audit row for a sequence template change: its name, trigger, steps and state before and after. */
async function auditSequenceTemplate(
  tx: Db,
  actor: AuditActor,
  action: string,
  before: SequenceTemplate | null,
  after: SequenceTemplate,
  now: Date,
): Promise<void> {
  const fieldsOf = (t: SequenceTemplate) => ({
    name: t.name,
    trigger_type: t.trigger_type,
    steps: t.steps,
    is_active: t.is_active,
  });
  await writeAudit(tx, {
    actor,
    action,
    entityType: "sequence_template",
    entityId: after.id,
    before: before ? fieldsOf(before) : undefined,
    after: fieldsOf(after),
    at: now,
  });
}

/** Create a template after validating every step (errors name the step). Audited when an `actor` is named. */
export async function createSequenceTemplate(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<SequenceTemplate>> {
  const parsed = parseTemplateInput(input);
  if (!parsed.ok) return parsed;
  const { owner_id: requested, ...data } = parsed.value;
  return transact(deps, async ({ tx, now }) => {
    const owner = await resolveOwner(tx, scope, requested);
    if (!owner.ok) return owner;
    const created = await tx.sequenceTemplate.create({
      data: { ...data, owner_id: owner.value, created_at: now, updated_at: now },
    });
    if (actor) await auditSequenceTemplate(tx, actor, "sequence_template.created", null, created, now);
    return ok(created);
  });
}

/** Load a template the scope may edit: 404 when invisible, 403 for a contractor on a platform template. */
async function editable(db: Db, scope: ApiScope, id: string): Promise<Result<SequenceTemplate>> {
  const t = isUuid(id) ? await db.sequenceTemplate.findFirst({ where: { id, ...visibleTemplates(scope) } }) : null;
  if (!t) return fail("NOT_FOUND", "sequence template not found");
  if (!canChange(scope, t.owner_id)) return fail("FORBIDDEN", "platform templates are edited by an admin");
  return ok(t);
}

/**
 * Edit a template. Running sequences keep the texts they were enrolled with; new enrolments
 * use the new steps. Audited when an `actor` is named.
 */
export async function updateSequenceTemplate(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<SequenceTemplate>> {
  const parsed = parseTemplateUpdate(input);
  if (!parsed.ok) return parsed;
  return transact(deps, async ({ tx, now }) => {
    const t = await editable(tx, scope, id);
    if (!t.ok) return t;
    const updated = await tx.sequenceTemplate.update({
      where: { id: t.value.id },
      data: { ...parsed.value, updated_at: now },
    });
    if (actor) await auditSequenceTemplate(tx, actor, "sequence_template.updated", t.value, updated, now);
    return ok(updated);
  });
}

/** One rendered step of a preview. */
export interface PreviewStep {
  step: number;
  delay: string;
  /** Milliseconds after enrolment (before quiet-hours deferral). */
  offset_ms: number;
  channel: string;
  subject: string | null;
  text: string;
  html: string | null;
  missing: string[];
}

export interface Preview {
  steps: PreviewStep[];
  errors: Array<{ step: number | null; field: string | null; message: string }>;
}

/** Sample values used where the caller gave none (the panel's previews use them too). */
export function sampleVars(deps: CoreDeps, sample: TemplateVars): TemplateVars {
  return {
    first_name: "Alex",
    last_name: "Rivera",
    name: "Alex Rivera",
    company: "Desert Breeze HVAC",
    company_name: "Desert Breeze HVAC",
    contractor_name: "Sam Carter",
    contractor_phone: "+16025550100",
    link: `${deps.config.publicUrl}/t/preview`,
    est_value: "$18,000.00",
    asset_brand: "Rheem",
    asset_age_years: "12",
    opportunity_type: "replacement",
    property_address: "100 N Central Ave",
    property_city: "Phoenix",
    property_zip: "85004",
    ...sample,
  };
}

/**
 * Render steps with sample data (the caller's values over built-in samples) for the panel:
 * each step's text (and e-mail subject and HTML), or the validation errors naming the step
 * (unknown placeholders, bad delays…). Steps are rendered even when some are invalid.
 */
export function previewSteps(deps: CoreDeps, steps: unknown, sample: TemplateVars = {}): Preview {
  const vars = sampleVars(deps, sample);
  const parsed = parseSteps(steps);
  const errors: Preview["errors"] = parsed.ok
    ? []
    : ((parsed.details as Preview["errors"] | undefined) ?? [{ step: null, field: null, message: parsed.message }]);
  const list = Array.isArray(steps) ? steps : [];
  let offset = 0;
  const rendered = list.map((raw, i): PreviewStep => {
    const s = (raw ?? {}) as Record<string, unknown>;
    const text = typeof s.text === "string" ? s.text : "";
    const subject = typeof s.subject === "string" ? s.subject : null;
    const delay = typeof s.delay === "string" ? s.delay : "";
    offset += delayMsOf({ delay });
    for (const e of [...checkTemplate(text), ...(subject ? checkTemplate(subject) : [])]) {
      if (!errors.some((x) => x.step === i + 1 && x.message.endsWith(e.message)))
        errors.push({ step: i + 1, field: `steps.${i}.text`, message: `step ${i + 1}: ${e.message}` });
    }
    const body = renderText(text, vars);
    const email = s.channel === "email";
    return {
      step: i + 1,
      delay,
      offset_ms: offset,
      channel: typeof s.channel === "string" ? s.channel : "",
      subject: email ? renderText(subject ?? `A note from ${vars.company_name}`, vars).text : null,
      text: body.text,
      html: email ? renderHtml(text, vars).text : null,
      missing: body.missing,
    };
  });
  return { steps: rendered, errors };
}

/** Preview a stored template the scope may see. */
export async function previewSequenceTemplate(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  sample: TemplateVars = {},
): Promise<Result<Preview>> {
  const t = isUuid(id)
    ? await deps.prisma.sequenceTemplate.findFirst({ where: { id, ...visibleTemplates(scope) } })
    : null;
  if (!t) return fail("NOT_FOUND", "sequence template not found");
  return ok(previewSteps(deps, t.steps, sample));
}
