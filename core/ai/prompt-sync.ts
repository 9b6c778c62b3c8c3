/**
 * Keep installed prompt templates in step with the code that fills them (run at every start,
 * idempotent). The seed writes each default as version 1 and skips keys that exist, so an
 * install keeps its old prompt texts when the code changes. Here: a key with no version at all
 * gets the default as version 1; a key whose ACTIVE version uses a placeholder the code no longer
 * fills gets the current default as a NEW active version (the old one stays for the record); an
 * active version that still fits — the old default or an admin's edit — is left alone, and so is
 * a key an admin switched off (no active version).
 */
import { SYSTEM_ACTOR, writeAudit } from "../audit.js";
import type { Db, PrismaClient } from "../db.js";
import { placeholdersIn } from "../messaging/templates.js";

/** A default prompt as the code ships it, with the placeholders its caller fills. */
export interface PromptDefault {
  key: string;
  name: string;
  system: string;
  user: string;
  variables: readonly string[];
}

export type PromptSyncAction = "insert_first" | "add_version" | "keep";

/** The placeholders a stored version uses (system and user text). */
export function promptPlaceholders(p: { system_prompt: string; user_template: string }): string[] {
  return [...new Set([...placeholdersIn(p.system_prompt), ...placeholdersIn(p.user_template)])];
}

/**
 * What to do with one key (pure): nothing stored → insert the default as version 1; no active
 * version → keep (switched off on purpose); the active version uses a placeholder outside the
 * default's `variables` → add the default as a new version; otherwise keep.
 */
export function promptSyncAction(
  def: Pick<PromptDefault, "variables">,
  stored: { versions: number; active: { system_prompt: string; user_template: string } | null },
): PromptSyncAction {
  if (stored.versions === 0) return "insert_first";
  if (!stored.active) return "keep";
  const filled = new Set(def.variables);
  return promptPlaceholders(stored.active).every((p) => filled.has(p)) ? "keep" : "add_version";
}

const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === "P2002";

async function syncOne(db: PrismaClient, def: PromptDefault, now: Date): Promise<PromptSyncAction> {
  // Start-up steps run under one lock (main.ts); should two processes still race, the unique
  // (key, version) lets one write and the other roll back — its next start finds nothing to do.
  return db
    .$transaction(async (tx: Db) => {
      const versions = await tx.promptTemplate.findMany({ where: { key: def.key }, orderBy: { version: "desc" } });
      const active = versions.find((v) => v.is_active) ?? null;
      const action = promptSyncAction(def, { versions: versions.length, active });
      if (action === "keep") return action;
      const version = (versions[0]?.version ?? 0) + 1;
      await tx.promptTemplate.updateMany({ where: { key: def.key, is_active: true }, data: { is_active: false } });
      const created = await tx.promptTemplate.create({
        data: {
          key: def.key,
          version,
          name: def.name,
          system_prompt: def.system,
          user_template: def.user,
          is_active: true,
          created_at: now,
        },
      });
      if (action === "add_version") {
        await writeAudit(tx, {
          actor: SYSTEM_ACTOR,
          action: "prompt_template.default_updated",
          entityType: "prompt_template",
          entityId: created.id,
          before: { version: active?.version, placeholders: active ? promptPlaceholders(active) : [] },
          after: { version, placeholders: [...def.variables] },
          at: now,
        });
      }
      return action;
    })
    .catch((err: unknown) => {
      if (isUniqueViolation(err)) return "keep" as const;
      throw err;
    });
}

/**
 * The settings row holding, per prompt key, the placeholders the code fills (written at every
 * start from the defaults): the panel checks an edit against it (prompt-template.service.ts).
 */
export const PROMPT_PLACEHOLDERS_SETTING = "prompts.placeholders";

/**
 * Bring every default prompt's key in step (see the file comment) and record the placeholders
 * each key's caller fills; returns the keys changed, by action.
 */
export async function syncDefaultPrompts(
  db: PrismaClient,
  defaults: readonly PromptDefault[],
  now: Date,
): Promise<{ inserted: string[]; updated: string[] }> {
  const inserted: string[] = [];
  const updated: string[] = [];
  const value = Object.fromEntries(defaults.map((d) => [d.key, [...d.variables]]));
  await db.setting.upsert({
    where: { key: PROMPT_PLACEHOLDERS_SETTING },
    create: { key: PROMPT_PLACEHOLDERS_SETTING, value, updated_at: now },
    update: { value, updated_at: now },
  });
  for (const def of defaults) {
    const action = await syncOne(db, def, now);
    if (action === "insert_first") inserted.push(def.key);
    if (action === "add_version") updated.push(def.key);
  }
  return { inserted, updated };
}
