/**
 * Rule-based next-best-action (seed 003 NBA): from a customer's status, activity, reminders
 * and recent events, a short ranked list of what to do next and why. Pure: plain data and
 * `now` in, actions out — the LLM version (another issue) can take the same facts.
 */
import type { CanonicalStatus, CustomerStatus, EventName, ReminderType } from "../../prisma/generated/client.js";
import { INACTIVITY_AFTER_MS, isOverdue } from "../crm/reminder-rules.js";

export interface NbaInput {
  customer: {
    name: string;
    status: CustomerStatus;
    pipeline_status: CanonicalStatus;
    opted_out_at: Date | null;
    last_activity_at: Date;
    stage_entered_at: Date;
    next_action: string | null;
    next_action_date: Date | null;
  };
  /** The customer's open reminders. */
  reminders: ReadonlyArray<{ type: ReminderType; scheduled_for: Date; completed: boolean; message: string }>;
  /** Recent events, any order. */
  events: ReadonlyArray<{ event_name: EventName; timestamp: Date }>;
  now: Date;
}

/** One suggestion: a stable action id, a button label, why, and how urgent (0–100). */
export interface NextBestAction {
  action: string;
  label: string;
  reason: string;
  priority: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** At most this many suggestions: a chat nudge, not a to-do list. */
const MAX_ACTIONS = 5;
/** A stage this old is called out as stuck. */
const STUCK_IN_STAGE_MS = 14 * DAY;

/** The default move per canonical status (Frazer: Talk → Invite → Show → Keep talking). */
const STAGE_ACTIONS: Readonly<Record<CanonicalStatus, { action: string; label: string }>> = {
  lead: { action: "start_conversation", label: "Start a conversation — ask about them, not the business" },
  relationship: { action: "invite", label: "Invite them to take a look" },
  invited: { action: "qualify", label: "Ask if they are open to it and book a time" },
  qualified: { action: "send_presentation", label: "Send the presentation" },
  presentation_sent: { action: "follow_up", label: "Follow up: what did they like most?" },
  follow_up: { action: "ask_for_decision", label: "Answer objections and ask for a decision" },
  signed_up: { action: "onboard", label: "Onboard them and keep talking" },
};

interface Facts extends NbaInput {
  latest: (name: EventName) => Date | null;
  /** True when `name` happened within `ms` and nothing in `unless` happened after it. */
  recent: (name: EventName, ms: number, unless: readonly EventName[]) => Date | null;
}

const ago = (from: Date, now: Date) => {
  const h = Math.max(0, Math.round((now.getTime() - from.getTime()) / HOUR));
  return h < 48 ? `${h}h ago` : `${Math.round(h / 24)} days ago`;
};

/** The rule table: each rule returns its suggestion when it applies, or null. */
const RULES: ReadonlyArray<(f: Facts) => NextBestAction | null> = [
  (f) => {
    const overdue = f.reminders.filter((r) => isOverdue(r, f.now));
    const oldest = overdue.sort((a, b) => a.scheduled_for.getTime() - b.scheduled_for.getTime())[0];
    if (!oldest) return null;
    return {
      action: "follow_up_now",
      label: oldest.message || "Follow up now",
      reason: `${overdue.length} overdue reminder${overdue.length > 1 ? "s" : ""}, the oldest due ${ago(oldest.scheduled_for, f.now)}`,
      priority: 90,
    };
  },
  (f) =>
    f.customer.next_action && f.customer.next_action_date && f.customer.next_action_date <= f.now
      ? {
          action: "next_action",
          label: f.customer.next_action,
          reason: `next action was due ${ago(f.customer.next_action_date, f.now)}`,
          priority: 85,
        }
      : null,
  (f) => {
    const at = f.recent("NO_SHOW", 3 * DAY, ["MEETING_BOOKED", "MEETING_HELD"]);
    return at
      ? { action: "rebook", label: "Rebook the meeting", reason: `no-show ${ago(at, f.now)}`, priority: 80 }
      : null;
  },
  (f) => {
    const at = f.recent("LEAD_QUALIFIED", 7 * DAY, ["PRESENTATION_SENT", "VIDEO_SENT", "MEETING_HELD"]);
    return at
      ? {
          action: "send_presentation",
          label: STAGE_ACTIONS.qualified.label,
          reason: `qualified ${ago(at, f.now)}`,
          priority: 75,
        }
      : null;
  },
  (f) => {
    const at = f.recent("VIDEO_SENT", 3 * DAY, ["MEETING_BOOKED", "MEETING_HELD", "FOLLOW_UP"]);
    return at
      ? {
          action: "ask_feedback",
          label: "Ask what they liked most about the video",
          reason: `video sent ${ago(at, f.now)}`,
          priority: 70,
        }
      : null;
  },
  (f) => {
    const at = f.recent("PRESENTATION_SENT", 3 * DAY, ["FOLLOW_UP", "PURCHASED", "JOINED_TEAM"]);
    return at
      ? {
          action: "request_feedback",
          label: "Ask for feedback and objections",
          reason: `presentation sent ${ago(at, f.now)}`,
          priority: 70,
        }
      : null;
  },
  (f) => {
    const due = f.reminders.filter((r) => !r.completed && r.scheduled_for <= f.now && !isOverdue(r, f.now));
    return due[0]
      ? { action: "follow_up", label: due[0].message || "Follow up", reason: "a reminder is due now", priority: 60 }
      : null;
  },
  (f) =>
    f.now.getTime() - f.customer.last_activity_at.getTime() >= INACTIVITY_AFTER_MS
      ? {
          action: "reconnect",
          label: "Reconnect: a friendly check-in, no pitch",
          reason: `no activity since ${ago(f.customer.last_activity_at, f.now)}`,
          priority: 55,
        }
      : null,
  (f) => {
    const stage = STAGE_ACTIONS[f.customer.pipeline_status];
    const stuck = f.now.getTime() - f.customer.stage_entered_at.getTime() >= STUCK_IN_STAGE_MS;
    return {
      ...stage,
      reason: stuck
        ? `in ${f.customer.pipeline_status} since ${ago(f.customer.stage_entered_at, f.now)}`
        : `the next step from ${f.customer.pipeline_status}`,
      priority: stuck ? 45 : 30,
    };
  },
];

/**
 * The next best actions for one customer, most urgent first, one per action, at most
 * MAX_ACTIONS. An opted-out customer gets only "do not contact": opt-out wins over everything.
 */
export function nextBestActions(input: NbaInput): NextBestAction[] {
  if (input.customer.opted_out_at) {
    return [
      {
        action: "do_not_contact",
        label: "Do not contact",
        reason: `opted out ${ago(input.customer.opted_out_at, input.now)}`,
        priority: 100,
      },
    ];
  }
  const sorted = [...input.events].sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime());
  const latest = (name: EventName) => sorted.find((e) => e.event_name === name)?.timestamp ?? null;
  const facts: Facts = {
    ...input,
    reminders: input.reminders.filter((r) => !r.completed),
    latest,
    recent: (name, ms, unless) => {
      const at = latest(name);
      if (!at || input.now.getTime() - at.getTime() > ms) return null;
      return unless.some((u) => (latest(u)?.getTime() ?? 0) > at.getTime()) ? null : at;
    },
  };
  const best = new Map<string, NextBestAction>();
  for (const rule of RULES) {
    const a = rule(facts);
    if (a && (best.get(a.action)?.priority ?? -1) < a.priority) best.set(a.action, a);
  }
  return [...best.values()].sort((a, b) => b.priority - a.priority).slice(0, MAX_ACTIONS);
}
