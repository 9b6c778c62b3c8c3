import { completeReminder } from "../../../core/crm/reminder.service.js";
import { todayAgenda } from "../../../core/nba/agenda.js";
import { DONE_PREFIX, reminderText, renderAgenda } from "../agenda.js";
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
    const r = await completeReminder(ctx.deps, { kind: "contractor", ownerId: user.id }, id);
    if (!r.ok) {
      ctx.reply(r.code === "NOT_FOUND" ? ctx.t("today.reminder_gone") : failureText(ctx, "crmAction", r));
      return;
    }
    const about = r.value.customer_id ? { customerId: r.value.customer_id } : undefined;
    ctx.reply(ctx.t("today.reminder_done", { text: reminderText(r.value, ctx.t) }), { about });
  },
};
