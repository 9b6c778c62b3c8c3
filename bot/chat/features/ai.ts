/**
 * The AI layer in chat (Telegram, WhatsApp, sandbox): "✨ Suggest reply" under a relayed customer
 * message → a draft with Send / Edit / Discard; `/summary NAME` → the customer's timeline in
 * short. Drafts live in core (core/ai/drafts.service.ts), so the buttons survive a restart and a
 * double tap sends once; nothing reaches a customer unless its owner taps Send.
 */

import { personalScope } from "../../../core/accounts/visibility.js";
import { timelineSummary } from "../../../core/ai/customer-ai.service.js";
import {
  type DraftView,
  discardDraft,
  editDraft,
  getDraft,
  sendDraft,
  suggestReply,
  suggestReplyToCustomer,
} from "../../../core/ai/drafts.service.js";
import { whichCustomer } from "../../../core/crm/current-customer.js";
import type { Failure } from "../../../core/errors.js";
import { formatWhen, stageName } from "../agenda.js";
import {
  DISCARD_PREFIX,
  draftButtons,
  EDIT_PREFIX,
  SEND_PREFIX,
  SHOW_PREFIX,
  SUGGEST_CUSTOMER_PREFIX,
  SUGGEST_PREFIX,
  SUMMARY_PREFIX,
} from "../ai-buttons.js";
import { awaitUntil } from "../context.js";
import { failureText } from "../failures.js";
import { formatDate } from "../i18n.js";
import type { ChatContext, Feature } from "../types.js";
import { activeUser, isChoice, isCommand, isPlainText } from "./match.js";

const LABEL_CHARS = 40;
const HIGHLIGHTS = 5;
const short = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join("")}…` : s);
const idAfter = (ctx: ChatContext, prefix: string) => (ctx.msg.choice ?? "").slice(prefix.length);

/** A draft with its buttons (pending), or what became of it (sent, discarded). */
function showDraft(ctx: ChatContext, d: DraftView): void {
  const about = { customerId: d.customerId };
  if (d.status === "sent") return void ctx.reply(ctx.t("ai.already_sent", { customer: d.customerName }), { about });
  if (d.status === "discarded") return void ctx.reply(ctx.t("ai.discarded", { customer: d.customerName }), { about });
  ctx.reply(ctx.t(`ai.draft_${d.kind}`, { customer: d.customerName, text: d.text }), {
    buttons: draftButtons(ctx.t, d.id),
    about,
  });
}

/** A draft that could not be read or changed: gone, or already decided. */
function draftFailure(ctx: ChatContext, f: Failure): void {
  ctx.reply(ctx.t(f.code === "CONFLICT" ? "ai.already_decided" : "ai.gone"));
}

/** "✨ Suggest reply": `ai:sg:<messageId>` (or `ai:sc:<customerId>` from a nudge) → a draft. */
export const aiSuggest: Feature = {
  name: "ai.suggest",
  match: (ctx) => isChoice(ctx, SUGGEST_PREFIX) || isChoice(ctx, SUGGEST_CUSTOMER_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const r = isChoice(ctx, SUGGEST_PREFIX)
      ? await suggestReply(ctx.deps, user.id, idAfter(ctx, SUGGEST_PREFIX))
      : await suggestReplyToCustomer(ctx.deps, user.id, idAfter(ctx, SUGGEST_CUSTOMER_PREFIX));
    if (!r.ok) return void ctx.reply(ctx.t("ai.no_message"));
    showDraft(ctx, r.value);
  },
};

/** `ai:show:<draftId>` (the morning summary's drafts): the draft with Send / Edit / Discard. */
export const aiShow: Feature = {
  name: "ai.show",
  match: (ctx) => isChoice(ctx, SHOW_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const r = await getDraft(ctx.deps, user.id, idAfter(ctx, SHOW_PREFIX));
    if (!r.ok) return draftFailure(ctx, r);
    showDraft(ctx, r.value);
  },
};

/** Send: the owner's tap is the only way a draft reaches the customer; a second tap sends nothing. */
export const aiSend: Feature = {
  name: "ai.send",
  match: (ctx) => isChoice(ctx, SEND_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const r = await sendDraft(ctx.deps, user.id, idAfter(ctx, SEND_PREFIX));
    if (!r.ok) {
      if (r.code === "NOT_FOUND" || r.code === "CONFLICT") return draftFailure(ctx, r);
      return void ctx.reply(failureText(ctx, "sendToCustomer", r));
    }
    const about = { customerId: r.value.draft.customerId };
    if (r.value.already) {
      return void ctx.reply(ctx.t("ai.already_sent", { customer: r.value.draft.customerName }), { about });
    }
    const sent = r.value.sent;
    const later = sent.sendAt.getTime() > ctx.now.getTime();
    const rc = { t: ctx.t, lang: ctx.lang, tz: ctx.tz, now: ctx.now };
    ctx.reply(
      later
        ? ctx.t("message.queued", { customer: sent.customerName, when: formatWhen(sent.sendAt, rc) })
        : ctx.t("message.sent", { customer: sent.customerName }),
      { about },
    );
  },
};

/** Edit: ask for the owner's own words; they replace the draft, which is shown again to Send. */
export const aiEdit: Feature = {
  name: "ai.edit",
  match: (ctx) => isChoice(ctx, EDIT_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const r = await getDraft(ctx.deps, user.id, idAfter(ctx, EDIT_PREFIX));
    if (!r.ok) return draftFailure(ctx, r);
    if (r.value.status !== "pending") return showDraft(ctx, r.value);
    ctx.reply(ctx.t("ai.edit_ask", { customer: r.value.customerName }), {
      awaiting: { type: "edit_draft", draftId: r.value.id, until: awaitUntil(ctx.now) },
      about: { customerId: r.value.customerId },
    });
  },
};

/** The words after Edit: the draft's new text (still only a draft). */
export const aiEditText: Feature = {
  name: "ai.edit_text",
  match: (ctx) => ctx.awaiting?.type === "edit_draft" && isPlainText(ctx),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user || ctx.awaiting?.type !== "edit_draft") return;
    const r = await editDraft(ctx.deps, user.id, ctx.awaiting.draftId, ctx.text);
    if (!r.ok) {
      if (r.code === "NOT_FOUND" || r.code === "CONFLICT") return draftFailure(ctx, r);
      return void ctx.reply(failureText(ctx, "sendToCustomer", r));
    }
    showDraft(ctx, r.value);
  },
};

/** Discard: the draft is dropped and nothing is sent. */
export const aiDiscard: Feature = {
  name: "ai.discard",
  match: (ctx) => isChoice(ctx, DISCARD_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const r = await discardDraft(ctx.deps, user.id, idAfter(ctx, DISCARD_PREFIX));
    if (!r.ok) return draftFailure(ctx, r);
    if (r.value.status === "sent") return showDraft(ctx, r.value);
    ctx.reply(ctx.t("ai.discarded", { customer: r.value.customerName }), { about: { customerId: r.value.customerId } });
  },
};

/** The timeline summary of one customer: the model's prose when it answered, else the digest. */
async function showSummary(ctx: ChatContext, ownerId: string, customerId: string): Promise<void> {
  const r = await timelineSummary(ctx.deps, personalScope(ownerId), customerId);
  if (!r.ok) return void ctx.reply(ctx.t("crm.customer_gone"));
  const s = r.value;
  const customer = await ctx.deps.prisma.customer.findUnique({
    where: { id: customerId },
    select: { name: true, pipeline_status: true },
  });
  const name = customer?.name ?? "";
  const lines =
    s.engine === "llm"
      ? [ctx.t("ai.summary_title", { customer: name }), s.summary]
      : [
          ctx.t("ai.summary_title", { customer: name }),
          ctx.t("ai.summary_digest", {
            stage: stageName(customer?.pipeline_status ?? "", ctx.t),
            jobs: s.digest.jobs,
            interactions: s.digest.interactions,
            last: s.digest.last_contacted_at
              ? formatDate(new Date(s.digest.last_contacted_at), ctx.lang, ctx.tz)
              : ctx.t("ai.never"),
          }),
        ];
  const highlights = s.highlights.slice(0, HIGHLIGHTS);
  if (highlights.length > 0) lines.push("", ...highlights.map((h) => `• ${short(h, 200)}`));
  else if (s.engine === "rules") lines.push("", ctx.t("ai.summary_empty"));
  ctx.reply(lines.join("\n"), { about: { customerId } });
}

/** `/summary NAME` — which customer by core's one rule (core/crm/current-customer.ts). */
export const aiSummary: Feature = {
  name: "ai.summary",
  match: (ctx) => isCommand(ctx, "summary"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const name = (ctx.command?.args ?? "").trim();
    const meant = await whichCustomer(ctx.deps, user.id, name);
    if (meant.kind === "one") return showSummary(ctx, user.id, meant.customer.id);
    if (meant.kind === "unknown") return void ctx.reply(ctx.t("crm.no_customer", { name }));
    if (meant.kind === "none") return void ctx.reply(ctx.t("ai.summary_usage"));
    const buttons = meant.candidates.map((h) => ({
      label: short(h.name, LABEL_CHARS),
      data: `${SUMMARY_PREFIX}${h.id}`,
    }));
    ctx.reply(name ? ctx.t("crm.pick_customer", { name, count: meant.candidates.length }) : ctx.t("ai.summary_usage"), {
      buttons,
    });
  },
};

/** `ai:sum:<customerId>`: the summary of the customer picked from the list. */
export const aiSummaryButton: Feature = {
  name: "ai.summary_button",
  match: (ctx) => isChoice(ctx, SUMMARY_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    await showSummary(ctx, user.id, idAfter(ctx, SUMMARY_PREFIX));
  },
};
