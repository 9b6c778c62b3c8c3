/**
 * Message templates (chat notices, nurture e-mails, blasts) from the panel and the API. One per
 * (owner, key, language); platform templates have no owner. Placeholders are checked on save,
 * so an unknown `{{name}}` never reaches a customer.
 */
import { z } from "zod";
import type { MessageTemplate } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { canChange } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { ALL_PLACEHOLDERS, checkTemplate } from "../messaging/templates.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { resolveOwner, visibleTemplates } from "./template.service.js";

const placeholders = (field: "body" | "subject") => (text: string | null | undefined, ctx: z.RefinementCtx) => {
  if (!text) return;
  for (const e of checkTemplate(text, ALL_PLACEHOLDERS))
    ctx.addIssue({ code: "custom", path: [field], message: e.message });
};

const fields = {
  key: z.string().regex(/^[a-z0-9_]{1,100}$/, "key is lower-case letters, digits and underscores"),
  name: z.string().trim().min(1).max(255),
  channel: z.enum(["telegram", "whatsapp", "email", "sms", "sandbox"]).nullable().optional(),
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'language is a code such as "en" or "da"'),
  subject: z.string().trim().max(255).nullable().optional(),
  body: z.string().min(1, "body must not be empty").max(10_000),
  is_active: z.boolean().optional(),
  wa_approved: z.boolean().optional(),
};

/** A new message template. */
export const messageTemplateInputSchema = z
  .object({ ...fields, language: fields.language.default("en"), owner_id: z.string().nullable().optional() })
  .strict()
  .superRefine((v, ctx) => {
    placeholders("body")(v.body, ctx);
    placeholders("subject")(v.subject, ctx);
  });

/** A change to a message template (any subset of the fields). */
export const messageTemplateUpdateSchema = z
  .object(fields)
  .partial()
  .strict()
  .superRefine((v, ctx) => {
    placeholders("body")(v.body, ctx);
    placeholders("subject")(v.subject, ctx);
  });

const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === "P2002";

/**
 * Whether a live (not deleted) template of this owner already has the key in this language: a
 * deleted template frees its key (the unique index covers live rows only).
 */
export async function templateKeyTaken(
  db: Db,
  where: { owner_id: string | null; key: string; language: string; not?: string },
): Promise<boolean> {
  const found = await db.messageTemplate.findFirst({
    where: {
      owner_id: where.owner_id,
      key: where.key,
      language: where.language,
      deleted_at: null,
      ...(where.not ? { id: { not: where.not } } : {}),
    },
    select: { id: true },
  });
  return found !== null;
}

const conflict = (key: string, language: string) =>
  fail("CONFLICT", `a template "${key}" in "${language}" already exists for this owner`);

/** List the message templates a scope may see (the platform's and their own; not deleted). */
export async function listMessageTemplates(
  deps: CoreDeps,
  scope: ApiScope,
  filter: { key?: string; language?: string } = {},
): Promise<MessageTemplate[]> {
  return deps.prisma.messageTemplate.findMany({
    where: {
      ...visibleTemplates(scope),
      deleted_at: null,
      ...(filter.key ? { key: filter.key } : {}),
      ...(filter.language ? { language: filter.language } : {}),
    },
    orderBy: [{ key: "asc" }, { language: "asc" }],
  });
}

/**
 * Create a message template; a second one with the same owner, key and language is a CONFLICT.
 * Audited when an `actor` is named.
 */
export async function createMessageTemplate(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<MessageTemplate>> {
  const parsed = validate(messageTemplateInputSchema, input);
  if (!parsed.ok) return parsed;
  const { owner_id: requested, ...data } = parsed.value;
  try {
    return await transact(deps, async ({ tx, now }) => {
      const owner = await resolveOwner(tx, scope, requested);
      if (!owner.ok) return owner;
      if (await templateKeyTaken(tx, { owner_id: owner.value, key: data.key, language: data.language }))
        return conflict(data.key, data.language);
      const created = await tx.messageTemplate.create({
        data: { ...data, owner_id: owner.value, created_at: now, updated_at: now },
      });
      if (actor) await auditTemplate(tx, actor, "message_template.created", null, created, now);
      return ok(created);
    });
  } catch (err) {
    if (isUniqueViolation(err)) return conflict(data.key, data.language);
    throw err;
  }
}

/** One audit row for a template change: the editable fields before and after. */
async function auditTemplate(
  tx: Db,
  actor: AuditActor,
  action: string,
  before: MessageTemplate | null,
  after: MessageTemplate,
  now: Date,
): Promise<void> {
  const fieldsOf = (t: MessageTemplate) => ({
    key: t.key,
    name: t.name,
    channel: t.channel,
    language: t.language,
    subject: t.subject,
    body: t.body,
    is_active: t.is_active,
  });
  await writeAudit(tx, {
    actor,
    action,
    entityType: "message_template",
    entityId: after.id,
    before: before ? fieldsOf(before) : undefined,
    after: fieldsOf(after),
    at: now,
  });
}

/**
 * Edit a message template (or (de)activate it): admins any; a contractor only their own (403 on
 * the platform's). Audited when an `actor` is named.
 */
export async function updateMessageTemplate(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<MessageTemplate>> {
  const parsed = validate(messageTemplateUpdateSchema, input);
  if (!parsed.ok) return parsed;
  try {
    return await transact(deps, async ({ tx, now }) => {
      const t = isUuid(id) ? await tx.messageTemplate.findFirst({ where: { id, ...visibleTemplates(scope) } }) : null;
      if (!t) return fail("NOT_FOUND", "message template not found");
      if (!canChange(scope, t.owner_id)) return fail("FORBIDDEN", "platform templates are edited by an admin");
      const key = parsed.value.key ?? t.key;
      const language = parsed.value.language ?? t.language;
      if (await templateKeyTaken(tx, { owner_id: t.owner_id, key, language, not: t.id }))
        return conflict(key, language);
      const updated = await tx.messageTemplate.update({
        where: { id: t.id },
        data: { ...parsed.value, updated_at: now },
      });
      if (actor) await auditTemplate(tx, actor, "message_template.updated", t, updated, now);
      return ok(updated);
    });
  } catch (err) {
    if (isUniqueViolation(err)) return conflict(parsed.value.key ?? "", parsed.value.language ?? "");
    throw err;
  }
}
