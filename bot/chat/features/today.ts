import { personalScope } from "../../../core/accounts/visibility.js";
import { completeReminder, snoozeReminder } from "../../../core/crm/reminder.service.js";
import { todayAgenda } from "../../../core/nba/agenda.js";
import { DONE_PREFIX, formatWhen, reminderText, renderAgenda, SNOOZE_PREFIX } from "../agenda.js";
import { failureText } from "../failures.js";
import type { Feature } from "../types.js";
import { activeUser, isChoice, isCommand } from "./match.js";

/**
 * `/today`: reminders due today and overdue, overdue next actions, next-best-action nudges and,
 * for marketers, the daily-method counters — with one-tap buttons ("✓ Done", "Next stage",
 * the card). The same rendering as the 08:00 morning summary.
 */
export const today: Feature = {
  name: "today",
  match: (ctx) => isCommand(ctx, "today"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const agenda = await todayAgenda(ctx.deps, user.id, ctx.now);
    if (!agenda.ok) throw new Error(`agenda of ${user.id}: ${agenda.code}`);
    const r = renderAgenda(agenda.value, { t: ctx.t, lang: ctx.lang, tz: ctx.tz, now: ctx.now });
    ctx.reply(r.text, { buttons: r.buttons });
  },
};

/** "✓ Done" under a reminder: `done:<reminderId>` completes it (a second tap changes nothing). */
export const reminderDone: Feature = {
  name: "today.done",
  match: (ctx) => isChoice(ctx, DONE_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const id = (ctx.msg.choice ?? "").slice(DONE_PREFIX.length);
    const r = await completeReminder(ctx.deps, personalScope(user.id), id);
    if (!r.ok) {
      ctx.reply(r.code === "NOT_FOUND" ? ctx.t("today.reminder_gone") : failureText(ctx, "crmAction", r));
      return;
    }
    const about = r.value.customer_id ? { customerId: r.value.customer_id } : undefined;
    ctx.reply(ctx.t("today.reminder_done", { text: reminderText(r.value, ctx.t) }), { about });
  },
};

/** How long "Snooze" under a due reminder puts it off. */
const SNOOZE_MS = 60 * 60_000;

/** "Snooze 1 h" under a due reminder: `snooze:<reminderId>` — it comes back in an hour. */
export const reminderSnooze: Feature = {
  name: "today.snooze",
  match: (ctx) => isChoice(ctx, SNOOZE_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const id = (ctx.msg.choice ?? "").slice(SNOOZE_PREFIX.length);
    const r = await snoozeReminder(ctx.deps, personalScope(user.id), id, SNOOZE_MS);
    if (!r.ok) return void ctx.reply(failureText(ctx, "snooze", r));
    const about = r.value.customer_id ? { customerId: r.value.customer_id } : undefined;
    const when = formatWhen(r.value.scheduled_for, { t: ctx.t, lang: ctx.lang, tz: ctx.tz, now: ctx.now });
    ctx.reply(ctx.t("today.snoozed", { when, text: reminderText(r.value, ctx.t) }), { about });
  },
};
