/**
 * Automation rules as people write them (API and panel): which event, which reminders (seed
 * 003's offsets 2h/1d/24h/48h/7d), which status move or next action, for which owner. Pure:
 * validation and presentation only; automation-rule.service.ts stores them.
 */
import { z } from "zod";
import type { AutomationRule } from "../../prisma/generated/client.js";
import { EventName } from "../../prisma/generated/enums.js";
import {
  type AutomationRuleSpec,
  automationConditionsSchema,
  DEFAULT_RULES,
  moveStatusStep,
  nextActionStep,
} from "./automations.js";
import { CANONICAL_STATUSES } from "./status-mapping.js";

/**
 * Events a rule can start from: every event a person or a hook reports, and 7 days of silence.
 * UNSUBSCRIBED is not a rule (opt-out always wins) and STATUS_CHANGED is the system's own record.
 */
export const RULE_TRIGGERS = [
  ...Object.values(EventName).filter((e) => e !== "UNSUBSCRIBED" && e !== "STATUS_CHANGED"),
  "INACTIVE_7D",
] as const;

/** Seed 003's reminder offsets and the reminder type each creates. */
export const REMINDER_OFFSETS = {
  "2h": "follow_up_2h",
  "1d": "follow_up_1d",
  "24h": "follow_up_24h",
  "48h": "follow_up_48h",
  "7d": "follow_up_7d",
} as const;
export type ReminderOffset = keyof typeof REMINDER_OFFSETS;
const OFFSETS = Object.keys(REMINDER_OFFSETS) as ReminderOffset[];
const REMINDER_TYPES = Object.values(REMINDER_OFFSETS);

const trigger = z.string().refine((t) => (RULE_TRIGGERS as readonly string[]).includes(t), {
  message: `unknown trigger event; one of ${RULE_TRIGGERS.join(", ")}`,
});

/** A reminder action names its offset (`"2h"`) or its stored reminder type (`"follow_up_2h"`). */
const reminderAction = z
  .object({
    type: z.literal("reminder"),
    offset: z
      .string()
      .refine((o) => (OFFSETS as string[]).includes(o), { message: `unknown offset; one of ${OFFSETS.join(", ")}` })
      .optional(),
    reminder_type: z
      .string()
      .refine((t) => (REMINDER_TYPES as string[]).includes(t), {
        message: `unknown reminder type; one of ${REMINDER_TYPES.join(", ")}`,
      })
      .optional(),
    message: z.string().trim().max(500).default(""),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (!a.offset && !a.reminder_type)
      ctx.addIssue({ code: "custom", path: ["offset"], message: "offset is required" });
  })
  .transform((a) => ({
    type: "reminder" as const,
    reminder_type: (a.offset
      ? REMINDER_OFFSETS[a.offset as ReminderOffset]
      : a.reminder_type) as (typeof REMINDER_TYPES)[number],
    message: a.message,
  }));

const actionInput = z.discriminatedUnion("type", [
  reminderAction,
  nextActionStep(z.string().trim().min(1).max(500)),
  moveStatusStep,
]);

const name = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100)
  .regex(/^[\p{L}\p{N} _.-]+$/u, "letters, digits, spaces, _ . and - only");

/** A new rule. `owner_id` null (admin only) makes a platform rule; a contractor key owns its own. */
export const ruleInputSchema = z
  .object({
    owner_id: z.uuid().nullable().optional(),
    name,
    trigger,
    conditions: automationConditionsSchema.default({}),
    actions: z.array(actionInput).min(1, "a rule needs at least one action").max(20),
    is_active: z.boolean().default(true),
  })
  .strict();
export type RuleInput = z.output<typeof ruleInputSchema>;

/** A change to a rule: any of its fields but the owner. */
export const ruleUpdateSchema = z
  .object({
    name: name.optional(),
    trigger: trigger.optional(),
    conditions: automationConditionsSchema.optional(),
    actions: z.array(actionInput).min(1, "a rule needs at least one action").max(20).optional(),
    is_active: z.boolean().optional(),
  })
  .strict();
export type RuleUpdate = z.output<typeof ruleUpdateSchema>;

/** A draft to preview: a rule as it would be saved, and the rule it replaces when editing. */
export const rulePreviewSchema = z
  .object({
    id: z.uuid().optional(),
    owner_id: z.uuid().nullable().optional(),
    name: name.default("draft"),
    trigger,
    conditions: automationConditionsSchema.default({}),
    actions: z.array(actionInput).max(20).default([]),
    is_active: z.boolean().default(true),
    customer: z
      .object({
        name: z.string().max(100).default("the customer"),
        status: z.enum(["lead", "active", "churned"]).default("lead"),
        pipeline_status: z.enum(CANONICAL_STATUSES).default("lead"),
        source: z.string().max(50).nullable().default(null),
      })
      .strict()
      .default({ name: "the customer", status: "lead", pipeline_status: "lead", source: null }),
  })
  .strict();

/** The offset (`"2h"`) of a stored reminder type, for people. */
export function offsetOf(reminderType: string): string {
  return OFFSETS.find((o) => REMINDER_OFFSETS[o] === reminderType) ?? reminderType;
}

/** A stored rule as the API answers it. */
export function presentRule(r: AutomationRule) {
  return {
    id: r.id,
    owner_id: r.owner_id,
    name: r.name,
    trigger: r.trigger,
    conditions: r.conditions,
    actions: r.actions,
    is_active: r.is_active,
    overrides_default: DEFAULT_RULES.some((d) => d.name === r.name && d.trigger === r.trigger),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

/** A product default as the API lists it next to the stored rows (no id: change it by saving a row of its name). */
export function presentDefault(r: AutomationRuleSpec) {
  return { name: r.name, trigger: r.trigger, conditions: r.conditions, actions: r.actions };
}
