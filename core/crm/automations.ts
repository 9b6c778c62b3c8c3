/**
 * Seed-003 automations as data: which event (or 7 days of silence) creates which reminders,
 * sets which next action, and moves the canonical status where. DEFAULT_RULES is the product's
 * table; `automation_rules` rows (platform rows, then the owner's) override a default of the
 * same name, add rules, or switch one off (`is_active = false`). Opt-out is deliberately not a
 * rule: UNSUBSCRIBED always opts the customer out and nothing else fires for them again.
 */
import { z } from "zod";
import {
  type AutomationRule,
  type CanonicalStatus,
  type CustomerStatus,
  type EventName,
  Prisma,
  type ReminderType,
} from "../../prisma/generated/client.js";
import type { CoreLog } from "../context.js";
import type { Db } from "../db.js";
import { reminderDueAt } from "./reminder-rules.js";
import { CANONICAL_STATUSES, statusRank } from "./status-mapping.js";

/** What starts a rule: an event name, or a customer going quiet for 7 days. */
export type AutomationTrigger = EventName | "INACTIVE_7D";

const TIMED_REMINDERS = ["follow_up_2h", "follow_up_1d", "follow_up_24h", "follow_up_48h", "follow_up_7d"] as const;

/**
 * A "set the next action" step: its text and how long after the trigger it is due (0–365 days).
 * One rule for stored rules and for people's input; `text` is the text's schema (input trims it).
 */
export function nextActionStep<T extends z.ZodType<string>>(text: T) {
  return z
    .object({
      type: z.literal("next_action"),
      text,
      after_ms: z
        .number()
        .int()
        .min(0)
        .max(365 * 86_400_000)
        .default(0),
    })
    .strict();
}

/** A "move the canonical status" step: only to a canonical status (the pipeline's stages). */
export const moveStatusStep = z.object({ type: z.literal("move_status"), to: z.enum(CANONICAL_STATUSES) }).strict();

const automationActionSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("reminder"),
      reminder_type: z.enum(TIMED_REMINDERS),
      message: z.string().max(500).default(""),
    })
    .strict(),
  nextActionStep(z.string().min(1).max(500)),
  moveStatusStep,
]);
type AutomationAction = z.output<typeof automationActionSchema>;

export const automationConditionsSchema = z
  .object({
    status_in: z.array(z.enum(["lead", "active", "churned"])).optional(),
    pipeline_status_in: z.array(z.enum(CANONICAL_STATUSES)).optional(),
    source_in: z.array(z.string()).optional(),
  })
  .strict();
type AutomationConditions = z.output<typeof automationConditionsSchema>;

export interface AutomationRuleSpec {
  name: string;
  trigger: AutomationTrigger;
  conditions: AutomationConditions;
  actions: AutomationAction[];
}

const H = 3_600_000;
const rule = (
  name: string,
  trigger: AutomationTrigger,
  actions: AutomationAction[],
  conditions: AutomationConditions = {},
): AutomationRuleSpec => ({ name, trigger, conditions, actions });
const remind = (reminder_type: (typeof TIMED_REMINDERS)[number], message: string): AutomationAction => ({
  type: "reminder",
  reminder_type,
  message,
});
const move = (to: CanonicalStatus): AutomationAction => ({ type: "move_status", to });

/**
 * The product's rules (seed 003 "AI automations"). Status moves follow status-mapping.ts
 * (Booked and No-Show → qualified, Held and Video Sent → presentation_sent) and only ever go
 * forward. Reminder times count from the event's own timestamp.
 */
export const DEFAULT_RULES: readonly AutomationRuleSpec[] = [
  rule("invite_sent", "INVITE_SENT", [move("invited")]),
  rule("video_sent_follow_ups", "VIDEO_SENT", [
    remind("follow_up_24h", "Ask {{name}} what they liked most about the video"),
    remind("follow_up_48h", "Follow up with {{name}} on the video and move forward"),
    move("presentation_sent"),
  ]),
  rule("qualified_send_presentation", "LEAD_QUALIFIED", [
    { type: "next_action", text: "Send presentation", after_ms: 24 * H },
    move("qualified"),
  ]),
  rule("presentation_follow_up", "PRESENTATION_SENT", [
    remind("follow_up_48h", "Ask {{name}} for feedback and objections on the presentation"),
    move("presentation_sent"),
  ]),
  rule("meeting_booked", "MEETING_BOOKED", [move("qualified")]),
  rule("meeting_held", "MEETING_HELD", [move("presentation_sent")]),
  rule("no_show_rebook", "NO_SHOW", [
    remind("follow_up_2h", "{{name}} missed the meeting — reach out and rebook"),
    remind("follow_up_1d", "Rebook {{name}}'s meeting"),
    move("qualified"),
  ]),
  rule("follow_up_logged", "FOLLOW_UP", [move("follow_up")]),
  rule("purchased", "PURCHASED", [move("signed_up")]),
  rule("joined_team", "JOINED_TEAM", [move("signed_up")]),
  // Prospects only: a service customer quiet for a week after their job is not "going cold".
  rule("inactive_7d_reconnect", "INACTIVE_7D", [remind("follow_up_7d", "Reconnect with {{name}} — quiet for 7 days")], {
    status_in: ["lead"],
  }),
];

/**
 * The rules in force for one owner and trigger: the defaults, overridden by name by platform
 * rows, then by the owner's rows; inactive rows switch a rule off. A row whose actions or
 * conditions do not parse is skipped and logged, never half-applied.
 */
export function effectiveRules(
  trigger: AutomationTrigger,
  rows: ReadonlyArray<Pick<AutomationRule, "owner_id" | "name" | "trigger" | "conditions" | "actions" | "is_active">>,
  log?: CoreLog,
): AutomationRuleSpec[] {
  const byName = new Map(DEFAULT_RULES.filter((r) => r.trigger === trigger).map((r) => [r.name, r]));
  const ordered = [...rows.filter((r) => r.owner_id === null), ...rows.filter((r) => r.owner_id !== null)];
  for (const row of ordered) {
    if (row.trigger !== trigger) continue;
    if (!row.is_active) {
      byName.delete(row.name);
      continue;
    }
    const actions = z.array(automationActionSchema).safeParse(row.actions);
    const conditions = automationConditionsSchema.safeParse(row.conditions ?? {});
    if (!actions.success || !conditions.success) {
      log?.warn(`automation rule "${row.name}" (${trigger}) is invalid and was skipped`);
      continue;
    }
    byName.set(row.name, { name: row.name, trigger, conditions: conditions.data, actions: actions.data });
  }
  return [...byName.values()];
}

/**
 * The platform's and one owner's rule rows for a trigger, as one JSON text column `rules`
 * (platform rows first, then by age): a sub-select the event path folds into its first read.
 */
export function ruleRowsSql(ownerId: string, trigger: AutomationTrigger): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(json_agg(json_build_object('owner_id', r.owner_id, 'name', r.name,
      'trigger', r.trigger, 'conditions', r.conditions, 'actions', r.actions, 'is_active', r.is_active)
      ORDER BY r.owner_id NULLS FIRST, r.created_at, r.name), '[]')::text
    FROM automation_rules r WHERE r.trigger = ${trigger} AND (r.owner_id IS NULL OR r.owner_id = ${ownerId}::uuid))`;
}

/** Resolved rules by trigger and the exact text of their rows; bounded, cleared when full. */
const resolved = new Map<string, readonly AutomationRuleSpec[]>();
const RESOLVED_MAX = 1_000;

/**
 * effectiveRules over the rows read by ruleRowsSql, cached by the rows' text. The rows are read
 * with every event (inside the statement that reads the customer, so no extra round trip), and
 * the parse and validation run only when they differ from the last time: an edit of a rule, by
 * this process or any other, is in force from the next event, with nothing to invalidate.
 */
export function rulesFromRows(
  trigger: AutomationTrigger,
  rowsJson: string,
  log?: CoreLog,
): readonly AutomationRuleSpec[] {
  const key = `${trigger}\0${rowsJson}`;
  const hit = resolved.get(key);
  if (hit) return hit;
  const rules = effectiveRules(trigger, JSON.parse(rowsJson) as Parameters<typeof effectiveRules>[1], log);
  if (resolved.size >= RESOLVED_MAX) resolved.clear();
  resolved.set(key, rules);
  return rules;
}

/** Load the owner's and the platform's rule rows for a trigger and resolve them (cached, see rulesFromRows). */
export async function rulesFor(
  db: Db,
  ownerId: string,
  trigger: AutomationTrigger,
  log?: CoreLog,
): Promise<readonly AutomationRuleSpec[]> {
  const [row] = await db.$queryRaw<Array<{ rules: string }>>`SELECT ${ruleRowsSql(ownerId, trigger)} AS rules`;
  return rulesFromRows(trigger, row?.rules ?? "[]", log);
}

/** What a set of rules will do for one customer; computed purely, then applied by the caller. */
export interface AutomationPlan {
  rules: string[];
  reminders: Array<{ type: ReminderType; scheduled_for: Date; message: string }>;
  moveTo: CanonicalStatus | null;
  nextAction: { text: string; date: Date } | null;
}

/**
 * Plan the actions of the rules whose conditions hold. Reminder and next-action times count
 * from `causeAt` (the event's timestamp, or the last activity for inactivity). Of several
 * status moves the furthest wins, and only if it is ahead of the current status.
 */
export function planAutomations(
  rules: readonly AutomationRuleSpec[],
  facts: { status: CustomerStatus; pipeline_status: CanonicalStatus; source: string | null; name: string },
  causeAt: Date,
): AutomationPlan {
  const plan: AutomationPlan = { rules: [], reminders: [], moveTo: null, nextAction: null };
  for (const r of rules) {
    const c = r.conditions;
    if (c.status_in && !c.status_in.includes(facts.status)) continue;
    if (c.pipeline_status_in && !c.pipeline_status_in.includes(facts.pipeline_status)) continue;
    if (c.source_in && !(facts.source && c.source_in.includes(facts.source))) continue;
    plan.rules.push(r.name);
    for (const a of r.actions) {
      if (a.type === "reminder") {
        if (plan.reminders.some((x) => x.type === a.reminder_type)) continue;
        plan.reminders.push({
          type: a.reminder_type,
          scheduled_for: reminderDueAt(a.reminder_type, causeAt) as Date,
          message: a.message.replaceAll("{{name}}", facts.name),
        });
      } else if (a.type === "next_action") {
        plan.nextAction = { text: a.text, date: new Date(causeAt.getTime() + a.after_ms) };
      } else if (statusRank(a.to) > statusRank(plan.moveTo ?? facts.pipeline_status)) {
        plan.moveTo = a.to;
      }
    }
  }
  return plan;
}
