/**
 * A person's day at a glance (the chat's /today and the 08:00 morning summary): reminders due
 * today and overdue, customers whose next action is overdue, the most urgent next-best-action
 * nudges, and for marketers the daily-method counters. Plain JSON-able data: the morning summary
 * stores it in its notice, and the chat app renders it in the person's language.
 */

import { DateTime } from "luxon";
import type { CanonicalStatus, UserRole } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { isOverdue } from "../crm/reminder-rules.js";
import { nextStage } from "../crm/status-mapping.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { dmoKpis } from "../kpi/dmo.kpi.js";
import { localDate, safeZone } from "../kpi/kpi-time.js";
import { nbaOverview } from "./nba.service.js";

/** How many of each list the agenda carries (the counts say how many there are in all). */
const AGENDA_LIST_LIMIT = 5;
/** Nudges whose advice the reminder and next-action lists already give are left out. */
const LISTED_ELSEWHERE = new Set(["follow_up_now", "follow_up", "next_action", "do_not_contact"]);

interface AgendaReminder {
  id: string;
  customerId: string | null;
  customerName: string | null;
  type: string;
  message: string;
  scheduledFor: string;
  overdue: boolean;
}

interface AgendaNextAction {
  customerId: string;
  customerName: string;
  text: string;
  dueAt: string;
}

interface AgendaNudge {
  customerId: string;
  customerName: string;
  stage: CanonicalStatus;
  /** Where "next stage" would move them (null at the end of the pipeline). */
  nextStage: CanonicalStatus | null;
  /** The rule's stable id (core/nba/rules.ts), which the chat translates. */
  action: string;
  /** The rule's English label, for a reader without a translation. */
  label: string;
}

interface AgendaDmo {
  invites: { today: number; goal: number };
  followUps: { today: number; goal: number };
  streakDays: number;
  goalsHitToday: boolean;
}

export interface Agenda {
  userId: string;
  role: UserRole;
  /** The person's local date (YYYY-MM-DD) and time zone. */
  date: string;
  timezone: string;
  reminders: AgendaReminder[];
  remindersTotal: number;
  nextActions: AgendaNextAction[];
  nextActionsTotal: number;
  nudges: AgendaNudge[];
  /** Marketers' daily method; null for contractors. */
  dmo: AgendaDmo | null;
}

/** Nothing to say: no reminder, no overdue action, no nudge, no daily method. */
export function agendaIsEmpty(a: Agenda): boolean {
  return a.remindersTotal === 0 && a.nextActionsTotal === 0 && a.nudges.length === 0 && a.dmo === null;
}

/**
 * The agenda of `userId` at `now`, "today" in their users.timezone: open reminders due before
 * their local midnight (overdue ones flagged), reachable customers whose next_action_date has
 * passed, up to AGENDA_LIST_LIMIT nudges from the NBA rules (customers' top actions not already
 * listed), and for marketers invites and follow-ups today against their goals with the streak.
 */
export async function todayAgenda(deps: CoreDeps, userId: string, now: Date): Promise<Result<Agenda>> {
  if (!isUuid(userId)) return fail("NOT_FOUND", "user not found");
  const user = await deps.prisma.user.findUnique({ where: { id: userId }, select: { role: true, timezone: true } });
  if (!user) return fail("NOT_FOUND", "user not found");
  const tz = safeZone(user.timezone);
  const endOfDay = DateTime.fromJSDate(now, { zone: tz }).endOf("day").toJSDate();
  const dueWhere = { owner_id: userId, completed: false, scheduled_for: { lte: endOfDay } };
  const nextWhere = { owner_id: userId, opted_out_at: null, next_action_date: { lt: now } };
  const [reminders, remindersTotal, nextActions, nextActionsTotal, overview, dmo] = await Promise.all([
    deps.prisma.reminder.findMany({
      where: dueWhere,
      orderBy: [{ scheduled_for: "asc" }, { id: "asc" }],
      take: AGENDA_LIST_LIMIT,
      include: { customer: { select: { id: true, name: true } } },
    }),
    deps.prisma.reminder.count({ where: dueWhere }),
    deps.prisma.customer.findMany({
      where: nextWhere,
      orderBy: [{ next_action_date: "asc" }, { id: "asc" }],
      take: AGENDA_LIST_LIMIT,
      select: { id: true, name: true, next_action: true, next_action_date: true },
    }),
    deps.prisma.customer.count({ where: nextWhere }),
    nbaOverview(deps, { kind: "contractor", ownerId: userId }, AGENDA_LIST_LIMIT * 3),
    user.role === "marketer" ? dmoKpis(deps.prisma, userId, now) : Promise.resolve(null),
  ]);
  const nudges: AgendaNudge[] = [];
  for (const row of overview.data) {
    if (!row.top || LISTED_ELSEWHERE.has(row.top.action) || nudges.length >= AGENDA_LIST_LIMIT) continue;
    nudges.push({
      customerId: row.customer.id,
      customerName: row.customer.name,
      stage: row.customer.pipeline_status,
      nextStage: nextStage(row.customer.pipeline_status),
      action: row.top.action,
      label: row.top.label,
    });
  }
  return ok({
    userId,
    role: user.role,
    date: localDate(now, tz),
    timezone: tz,
    reminders: reminders.map((r) => ({
      id: r.id,
      customerId: r.customer?.id ?? null,
      customerName: r.customer?.name ?? null,
      type: r.type,
      message: r.message,
      scheduledFor: r.scheduled_for.toISOString(),
      overdue: isOverdue(r, now),
    })),
    remindersTotal,
    nextActions: nextActions.map((c) => ({
      customerId: c.id,
      customerName: c.name,
      text: c.next_action ?? "",
      dueAt: (c.next_action_date ?? now).toISOString(),
    })),
    nextActionsTotal,
    nudges,
    dmo:
      dmo?.ok === true
        ? {
            invites: { today: dmo.value.invites.today, goal: dmo.value.invites.goal },
            followUps: { today: dmo.value.follow_ups.today, goal: dmo.value.follow_ups.goal },
            streakDays: dmo.value.streak_days,
            goalsHitToday: dmo.value.goals_hit_today,
          }
        : null,
  });
}
