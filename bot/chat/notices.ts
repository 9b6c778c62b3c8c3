/**
 * Core's notices rendered in the person's language. This is the ONE place a notice becomes
 * words: core stores the notice as data (plus an English fallback body), and the chat app's
 * outbound step (outbound.ts) renders it here just before the channel sends it. The map below is
 * typed over every Notice kind, so a new kind does not compile until it has a rendering.
 */
import type { TFunction } from "i18next";
import { OFFER_MULTIPLIERS } from "../../core/marketplace/lead.service.js";
import { MAX_BID_MULTIPLIER } from "../../core/marketplace/pricing.js";
import { countdownStep } from "../../core/marketplace/window-countdown.js";
import type { Notice } from "../../core/messaging/notices.js";
import { ACT_PREFIX, DONE_PREFIX, REPLY_PREFIX, renderAgenda, SNOOZE_PREFIX } from "./agenda.js";
import { SHOW_PREFIX, suggestButton } from "./ai-buttons.js";
import { formatDuration, formatMoney, formatNumber, formatTime, type Lang, translator } from "./i18n.js";
import { bidChoice } from "./intents.js";
import type { ChatButton } from "./types.js";

export interface RenderContext {
  lang: Lang;
  tz: string;
  now: Date;
}

export interface Rendered {
  text: string;
  buttons?: ChatButton[];
}

type Ctx = RenderContext & { t: TFunction };
type Renderers = { [K in Notice["kind"]]: (n: Extract<Notice, { kind: K }>, c: Ctx) => Rendered };

const text = (s: string): Rendered => ({ text: s });

/** The live countdown line of a window message. */
function countdownLine(endsAt: Date | string, c: Ctx): string {
  const ends = new Date(endsAt);
  return c.t("window.time_left", {
    duration: formatDuration(countdownStep(ends, c.now), c.t),
    time: formatTime(ends, c.lang, c.tz),
  });
}

/**
 * The bid choices under a lead offer, in the person's language: one per offered multiplier
 * ("×1,2") and "Custom…" to type one. An offer queued before core sent `bidMultipliers` gets
 * today's standard set.
 */
function bidButtons(n: Extract<Notice, { kind: "lead_offer" }>, c: Ctx): ChatButton[] {
  const offered = Array.isArray(n.bidMultipliers) ? n.bidMultipliers : OFFER_MULTIPLIERS;
  return [
    ...offered
      .filter((m) => Number.isFinite(m) && m <= MAX_BID_MULTIPLIER)
      .map((m) => ({ label: `×${formatNumber(m, c.lang, 1)}`, data: bidChoice(n.leadId, m) })),
    { label: c.t("bid.custom_button"), data: bidChoice(n.leadId, "custom") },
  ];
}

const renderers: Renderers = {
  lead_offer: (n, c) => ({
    text: c.t("notice.lead_offer", {
      title: n.title,
      category: n.category,
      zip: n.zip,
      urgency: c.t(`urgency.${n.urgency}`, { defaultValue: n.urgency }),
      base: formatMoney(n.baseCost, c.lang),
      discount:
        n.discount < 1 ? c.t("notice.lead_offer_discount", { discount: formatNumber(n.discount, c.lang, 2) }) : "",
      time: formatTime(n.closesAt, c.lang, c.tz),
    }),
    buttons: bidButtons(n, c),
  }),
  bid_placed: (n, c) =>
    text(
      c.t("notice.bid_placed", {
        title: n.title,
        multiplier: formatNumber(n.multiplier, c.lang, 2),
        amount: formatMoney(n.amount, c.lang),
        time: formatTime(n.closesAt, c.lang, c.tz),
      }),
    ),
  window_opened: (n, c) => {
    const contact = [n.customerPhone, n.customerEmail].filter(Boolean).join(", ");
    const body = c.t("notice.window_opened", {
      title: n.title,
      rank: n.rank,
      customer: n.customerName,
      contact: contact ? `, ${contact}` : "",
      description: n.description ? `“${n.description.slice(0, 500)}”\n` : "",
      amount: formatMoney(n.amount, c.lang),
    });
    return text(`${body}\n${countdownLine(n.endsAt, c)}`);
  },
  window_warning: (n, c) =>
    text(
      c.t("notice.window_warning", {
        title: n.title,
        duration: formatDuration(n.minutesLeft, c.t),
        time: formatTime(n.endsAt, c.lang, c.tz),
      }),
    ),
  window_expired: (n, c) =>
    text(
      c.t(n.banned ? "notice.window_expired_banned" : "notice.window_expired", {
        title: n.title,
        count: n.strikeCount,
        max: n.strikesToBan,
      }),
    ),
  lead_lost: (n, c) => text(c.t(`notice.lead_lost_${n.reason}`, { title: n.title })),
  lead_contacted: (n, c) =>
    text(c.t("notice.lead_contacted", { title: n.title, amount: formatMoney(n.amount, c.lang) })),
  customer_reply: (n, c) => ({
    text: c.t("notice.customer_reply", { customer: n.customerName, text: n.text }),
    buttons: [
      { label: c.t("nudge.reply_button"), data: `${REPLY_PREFIX}${n.customerId}` },
      suggestButton(c.t, n.customerId, n.messageId),
      { label: c.t("nudge.card_button"), data: `${ACT_PREFIX}card:${n.customerId}` },
    ],
  }),
  negative_sentiment: (n, c) => ({
    text: c.t("notice.negative_sentiment", { customer: n.customerName }),
    buttons: [
      suggestButton(c.t, n.customerId, n.messageId),
      { label: c.t("nudge.call_button"), data: `${ACT_PREFIX}call:${n.customerId}` },
      { label: c.t("nudge.card_button"), data: `${ACT_PREFIX}card:${n.customerId}` },
    ],
  }),
  appeal_received: (_n, c) => text(c.t("notice.appeal_received")),
  access_decided: (n, c) =>
    n.approved
      ? {
          text: c.t("notice.access_approved", { name: n.name }),
          buttons: [
            { label: c.t("buttons.profile"), data: "cmd:profile" },
            { label: c.t("buttons.help"), data: "cmd:help" },
          ],
        }
      : text(
          n.note
            ? `${c.t("notice.access_rejected")}\n${c.t("notice.appeal_note", { note: n.note })}`
            : c.t("notice.access_rejected"),
        ),
  appeal_decided: (n, c) => {
    const main = c.t(n.approved ? "notice.appeal_approved" : "notice.appeal_rejected");
    return text(n.note ? `${main}\n${c.t("notice.appeal_note", { note: n.note })}` : main);
  },
  unanswered_alert: (n, c) =>
    text(c.t("notice.unanswered_alert", { title: n.title, duration: formatDuration(n.minutes, c.t) })),
  relay: (n, c) => text(c.t("notice.relay", { text: n.text })),
  reminder_due: (n, c) => ({
    text: c.t("notice.reminder_due", {
      customer: n.customerName ? ` — ${n.customerName}` : "",
      message: n.message || c.t(`reminder_type.${n.type}`, { defaultValue: n.type.replaceAll("_", " ") }),
    }),
    buttons: [
      { label: c.t("nudge.done_button"), data: `${DONE_PREFIX}${n.reminderId}` },
      { label: c.t("nudge.snooze_button"), data: `${SNOOZE_PREFIX}${n.reminderId}` },
      ...(n.customerId ? [{ label: c.t("nudge.card_button"), data: `${ACT_PREFIX}card:${n.customerId}` }] : []),
    ],
  }),
  tech_upsell: (n, c) => ({
    text: c.t("notice.tech_upsell", { technician: n.technicianName, address: n.address }),
    buttons: [
      { label: c.t("nudge.card_button"), data: `${ACT_PREFIX}card:${n.customerId}` },
      { label: c.t("nudge.call_button"), data: `${ACT_PREFIX}call:${n.customerId}` },
    ],
  }),
  blast: (n, c) => text(c.t("notice.blast", { text: n.text })),
  call_reminder: (n, c) => ({
    text: c.t("notice.call_reminder", {
      customer: n.customerName,
      phone: n.phone ? ` (${n.phone})` : "",
      text: n.text,
    }),
    buttons: [
      { label: c.t("nudge.call_button"), data: `${ACT_PREFIX}call:${n.customerId}` },
      { label: c.t("nudge.card_button"), data: `${ACT_PREFIX}card:${n.customerId}` },
    ],
  }),
  high_interest: (n, c) => ({
    text: c.t("notice.high_interest", { customer: n.customerName, clicks: n.clicks }),
    buttons: [
      { label: c.t("nudge.card_button"), data: `${ACT_PREFIX}card:${n.customerId}` },
      { label: c.t("nudge.call_button"), data: `${ACT_PREFIX}call:${n.customerId}` },
      { label: c.t("nudge.stage_button"), data: `${ACT_PREFIX}stage:${n.customerId}` },
    ],
  }),
  conversion_celebration: (n, c) =>
    text(
      n.revenue
        ? c.t("notice.conversion_won", { customer: n.customerName, revenue: formatMoney(n.revenue, c.lang) })
        : c.t("notice.conversion_no_revenue", { customer: n.customerName }),
    ),
  survey_low_score: (n, c) => ({
    text: c.t("notice.survey_low_score", {
      customer: n.customerName,
      job: n.jobTitle,
      rating: n.rating,
      technician: n.technicianName ? c.t("notice.survey_low_score_technician", { technician: n.technicianName }) : "",
      comment: n.comment ? `\n“${n.comment}”` : "",
    }),
    buttons: [
      { label: c.t("nudge.call_button"), data: `${ACT_PREFIX}call:${n.customerId}` },
      { label: c.t("nudge.card_button"), data: `${ACT_PREFIX}card:${n.customerId}` },
    ],
  }),
  morning_summary: (n, c) => morningSummary(n, c),
};

/** Buttons under one message (as renderAgenda's limit). */
const MAX_BUTTONS = 8;
const DRAFT_CHARS = 160;

/**
 * The morning summary: the day's agenda, then the AI drafts awaiting approval (a "✨" button each
 * shows the draft with Send / Edit / Discard — the summary itself sends nothing) and, for a
 * marketer, coaching on the daily method (the rules' tips translated, or the model's phrasing).
 */
function morningSummary(n: Extract<Notice, { kind: "morning_summary" }>, c: Ctx): Rendered {
  const agenda = renderAgenda(n.agenda, c, { morning: true });
  const lines = [agenda.text];
  const buttons = [...agenda.buttons];
  const drafts = Array.isArray(n.drafts) ? n.drafts : [];
  if (drafts.length > 0) {
    lines.push("", c.t("ai.morning_drafts", { count: drafts.length }));
    for (const d of drafts) {
      const words = [...d.text.replace(/\s+/g, " ")];
      const quote = words.length > DRAFT_CHARS ? `${words.slice(0, DRAFT_CHARS - 1).join("")}…` : words.join("");
      lines.push(
        c.t(`ai.morning_draft_${d.kind === "greeting" ? "greeting" : "followup"}`, {
          customer: d.customerName,
          text: quote,
        }),
      );
    }
    // Room is kept for the drafts' buttons: they are the day's one-tap actions the agenda does not have.
    buttons.splice(MAX_BUTTONS - drafts.length);
    for (const d of drafts) {
      buttons.push({ label: c.t("ai.show_button", { customer: d.customerName }), data: `${SHOW_PREFIX}${d.draftId}` });
    }
  }
  const tips = n.coaching?.tips ?? [];
  if (tips.length > 0) {
    lines.push("", c.t("ai.coaching_title"));
    for (const tip of tips) {
      const said =
        n.coaching?.engine === "llm" ? tip.text : c.t(`coach.${tip.id}`, { ...tip.vars, defaultValue: tip.text });
      lines.push(`• ${said}`);
    }
  }
  return { text: lines.join("\n"), buttons: buttons.slice(0, MAX_BUTTONS) };
}

/** Every notice kind the chat app can render (all of core's). */
export const NOTICE_KINDS = Object.keys(renderers) as Array<Notice["kind"]>;

/** True for an outbox payload that is one of core's notices. */
export function isNotice(payload: unknown): payload is Notice {
  const kind = (payload as { kind?: unknown } | null)?.kind;
  return typeof kind === "string" && Object.hasOwn(renderers, kind);
}

/** Render one notice for one person. */
export function renderNotice(notice: Notice, rc: RenderContext): Rendered {
  const render = renderers[notice.kind] as (n: Notice, c: Ctx) => Rendered;
  return render(notice, { ...rc, t: translator(rc.lang) });
}
