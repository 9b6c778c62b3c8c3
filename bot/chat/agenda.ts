/**
 * The day's agenda in words and one-tap buttons: /today's answer and the 08:00 morning summary
 * (notices.ts) are the same rendering, so they never drift apart.
 */
import type { TFunction } from "i18next";
import type { Agenda } from "../../core/nba/agenda.js";
import { formatDate, formatTime, type Lang } from "./i18n.js";
import type { ChatButton } from "./types.js";

/** Button data the agenda uses (features/today.ts and features/customer-actions.ts handle them). */
export const DONE_PREFIX = "done:";
export const ACT_PREFIX = "act:";
/** Under a pushed nudge: `snooze:<reminderId>` (1 hour), `reply:<customerId>` (write to them). */
export const SNOOZE_PREFIX = "snooze:";
export const REPLY_PREFIX = "reply:";
/** Buttons under one agenda message (Telegram shows them two to a row). */
const MAX_BUTTONS = 8;
const LABEL_CHARS = 28;

export interface AgendaRenderContext {
  t: TFunction;
  lang: Lang;
  tz: string;
  now: Date;
}

const short = (s: string, n = LABEL_CHARS) => ([...s].length > n ? `${[...s].slice(0, n - 1).join("")}…` : s);

/** "09:00" today, "Jan 5 09:00" on another day, in the person's zone. */
export function formatWhen(at: Date | string, c: AgendaRenderContext): string {
  const date = new Date(at);
  const day = formatDate(date, c.lang, c.tz);
  const time = formatTime(date, c.lang, c.tz);
  return day === formatDate(c.now, c.lang, c.tz) ? time : `${day} ${time}`;
}

/** A reminder's words: its message, else its type ("48-hour follow-up"). */
export function reminderText(r: { type: string; message: string }, t: TFunction): string {
  return r.message || t(`reminder_type.${r.type}`, { defaultValue: r.type.replaceAll("_", " ") });
}

/** The label of a canonical stage in the person's language. */
export function stageName(stage: string, t: TFunction): string {
  return t(`stage.${stage}`, { defaultValue: stage });
}

/** Render an agenda; `morning` greets (the summary) instead of titling (/today). */
export function renderAgenda(
  a: Agenda,
  c: AgendaRenderContext,
  opts: { morning?: boolean } = {},
): { text: string; buttons: ChatButton[] } {
  const { t } = c;
  const lines: string[] = [
    t(opts.morning ? "today.morning" : "today.title", { date: formatDate(c.now, c.lang, c.tz) }),
  ];
  const buttons: ChatButton[] = [];
  const more = (total: number, shown: number) => {
    if (total > shown) lines.push(t("today.more", { count: total - shown }));
  };
  if (a.reminders.length > 0) {
    lines.push("", t("today.reminders", { count: a.remindersTotal }));
    for (const r of a.reminders) {
      const who = r.customerName ? `${r.customerName}: ` : "";
      lines.push(
        t(r.overdue ? "today.reminder_overdue" : "today.reminder", {
          when: formatWhen(r.scheduledFor, c),
          who,
          text: reminderText(r, t),
        }),
      );
      buttons.push({
        label: short(t("today.done_button", { text: r.customerName ?? reminderText(r, t) })),
        data: `${DONE_PREFIX}${r.id}`,
      });
    }
    more(a.remindersTotal, a.reminders.length);
  }
  if (a.nextActions.length > 0) {
    lines.push("", t("today.next_actions", { count: a.nextActionsTotal }));
    for (const n of a.nextActions) {
      lines.push(
        t("today.next_action", {
          customer: n.customerName,
          text: n.text || t("today.next_action_unnamed"),
          when: formatWhen(n.dueAt, c),
        }),
      );
      buttons.push({
        label: short(t("today.card_button", { customer: n.customerName })),
        data: `${ACT_PREFIX}card:${n.customerId}`,
      });
    }
    more(a.nextActionsTotal, a.nextActions.length);
  }
  if (a.nudges.length > 0) {
    lines.push("", t("today.nudges"));
    for (const n of a.nudges) {
      lines.push(t("today.nudge", { customer: n.customerName, text: t(`nba.${n.action}`, { defaultValue: n.label }) }));
      if (n.nextStage) {
        buttons.push({
          label: short(t("today.stage_button", { customer: n.customerName, stage: stageName(n.nextStage, t) })),
          data: `${ACT_PREFIX}stage:${n.customerId}`,
        });
      }
    }
  }
  if (a.dmo) {
    lines.push(
      "",
      t("today.dmo", {
        invites: a.dmo.invites.today,
        invites_goal: a.dmo.invites.goal,
        follow_ups: a.dmo.followUps.today,
        follow_ups_goal: a.dmo.followUps.goal,
      }),
      t(a.dmo.goalsHitToday ? "today.dmo_hit" : "today.dmo_streak", { count: a.dmo.streakDays }),
    );
  }
  if (a.remindersTotal + a.nextActionsTotal + a.nudges.length === 0) lines.push("", t("today.empty"));
  return { text: lines.join("\n"), buttons: buttons.slice(0, MAX_BUTTONS) };
}
