/**
 * Marketplace settings as data: the response window, the window warning, the strikes that ban
 * and the rating → discount table. The environment (RESPONSE_WINDOW, WINDOW_WARNING,
 * STRIKES_TO_BAN) and DEFAULT_DISCOUNT_TABLE are the defaults; an admin's saved values override
 * them. A lead copies the values in force when it comes in (see snapshotForLead), so a change
 * applies from the next lead and never rewrites an open one.
 */
import { z } from "zod";
import type { Config } from "../config/config.js";
import { DEFAULT_DISCOUNT_TABLE, type DiscountTier } from "./pricing.js";

/** Windows are longer than nothing and shorter than a week (issue 15). */
export const MAX_WINDOW_SECONDS = 7 * 86_400;

/** The settings in force, in the units the API speaks (seconds). */
export interface MarketplaceSettings {
  responseWindowSeconds: number;
  windowWarningSeconds: number;
  strikesToBan: number;
  /** Ascending by `minRating`. */
  discountTable: DiscountTier[];
}

/** Where each setting is stored (`settings.key`); the discount table keeps its original key. */
export const SETTING_KEYS = {
  responseWindowSeconds: "marketplace.response_window_seconds",
  windowWarningSeconds: "marketplace.window_warning_seconds",
  strikesToBan: "marketplace.strikes_to_ban",
  discountTable: "marketplace.discount_table",
} as const satisfies Record<keyof MarketplaceSettings, string>;

const ascending = (table: readonly DiscountTier[]) => [...table].sort((a, b) => a.minRating - b.minRating);

/** The defaults: the configuration (environment) and the product's discount table. */
export function defaultSettings(config: Config): MarketplaceSettings {
  return {
    responseWindowSeconds: Math.max(1, Math.round(config.marketplace.responseWindowMs / 1000)),
    windowWarningSeconds: Math.max(1, Math.round(config.marketplace.windowWarningMs / 1000)),
    strikesToBan: config.marketplace.strikesToBan,
    discountTable: ascending(DEFAULT_DISCOUNT_TABLE),
  };
}

const windowSeconds = z
  .number()
  .int("must be a whole number of seconds")
  .gt(0, "must be more than 0 seconds")
  .lt(MAX_WINDOW_SECONDS, "must be shorter than 7 days (604800 seconds)");

/** A window in whole seconds, more than 0 and less than 7 days (lead sources use it too). */
export const windowSecondsSchema = windowSeconds;

const twoDecimals = (n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9;

const tierSchema = z
  .object({
    min_rating: z.number().min(0, "must be 0–5").max(5, "must be 0–5"),
    multiplier: z
      .number()
      .gt(0, "must be more than 0")
      .max(1, "must be at most 1 (a discount never raises the price)")
      .refine(twoDecimals, "must have at most two decimals"),
  })
  .strict();

/** A settings change (any subset), as the API and the panel send it. */
export const settingsInputSchema = z
  .object({
    response_window_seconds: windowSeconds.optional(),
    window_warning_seconds: windowSeconds.optional(),
    strikes_to_ban: z
      .number()
      .int("must be a whole number")
      .min(1, "must be 1–100")
      .max(100, "must be 1–100")
      .optional(),
    discount_table: z
      .array(tierSchema)
      .max(20, "at most 20 rows")
      .superRefine((rows, ctx) => {
        for (let i = 1; i < rows.length; i++) {
          if ((rows[i]?.min_rating ?? 0) <= (rows[i - 1]?.min_rating ?? 0)) {
            ctx.addIssue({
              code: "custom",
              path: [i, "min_rating"],
              message: "rating thresholds must be in ascending order, each above the one before",
            });
          }
        }
      })
      .optional(),
  })
  .strict();
export type SettingsInput = z.output<typeof settingsInputSchema>;

/** The settings after a change (the change's fields over the current ones). */
export function applySettingsInput(current: MarketplaceSettings, input: SettingsInput): MarketplaceSettings {
  return {
    responseWindowSeconds: input.response_window_seconds ?? current.responseWindowSeconds,
    windowWarningSeconds: input.window_warning_seconds ?? current.windowWarningSeconds,
    strikesToBan: input.strikes_to_ban ?? current.strikesToBan,
    discountTable: input.discount_table
      ? input.discount_table.map((t) => ({ minRating: t.min_rating, multiplier: t.multiplier }))
      : current.discountTable,
  };
}

/**
 * Rules that span fields: the warning comes before the window ends (else it would never be
 * sent in time). Returns the offending field, or null.
 */
export function settingsConflict(s: MarketplaceSettings): { field: string; message: string } | null {
  if (s.windowWarningSeconds >= s.responseWindowSeconds) {
    return {
      field: "window_warning_seconds",
      message: `window_warning_seconds must be shorter than the response window (${s.responseWindowSeconds} s)`,
    };
  }
  return null;
}

/** A stored discount table (JSON) if it is one, ascending; null otherwise. */
export function discountTableOf(value: unknown): DiscountTier[] | null {
  if (!Array.isArray(value)) return null;
  const ok = value.every(
    (t: unknown) =>
      typeof t === "object" &&
      t !== null &&
      typeof (t as DiscountTier).minRating === "number" &&
      typeof (t as DiscountTier).multiplier === "number" &&
      (t as DiscountTier).multiplier > 0 &&
      (t as DiscountTier).multiplier <= 1,
  );
  return ok ? ascending(value as DiscountTier[]) : null;
}

/** A stored whole number within [min, max), or null. */
function intOf(value: unknown, min: number, max: number): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value < max ? value : null;
}

/** The settings in force from the stored rows (by key) over the defaults; a malformed row is ignored. */
export function settingsFromRows(
  defaults: MarketplaceSettings,
  rows: ReadonlyMap<string, unknown>,
): MarketplaceSettings {
  return {
    responseWindowSeconds:
      intOf(rows.get(SETTING_KEYS.responseWindowSeconds), 1, MAX_WINDOW_SECONDS) ?? defaults.responseWindowSeconds,
    windowWarningSeconds:
      intOf(rows.get(SETTING_KEYS.windowWarningSeconds), 1, MAX_WINDOW_SECONDS) ?? defaults.windowWarningSeconds,
    strikesToBan: intOf(rows.get(SETTING_KEYS.strikesToBan), 1, 101) ?? defaults.strikesToBan,
    discountTable: discountTableOf(rows.get(SETTING_KEYS.discountTable)) ?? defaults.discountTable,
  };
}

/** The settings as the API answers them (snake_case, seconds). */
export function presentSettings(s: MarketplaceSettings) {
  return {
    response_window_seconds: s.responseWindowSeconds,
    window_warning_seconds: s.windowWarningSeconds,
    strikes_to_ban: s.strikesToBan,
    discount_table: s.discountTable.map((t) => ({ min_rating: t.minRating, multiplier: t.multiplier })),
  };
}

/** The columns a new lead copies, so later changes never reach it. */
export function snapshotForLead(s: MarketplaceSettings) {
  return {
    response_window_seconds: s.responseWindowSeconds,
    window_warning_seconds: s.windowWarningSeconds,
    strikes_to_ban: s.strikesToBan,
    discount_table: s.discountTable.map((t) => ({ minRating: t.minRating, multiplier: t.multiplier })),
  };
}

/**
 * The terms a lead runs under: its own copy, or — for a lead from before settings were copied —
 * the configured defaults (the discount table then is the product's, as it always was).
 */
export function leadTerms(
  lead: {
    response_window_seconds: number | null;
    window_warning_seconds: number | null;
    strikes_to_ban: number | null;
    discount_table: unknown;
  },
  config: Config,
): { responseWindowMs: number; windowWarningMs: number; strikesToBan: number; discountTable: DiscountTier[] } {
  return {
    responseWindowMs: lead.response_window_seconds
      ? lead.response_window_seconds * 1000
      : config.marketplace.responseWindowMs,
    windowWarningMs: lead.window_warning_seconds
      ? lead.window_warning_seconds * 1000
      : config.marketplace.windowWarningMs,
    strikesToBan: lead.strikes_to_ban ?? config.marketplace.strikesToBan,
    discountTable: discountTableOf(lead.discount_table) ?? ascending(DEFAULT_DISCOUNT_TABLE),
  };
}
