import type { Prisma } from "../../prisma/generated/client.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { Config } from "../config/config.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import {
  applySettingsInput,
  defaultSettings,
  type MarketplaceSettings,
  presentSettings,
  SETTING_KEYS,
  settingsConflict,
  settingsFromRows,
  settingsInputSchema,
} from "./settings.js";

const KEYS = Object.values(SETTING_KEYS);

/**
 * The marketplace settings in force: saved values over the environment's defaults.
 * Read by every new lead (one indexed read), so a saved change applies from the next lead.
 */
export async function loadMarketplaceSettings(db: Db, config: Config): Promise<MarketplaceSettings> {
  const rows = await db.setting.findMany({ where: { key: { in: KEYS } } });
  return settingsFromRows(defaultSettings(config), new Map(rows.map((r) => [r.key, r.value])));
}

/** The settings in force and the defaults they override, as the API and the panel show them. */
export async function getMarketplaceSettings(deps: CoreDeps) {
  const current = await loadMarketplaceSettings(deps.prisma, deps.config);
  return { ...presentSettings(current), defaults: presentSettings(defaultSettings(deps.config)) };
}

/**
 * Change marketplace settings (any subset). Validated as a whole — windows in (0, 7 days),
 * discounts in (0, 1], thresholds ascending, strikes 1–100, the warning before the window ends —
 * and written with its audit row (before/after) in one transaction: a refusal writes nothing.
 * Open leads keep the values they were created with.
 */
export async function updateMarketplaceSettings(
  deps: CoreDeps,
  input: unknown,
  actor: AuditActor,
): Promise<Result<ReturnType<typeof presentSettings>>> {
  const v = validate(settingsInputSchema, input);
  if (!v.ok) return v;
  return transact(deps, async ({ tx, now }) => {
    // One change at a time: the row lock on the first key serialises concurrent saves.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('marketplace.settings'))`;
    const before = await loadMarketplaceSettings(tx, deps.config);
    const after = applySettingsInput(before, v.value);
    const conflict = settingsConflict(after);
    if (conflict) return fail("VALIDATION_FAILED", conflict.message, [conflict]);
    const values: Array<[string, Prisma.InputJsonValue]> = [];
    const d = v.value;
    if (d.response_window_seconds !== undefined)
      values.push([SETTING_KEYS.responseWindowSeconds, after.responseWindowSeconds]);
    if (d.window_warning_seconds !== undefined)
      values.push([SETTING_KEYS.windowWarningSeconds, after.windowWarningSeconds]);
    if (d.strikes_to_ban !== undefined) values.push([SETTING_KEYS.strikesToBan, after.strikesToBan]);
    if (d.discount_table !== undefined)
      values.push([SETTING_KEYS.discountTable, after.discountTable.map((t) => ({ ...t }))]);
    for (const [key, value] of values) {
      await tx.setting.upsert({
        where: { key },
        create: { key, value, updated_at: now },
        update: { value, updated_at: now },
      });
    }
    await writeAudit(tx, {
      actor,
      action: "settings.marketplace.updated",
      entityType: "setting",
      entityId: "marketplace",
      before: presentSettings(before),
      after: presentSettings(after),
      at: now,
    });
    return ok(presentSettings(after));
  });
}
