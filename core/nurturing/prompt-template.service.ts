/**
 * LLM prompt templates (seed 004), edited from the panel. A prompt is versioned: saving a
 * change writes the next version of its key and makes it the active one; older versions stay
 * for the record and can be re-activated. One version per key is active at a time.
 *
 * A prompt's `{{placeholders}}` are filled by the code that calls the LLM, so the contract is
 * the first version's placeholders: a later version may use fewer, never one the caller does
 * not fill.
 */
import { z } from "zod";
import type { PromptTemplate } from "../../prisma/generated/client.js";
import { PROMPT_PLACEHOLDERS_SETTING } from "../ai/prompt-sync.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { checkTemplate, placeholdersIn, renderText } from "../messaging/templates.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import { sampleVars } from "./template.service.js";

/** What the panel may change on a prompt (a new version is written). */
export const promptEditSchema = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(255, "name must be at most 255 characters"),
  system_prompt: z
    .string()
    .trim()
    .min(1, "system prompt must not be empty")
    .max(20_000, "system prompt must be at most 20000 characters"),
  user_template: z
    .string()
    .trim()
    .min(1, "user template must not be empty")
    .max(20_000, "user template must be at most 20000 characters"),
  model: z
    .string()
    .trim()
    .max(100, "model must be at most 100 characters")
    .regex(/^[A-Za-z0-9._:/-]*$/, "model is a model name such as gpt-4o-mini")
    .transform((m) => (m === "" ? null : m)),
});
export type PromptEdit = z.output<typeof promptEditSchema>;

/** Every prompt version not deleted, by key then newest version first. */
export async function listPromptTemplates(deps: CoreDeps): Promise<PromptTemplate[]> {
  return deps.prisma.promptTemplate.findMany({
    where: { deleted_at: null },
    orderBy: [{ key: "asc" }, { version: "desc" }],
  });
}

/** One version and all versions of its key (newest first), or NOT_FOUND. */
export async function getPromptTemplate(
  deps: CoreDeps,
  id: string,
): Promise<Result<{ prompt: PromptTemplate; versions: PromptTemplate[] }>> {
  const prompt = isUuid(id) ? await deps.prisma.promptTemplate.findUnique({ where: { id } }) : null;
  if (!prompt) return fail("NOT_FOUND", "prompt template not found");
  const versions = await deps.prisma.promptTemplate.findMany({
    where: { key: prompt.key },
    orderBy: { version: "desc" },
  });
  return ok({ prompt, versions });
}

/**
 * The placeholders a key's callers fill: as the code declares them (the `prompts.placeholders`
 * settings row, written at every start by core/ai/prompt-sync.ts), else those of its first
 * version (null for a new key: any).
 */
async function contractOf(deps: CoreDeps, key: string): Promise<string[] | null> {
  const declared = await deps.prisma.setting.findUnique({ where: { key: PROMPT_PLACEHOLDERS_SETTING } });
  const list = (declared?.value as Record<string, unknown> | null)?.[key];
  if (Array.isArray(list) && list.every((v) => typeof v === "string")) return list as string[];
  const first = await deps.prisma.promptTemplate.findFirst({ where: { key }, orderBy: { version: "asc" } });
  return first ? [...new Set([...placeholdersIn(first.system_prompt), ...placeholdersIn(first.user_template)])] : null;
}

/** Placeholder errors per field ("system_prompt", "user_template") against the key's contract. */
function placeholderErrors(edit: Pick<PromptEdit, "system_prompt" | "user_template">, allowed: string[] | null) {
  const errors: Array<{ field: string; message: string }> = [];
  for (const field of ["system_prompt", "user_template"] as const) {
    const text = edit[field];
    const names = allowed ?? placeholdersIn(text);
    for (const e of checkTemplate(text, names)) {
      const unknown = e.message.startsWith("unknown placeholder");
      errors.push({
        field,
        message: unknown
          ? `unknown placeholder {{${e.placeholder}}}; this prompt's caller fills ${names.join(", ") || "none"}`
          : e.message,
      });
    }
  }
  return errors;
}

/**
 * Save an edit of prompt `id` as the next version of its key and make it the only active one,
 * in one transaction. An edit that changes nothing writes nothing and returns the same version.
 * Audited when an `actor` is named.
 */
export async function savePromptVersion(
  deps: CoreDeps,
  id: string,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<PromptTemplate>> {
  const parsed = validate(promptEditSchema, input);
  if (!parsed.ok) return parsed;
  const found = await getPromptTemplate(deps, id);
  if (!found.ok) return found;
  const base = found.value.prompt;
  const errors = placeholderErrors(parsed.value, await contractOf(deps, base.key));
  if (errors.length > 0) return fail("VALIDATION_FAILED", `${errors[0]?.field}: ${errors[0]?.message}`, errors);
  const edit = parsed.value;
  const same =
    edit.name === base.name &&
    edit.system_prompt === base.system_prompt &&
    edit.user_template === base.user_template &&
    edit.model === base.model;
  if (same) return ok(base);
  return transact(deps, async ({ tx, now }) => {
    const latest = await tx.promptTemplate.findFirst({ where: { key: base.key }, orderBy: { version: "desc" } });
    await tx.promptTemplate.updateMany({ where: { key: base.key, is_active: true }, data: { is_active: false } });
    const created = await tx.promptTemplate.create({
      data: { key: base.key, version: (latest?.version ?? 0) + 1, ...edit, is_active: true, created_at: now },
    });
    if (actor) {
      const audit = { actor, action: "prompt_template.version_saved", entityType: "prompt_template", at: now };
      await writeAudit(tx, {
        ...audit,
        entityId: created.id,
        before: { id: base.id, version: base.version },
        after: created,
      });
    }
    return ok(created);
  });
}

/** Activate one version (the key's others are deactivated) or deactivate it. Audited when an `actor` is named. */
export async function setPromptActive(
  deps: CoreDeps,
  id: string,
  active: boolean,
  actor?: AuditActor,
): Promise<Result<PromptTemplate>> {
  return transact(deps, async ({ tx, now }) => {
    const prompt = isUuid(id) ? await tx.promptTemplate.findUnique({ where: { id } }) : null;
    if (!prompt) return fail("NOT_FOUND", "prompt template not found");
    if (active) {
      await tx.promptTemplate.updateMany({
        where: { key: prompt.key, is_active: true, id: { not: prompt.id } },
        data: { is_active: false },
      });
    }
    const updated = await tx.promptTemplate.update({ where: { id: prompt.id }, data: { is_active: active } });
    if (actor) {
      const audit = { actor, action: "prompt_template.activated", entityType: "prompt_template", entityId: prompt.id };
      await writeAudit(tx, {
        ...audit,
        before: { is_active: prompt.is_active },
        after: { is_active: active },
        at: now,
      });
    }
    return ok(updated);
  });
}

/** A prompt rendered with sample values, and what is wrong with it. */
export interface PromptPreview {
  system: string;
  user: string;
  errors: Array<{ field: string; message: string }>;
}

/**
 * Render a prompt (saved or being edited) with sample data: known customer placeholders get the
 * usual samples, any other placeholder a visible stand-in such as `‹interactions›`.
 */
export async function previewPrompt(
  deps: CoreDeps,
  key: string,
  edit: { system_prompt: string; user_template: string },
): Promise<PromptPreview> {
  const names = [...new Set([...placeholdersIn(edit.system_prompt), ...placeholdersIn(edit.user_template)])];
  const samples: Record<string, string> = {
    customer_name: "Alex Rivera",
    language: "en",
    status: "active",
    ...Object.fromEntries(Object.entries(sampleVars(deps, {})).map(([k, v]) => [k, String(v ?? "")])),
  };
  const vars = Object.fromEntries(names.map((n) => [n, samples[n] ?? `‹${n}›`]));
  const contract = await contractOf(deps, key);
  const fieldErrors = placeholderErrors(edit, contract);
  const empty = (["system_prompt", "user_template"] as const)
    .filter((f) => edit[f].trim() === "")
    .map((f) => ({ field: f, message: `${f.replace("_", " ")} must not be empty` }));
  return {
    system: renderText(edit.system_prompt, vars, names).text,
    user: renderText(edit.user_template, vars, names).text,
    errors: [...empty, ...fieldErrors],
  };
}

/** A new prompt key: snake_case, 2–100 characters, with its first version's fields. */
export const promptCreateSchema = promptEditSchema.extend({
  key: z
    .string()
    .trim()
    .min(2, "key must be at least 2 characters")
    .max(100, "key must be at most 100 characters")
    .regex(/^[a-z][a-z0-9_]*$/, "key is snake_case, e.g. winback_greeting"),
});

/**
 * Add a new prompt key (the panel's "New prompt"): its version 1, active. A key that exists —
 * even only as deleted versions, which can be restored — is a CONFLICT naming the field. The
 * placeholders of this first version become the key's contract. Audited when an `actor` is named.
 */
export async function createPromptKey(
  deps: CoreDeps,
  input: unknown,
  actor?: AuditActor,
): Promise<Result<PromptTemplate>> {
  const parsed = validate(promptCreateSchema, input);
  if (!parsed.ok) return parsed;
  const errors = placeholderErrors(parsed.value, null);
  if (errors.length > 0) return fail("VALIDATION_FAILED", `${errors[0]?.field}: ${errors[0]?.message}`, errors);
  const { key, ...edit } = parsed.value;
  return transact(deps, async ({ tx, now }) => {
    // Serialise two creations of one key: the unique (key, version) index answers the race too.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`prompt_key:${key}`}))`;
    const taken = await tx.promptTemplate.findFirst({ where: { key }, select: { id: true } });
    if (taken) {
      const message = `a prompt with key "${key}" exists already`;
      return fail("CONFLICT", message, [{ field: "key", message }]);
    }
    const created = await tx.promptTemplate.create({
      data: { key, version: 1, ...edit, is_active: true, created_at: now },
    });
    if (actor) {
      await writeAudit(tx, {
        actor,
        action: "prompt_template.created",
        entityType: "prompt_template",
        entityId: created.id,
        after: created,
        at: now,
      });
    }
    return ok(created);
  });
}
