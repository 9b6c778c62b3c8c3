import { personalScope } from "../../../core/accounts/visibility.js";
import { advanceCustomer } from "../../../core/crm/customer.service.js";
import { createInteraction, deleteInteraction } from "../../../core/crm/interaction.service.js";
import { ownedCustomer } from "../../../core/crm/owned.js";
import { createReminder } from "../../../core/crm/reminder.service.js";
import { sendToCustomer } from "../../../core/messaging/conversation.service.js";
import { pause, resume, stop } from "../../../core/nurturing/sequence.service.js";
import { runningSequenceOf } from "../../../core/nurturing/sequence-query.js";
import { ACT_PREFIX, formatWhen, stageName } from "../agenda.js";
import { awaitUntil } from "../context.js";
import { failureText } from "../failures.js";
import type { ChatContext, CustomerAction, Feature } from "../types.js";
import { showCard } from "./card.js";
import { activeUser, isChoice } from "./match.js";

const UNDO_PREFIX = "undo:";
const own = personalScope;
const DONE_KEY = { pause: "crm.paused", resume: "crm.resumed", stop: "crm.stopped" } as const;

/** A customer the person named, by id and name. */
export interface Named {
  id: string;
  name: string;
}

/** Set a reminder at `at` (already checked to be ahead), on a customer or as the person's own note. */
export async function setReminder(ctx: ChatContext, ownerId: string, customer: Named | null, at: Date, note: string) {
  const r = await createReminder(ctx.deps, own(ownerId), {
    ...(customer ? { customer_id: customer.id } : {}),
    type: "custom",
    scheduled_for: at.toISOString(),
    message: note.slice(0, 2000),
  });
  if (!r.ok) {
    ctx.reply(failureText(ctx, "crmAction", r));
    return;
  }
  const when = formatWhen(at, { t: ctx.t, lang: ctx.lang, tz: ctx.tz, now: ctx.now });
  const text = note || ctx.t("reminder_type.custom");
  ctx.reply(
    customer
      ? ctx.t("crm.reminder_set_customer", { when, text, customer: customer.name })
      : ctx.t("crm.reminder_set", { when, text }),
    customer ? { about: { customerId: customer.id } } : {},
  );
}

async function nurture(ctx: ChatContext, ownerId: string, customer: Named, op: "pause" | "resume" | "stop") {
  const seq = await runningSequenceOf(ctx.deps, own(ownerId), customer.id);
  const vars = { customer: customer.name, name: seq?.template?.name ?? seq?.sequence_type ?? "" };
  const about = { customerId: customer.id };
  if (!seq) {
    ctx.reply(ctx.t("crm.no_sequence", vars));
    return;
  }
  if (op === "pause" && seq.status === "paused") return void ctx.reply(ctx.t("crm.already_paused", vars), { about });
  if (op === "resume" && seq.status === "active") return void ctx.reply(ctx.t("crm.already_active", vars), { about });
  const call = op === "pause" ? pause : op === "resume" ? resume : stop;
  const r = await call(ctx.deps, seq.id, own(ownerId));
  if (!r.ok) ctx.reply(failureText(ctx, "crmAction", r, vars));
  else ctx.reply(ctx.t(DONE_KEY[op], vars), { about: { ...about, sequenceId: seq.id } });
}

/**
 * Send words to one of the person's own customers (a reply, the Reply button, /msg); no words
 * yet → ask for them, and the next text is sent.
 */
export async function messageCustomer(ctx: ChatContext, ownerId: string, customer: Named, text: string) {
  const about = { customerId: customer.id };
  if (!text.trim()) {
    ctx.reply(ctx.t("message.ask_text", { customer: customer.name }), {
      awaiting: { type: "reply_customer", customerId: customer.id, until: awaitUntil(ctx.now) },
      about,
    });
    return;
  }
  const r = await sendToCustomer(ctx.deps, { ownerId, customerId: customer.id, text });
  if (!r.ok) return void ctx.reply(failureText(ctx, "sendToCustomer", r, { customer: customer.name }), { about });
  const later = r.value.sendAt.getTime() > ctx.now.getTime();
  ctx.reply(
    later
      ? ctx.t("message.queued", {
          customer: r.value.customerName,
          when: formatWhen(r.value.sendAt, { t: ctx.t, lang: ctx.lang, tz: ctx.tz, now: ctx.now }),
        })
      : ctx.t("message.sent", { customer: r.value.customerName }),
    { about },
  );
}

/**
 * Do what the person asked to one customer of theirs: log, remind, next stage, pause/resume/stop,
 * message. `sourceKey` names what asked (a button under one message): a log is written once.
 */
export async function runAction(
  ctx: ChatContext,
  ownerId: string,
  customer: Named,
  action: CustomerAction,
  sourceKey?: string,
) {
  const about = { customerId: customer.id };
  if (action.do === "message") return messageCustomer(ctx, ownerId, customer, action.text);
  if (action.do === "log") {
    const r = await createInteraction(
      ctx.deps,
      own(ownerId),
      {
        customer_id: customer.id,
        type: action.type,
        ...(action.type === "note" || action.type === "meeting" ? {} : { direction: "outbound" }),
        content: action.content.slice(0, 20_000),
      },
      undefined,
      sourceKey ? { sourceKey } : {},
    );
    if (!r.ok) return void ctx.reply(failureText(ctx, "crmAction", r));
    const vars = { type: ctx.t(`interaction.${action.type}`), customer: customer.name };
    if (r.value.replayed) return void ctx.reply(ctx.t("crm.already_logged", vars), { about });
    ctx.reply(ctx.t("crm.logged", vars), {
      buttons: [
        { label: ctx.t("crm.undo_button"), data: `${UNDO_PREFIX}${r.value.id}` },
        { label: ctx.t("crm.card_button"), data: `${ACT_PREFIX}card:${customer.id}` },
      ],
      about,
    });
    return;
  }
  if (action.do === "remind") return setReminder(ctx, ownerId, customer, new Date(action.at), action.note);
  if (action.do === "nurture") return nurture(ctx, ownerId, customer, action.op);
  const r = await advanceCustomer(ctx.deps, own(ownerId), customer.id, {});
  if (!r.ok) return void ctx.reply(failureText(ctx, "crmAction", r, { customer: customer.name }), { about });
  ctx.reply(
    ctx.t("crm.stage_moved", {
      customer: customer.name,
      from: stageName(r.value.from, ctx.t),
      to: stageName(r.value.to, ctx.t),
    }),
    { about },
  );
}

const OPS = new Set(["card", "stage", "pause", "resume", "stop", "call"]);

/**
 * A customer button: `act:<card|stage|pause|resume|stop|call>:<customerId>` (cards, /today,
 * confirmations, pushed nudges; `call` logs a call, from the high-interest nudge).
 */
export const customerButton: Feature = {
  name: "crm.button",
  match: (ctx) => isChoice(ctx, ACT_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const [, op = "", id = ""] = (ctx.msg.choice ?? "").split(":");
    if (!OPS.has(op)) return void ctx.reply(ctx.t("common.button_unknown"));
    const customer = await ownedCustomer(ctx.deps.prisma, own(user.id), id);
    if (!customer) return void ctx.reply(ctx.t("crm.customer_gone"));
    if (op === "card") return showCard(ctx, user.id, customer.id);
    const action: CustomerAction =
      op === "stage"
        ? { do: "stage" }
        : op === "call"
          ? { do: "log", type: "call", content: ctx.t("crm.call_from_button") }
          : { do: "nurture", op: op as "pause" | "resume" | "stop" };
    // A second press of the same button under the same message logs nothing more.
    const sourceKey = op === "call" && ctx.msg.replyTo ? `button:${ctx.msg.replyTo}:${ctx.msg.choice}` : undefined;
    await runAction(ctx, user.id, customer, action, sourceKey);
  },
};

/** "Undo" under a logged interaction: `undo:<interactionId>` deletes it; a second tap says it is gone. */
export const undoLog: Feature = {
  name: "crm.undo",
  match: (ctx) => isChoice(ctx, UNDO_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const r = await deleteInteraction(ctx.deps, own(user.id), (ctx.msg.choice ?? "").slice(UNDO_PREFIX.length));
    ctx.reply(ctx.t(r.ok ? "crm.undone" : "crm.undo_gone"));
  },
};
