/**
 * Soft delete of templates (sequence, message and prompt templates): a deleted template is
 * hidden from every list and switched off, so it is never enrolled, sent or prompted with; the
 * row stays (sequences that ran on it keep their history) and can be restored — inactive, for a
 * person to switch on again on purpose. A prompt is deleted and restored as a whole key (all of
 * its versions), since the panel lists prompts by key.
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import { canChange, isAdmin } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { type Failure, fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type TxCtx, transact } from "../service.js";
import { templateKeyTaken } from "./message-template.service.js";
import { visibleTemplates } from "./template.service.js";

/** The three template kinds, as the panel's URLs name them. */
export const TEMPLATE_KINDS = ["sequences", "messages", "prompts"] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** True for one of TEMPLATE_KINDS. */
export function isTemplateKind(kind: string): kind is TemplateKind {
  return (TEMPLATE_KINDS as readonly string[]).includes(kind);
}

const ENTITY: Record<TemplateKind, string> = {
  sequences: "sequence_template",
  messages: "message_template",
  prompts: "prompt_template",
};

interface Row {
  id: string;
  name: string;
  deleted_at: Date | null;
}

/**
 * Set (or clear) `deleted_at` on the template and switch it off; returns the row before. A deleted
 * message template frees its key, so restoring one whose key a live template took since is a
 * CONFLICT.
 */
async function setDeleted(
  c: TxCtx,
  kind: TemplateKind,
  scope: ApiScope,
  id: string,
  at: Date | null,
): Promise<Row | Failure | null> {
  if (!isUuid(id)) return null;
  const off = at ? { is_active: false } : {};
  if (kind === "sequences") {
    const t = await c.tx.sequenceTemplate.findFirst({ where: { id, ...visibleTemplates(scope) } });
    if (!t || !canChange(scope, t.owner_id)) return null;
    await c.tx.sequenceTemplate.update({ where: { id }, data: { deleted_at: at, ...off, updated_at: c.now } });
    return t;
  }
  if (kind === "messages") {
    const t = await c.tx.messageTemplate.findFirst({ where: { id, ...visibleTemplates(scope) } });
    if (!t || !canChange(scope, t.owner_id)) return null;
    const twin =
      !at &&
      t.deleted_at !== null &&
      (await templateKeyTaken(c.tx, { owner_id: t.owner_id, key: t.key, language: t.language }));
    if (twin)
      return fail("CONFLICT", `a live template "${t.key}" in "${t.language}" took this key; delete or rename it first`);
    await c.tx.messageTemplate.update({ where: { id }, data: { deleted_at: at, ...off, updated_at: c.now } });
    return t;
  }
  // Prompts are the platform's: only an admin changes them.
  const p = isAdmin(scope) ? await c.tx.promptTemplate.findUnique({ where: { id } }) : null;
  if (p) await c.tx.promptTemplate.updateMany({ where: { key: p.key }, data: { deleted_at: at, ...off } });
  return p;
}

async function change(
  deps: CoreDeps,
  kind: TemplateKind,
  scope: ApiScope,
  id: string,
  deleting: boolean,
  actor: AuditActor,
): Promise<Result<{ id: string; kind: TemplateKind; deleted: boolean }>> {
  return transact(deps, async (c) => {
    const before = await setDeleted(c, kind, scope, id, deleting ? c.now : null);
    if (!before) return fail("NOT_FOUND", "template not found");
    if ("ok" in before) return before;
    if (deleting === (before.deleted_at !== null)) {
      return fail("CONFLICT", deleting ? "this template is deleted already" : "this template is not deleted");
    }
    await writeAudit(c.tx, {
      actor,
      action: `${ENTITY[kind]}.${deleting ? "deleted" : "restored"}`,
      entityType: ENTITY[kind],
      entityId: before.id,
      before: { name: before.name, deleted_at: before.deleted_at },
      after: { deleted_at: deleting ? c.now : null },
      at: c.now,
    });
    return ok({ id: before.id, kind, deleted: deleting });
  });
}

/**
 * Soft-delete a template the scope may change (a prompt: its whole key): hidden from lists,
 * switched off, audited. Deleting a deleted one is a CONFLICT.
 */
export function deleteTemplate(deps: CoreDeps, kind: TemplateKind, scope: ApiScope, id: string, actor: AuditActor) {
  return change(deps, kind, scope, id, true, actor);
}

/** Bring a soft-deleted template back into the lists, still switched off. Audited. */
export function restoreTemplate(deps: CoreDeps, kind: TemplateKind, scope: ApiScope, id: string, actor: AuditActor) {
  return change(deps, kind, scope, id, false, actor);
}
