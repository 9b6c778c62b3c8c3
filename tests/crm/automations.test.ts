import { describe, expect, it } from "vitest";
import { DEFAULT_RULES, effectiveRules, planAutomations } from "../../core/crm/automations.js";
import { isOverdue, needsReconnect, reminderDueAt } from "../../core/crm/reminder-rules.js";
import { DAY, HOUR } from "./support.js";

const T = new Date("2026-01-05T09:00:00.000Z");
const facts = { status: "lead" as const, pipeline_status: "invited" as const, source: "ig", name: "Anna" };
const row = (o: Partial<Parameters<typeof effectiveRules>[1][number]>) => ({
  owner_id: null,
  name: "r",
  trigger: "VIDEO_SENT",
  conditions: {},
  actions: [],
  is_active: true,
  ...o,
});

describe("automation rules (pure)", () => {
  it("the default table covers the seed-003 automations", () => {
    const plan = (trigger: Parameters<typeof effectiveRules>[0]) =>
      planAutomations(effectiveRules(trigger, []), facts, T);
    const at = (ms: number) => new Date(T.getTime() + ms);
    expect(plan("VIDEO_SENT").reminders.map((r) => [r.type, r.scheduled_for])).toEqual([
      ["follow_up_24h", at(DAY)],
      ["follow_up_48h", at(2 * DAY)],
    ]);
    expect(plan("NO_SHOW").reminders.map((r) => [r.type, r.scheduled_for])).toEqual([
      ["follow_up_2h", at(2 * HOUR)],
      ["follow_up_1d", at(DAY)],
    ]);
    expect(plan("PRESENTATION_SENT").reminders.map((r) => r.type)).toEqual(["follow_up_48h"]);
    expect(plan("LEAD_QUALIFIED").nextAction?.text).toBe("Send presentation");
    expect(plan("INACTIVE_7D").reminders[0]).toMatchObject({ type: "follow_up_7d", scheduled_for: at(7 * DAY) });
    // The reconnect is for prospects; an active service customer's quiet week is not a lead going cold.
    const active = planAutomations(effectiveRules("INACTIVE_7D", []), { ...facts, status: "active" }, T);
    expect(active.reminders).toEqual([]);
    expect(plan("UNSUBSCRIBED").rules).toEqual([]); // opt-out is code, not an editable rule
    expect(plan("MEETING_BOOKED").moveTo).toBe("qualified");
    expect(plan("JOINED_TEAM").moveTo).toBe("signed_up");
    expect(plan("DM_STARTED").moveTo).toBeNull();
    expect(DEFAULT_RULES.every((r) => r.actions.length > 0)).toBe(true);
  });

  it("rows override by name (owner over platform), add rules, switch them off; invalid rows are skipped", () => {
    const warnings: string[] = [];
    const rules = effectiveRules(
      "VIDEO_SENT",
      [
        row({
          owner_id: "owner",
          name: "video_sent_follow_ups",
          actions: [{ type: "reminder", reminder_type: "follow_up_2h" }],
        }),
        row({ name: "video_sent_follow_ups", actions: [{ type: "reminder", reminder_type: "follow_up_7d" }] }),
        row({ name: "broken", actions: [{ type: "launch_rockets" }] }),
        row({
          name: "only_from_web",
          conditions: { source_in: ["web"] },
          actions: [{ type: "move_status", to: "follow_up" }],
        }),
      ],
      { info() {}, warn: (m) => warnings.push(m) },
    );
    const plan = planAutomations(rules, facts, T);
    expect(plan.reminders.map((r) => r.type)).toEqual(["follow_up_2h"]);
    expect(plan.moveTo).toBeNull(); // the conditional rule does not apply to an ig event
    expect(warnings).toHaveLength(1);
    expect(effectiveRules("VIDEO_SENT", [row({ name: "video_sent_follow_ups", is_active: false })])).toEqual([]);
  });

  it("of several moves the furthest wins, and never backwards", () => {
    const rules = effectiveRules("FOLLOW_UP", [
      row({ trigger: "FOLLOW_UP", name: "a", actions: [{ type: "move_status", to: "signed_up" }] }),
    ]);
    expect(planAutomations(rules, facts, T).moveTo).toBe("signed_up");
    expect(
      planAutomations(effectiveRules("INVITE_SENT", []), { ...facts, pipeline_status: "follow_up" }, T).moveTo,
    ).toBeNull();
  });

  it("reminder timing, overdue and reconnect rules", () => {
    expect(reminderDueAt("custom", T)).toBeNull();
    expect(isOverdue({ scheduled_for: T, completed: false }, new Date(T.getTime() + HOUR))).toBe(false);
    expect(isOverdue({ scheduled_for: T, completed: false }, new Date(T.getTime() + HOUR + 1))).toBe(true);
    expect(isOverdue({ scheduled_for: T, completed: true }, new Date(T.getTime() + DAY))).toBe(false);
    const quiet = { last_activity_at: T, inactivity_nudged_at: null, opted_out_at: null, status: "lead" };
    const week = new Date(T.getTime() + 7 * DAY);
    expect(needsReconnect(quiet, new Date(week.getTime() - 1))).toBe(false);
    expect(needsReconnect(quiet, week)).toBe(true);
    expect(needsReconnect({ ...quiet, inactivity_nudged_at: week }, week)).toBe(false);
    expect(needsReconnect({ ...quiet, status: "churned" }, week)).toBe(false);
    expect(needsReconnect({ ...quiet, opted_out_at: T }, week)).toBe(false);
  });
});
