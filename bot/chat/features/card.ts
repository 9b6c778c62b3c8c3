import { whichCustomer } from "../../../core/crm/current-customer.js";
import { customerBrief } from "../../../core/crm/customer-brief.js";
import { ACT_PREFIX, DONE_PREFIX, formatWhen, reminderText, stageName } from "../agenda.js";
import { formatDate } from "../i18n.js";
import type { ChatButton, ChatContext, Feature } from "../types.js";
import { activeUser, isCommand } from "./match.js";
import { SERVICE_PREFIX, serviceLines } from "./service-lines.js";

const LABEL_CHARS = 40;
const CONTENT_CHARS = 120;
const short = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join("")}…` : s);

/**
 * Show one of the person's own customers as a card: status and canonical stage, contact, next
 * action, the last three interactions, open reminders, the running sequence, revenue / expenses /
 * profit and the appliances' health — with buttons for next stage, pausing or resuming the
 * nurturing, "Job done", "Add appliance", and the first reminder's "Done".
 */
export async function showCard(ctx: ChatContext, ownerId: string, customerId: string): Promise<void> {
  const r = await customerBrief(ctx.deps, ownerId, customerId);
  if (!r.ok) {
    ctx.reply(ctx.t("crm.customer_gone"));
    return;
  }
  const b = r.value;
  const { t } = ctx;
  const rc = { t, lang: ctx.lang, tz: ctx.tz, now: ctx.now };
  const lines = [
    t("card.title", { name: b.name }),
    t("card.status", {
      status: t(`customer_status.${b.status}`, { defaultValue: b.status }),
      stage: stageName(b.pipeline_status, t),
      count: b.days_in_stage,
    }),
  ];
  const contact = [b.phone, b.email].filter(Boolean).join(" · ");
  if (contact) lines.push(`📇 ${contact}`);
  if (b.opted_out) lines.push(t("card.opted_out"));
  lines.push(
    b.next_action || b.next_action_date
      ? t("card.next_action", {
          text: b.next_action || t("today.next_action_unnamed"),
          when: b.next_action_date ? formatWhen(b.next_action_date, rc) : "—",
        })
      : t("card.no_next_action"),
  );
  lines.push(
    "",
    b.interactions.length > 0 ? t("card.interactions", { count: b.interactions_total }) : t("card.no_interactions"),
  );
  for (const i of b.interactions) {
    lines.push(
      t("card.interaction", {
        date: formatDate(new Date(i.created_at), ctx.lang, ctx.tz),
        type: t(`interaction.${i.type}`, { defaultValue: i.type }),
        text: short(i.content.replace(/\s+/g, " "), CONTENT_CHARS) || "—",
      }),
    );
  }
  if (b.reminders.length > 0) {
    lines.push("", t("card.reminders", { count: b.reminders_open }));
    for (const rem of b.reminders) {
      const key = rem.overdue ? "card.reminder_overdue" : "card.reminder";
      lines.push(t(key, { when: formatWhen(rem.scheduled_for, rc), text: reminderText(rem, t) }));
    }
  }
  lines.push(
    "",
    b.sequence
      ? t(b.sequence.status === "paused" ? "card.sequence_paused" : "card.sequence", {
          name: b.sequence.name,
          step: b.sequence.current_step,
          total: b.sequence.total_steps,
        })
      : t("card.no_sequence"),
  );
  if (b.deals_open > 0) lines.push(t("card.deals", { count: b.deals_open }));
  lines.push(...(await serviceLines(ctx, ownerId, b.id)));
  const buttons: ChatButton[] = [];
  if (b.next_stage) {
    buttons.push({
      label: t("card.stage_button", { stage: stageName(b.next_stage, t) }),
      data: `${ACT_PREFIX}stage:${b.id}`,
    });
  }
  if (b.sequence?.status === "active")
    buttons.push({ label: t("card.pause_button"), data: `${ACT_PREFIX}pause:${b.id}` });
  if (b.sequence?.status === "paused")
    buttons.push({ label: t("card.resume_button"), data: `${ACT_PREFIX}resume:${b.id}` });
  if (b.sequence) buttons.push({ label: t("card.stop_button"), data: `${ACT_PREFIX}stop:${b.id}` });
  buttons.push(
    { label: t("card.job_done_button"), data: `${SERVICE_PREFIX}jd:${b.id}` },
    { label: t("card.appliance_button"), data: `${SERVICE_PREFIX}ap:${b.id}` },
  );
  const [first] = b.reminders;
  if (first) {
    buttons.push({
      label: short(t("card.done_button", { text: reminderText(first, t) }), LABEL_CHARS),
      data: `${DONE_PREFIX}${first.id}`,
    });
  }
  ctx.reply(lines.join("\n"), { buttons, about: { customerId: b.id } });
}

/**
 * `/card NAME`: the customer card, matching the name loosely ("anna", "Ana", "jensen") among the
 * person's OWN customers only; several equally good matches get one button each. `/card` alone:
 * the customer of the conversation in progress, else a button per customer (that one first).
 * Which customer is meant is core's one rule (core/crm/current-customer.ts).
 */
export const card: Feature = {
  name: "card",
  match: (ctx) => isCommand(ctx, "card"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const name = (ctx.command?.args ?? "").slice(0, 100).trim();
    const meant = await whichCustomer(ctx.deps, user.id, name);
    if (meant.kind === "one") return showCard(ctx, user.id, meant.customer.id);
    if (meant.kind === "unknown") return void ctx.reply(ctx.t("crm.no_customer", { name }));
    if (meant.kind === "none") return void ctx.reply(ctx.t("card.usage"));
    const buttons = meant.candidates.map((h) => ({
      label: short(h.name, LABEL_CHARS),
      data: `${ACT_PREFIX}card:${h.id}`,
    }));
    ctx.reply(name ? ctx.t("crm.pick_customer", { name, count: meant.candidates.length }) : ctx.t("card.usage"), {
      buttons,
    });
  },
};
