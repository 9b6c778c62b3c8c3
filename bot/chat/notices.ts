/**
 * Core's notices rendered in the person's language. This is the ONE place a notice becomes
 * words: core stores the notice as data (plus an English fallback body), and the chat app's
 * outbound step (outbound.ts) renders it here just before the channel sends it. The map below is
 * typed over every Notice kind, so a new kind does not compile until it has a rendering.
 */
import type { TFunction } from "i18next";
import { MAX_BID_MULTIPLIER } from "../../core/marketplace/pricing.js";
import { countdownStep } from "../../core/marketplace/window-countdown.js";
import type { Notice } from "../../core/messaging/notices.js";
import { ACT_PREFIX, DONE_PREFIX, REPLY_PREFIX, renderAgenda, SNOOZE_PREFIX } from "./agenda.js";
import { formatDuration, formatMoney, formatNumber, formatTime, type Lang, translator } from "./i18n.js";
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
export function countdownLine(endsAt: Date | string, c: Ctx): string {
  const ends = new Date(endsAt);
  return c.t("window.time_left", {
    duration: formatDuration(countdownStep(ends, c.now), c.t),
    time: formatTime(ends, c.lang, c.tz),
  });
}

/** Bid buttons in the person's language: `bid:<lead>:<m>` → "×1,2", `…:custom` → "Custom…". */
function bidButtons(buttons: readonly ChatButton[], c: Ctx): ChatButton[] {
  return buttons.map((b) => {
    const m = /^bid:[^:]+:(.+)$/.exec(b.data)?.[1];
    if (m === "custom") return { label: c.t("bid.custom_button"), data: b.data };
    const value = Number(m);
    if (m && Number.isFinite(value) && value <= MAX_BID_MULTIPLIER) {
      return { label: `×${formatNumber(value, c.lang, 1)}`, data: b.data };
    }
    return b;
  });
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
    buttons: bidButtons(n.buttons, c),
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
  tech_upsell: (n, c) => text(c.t("notice.tech_upsell", { technician: n.technicianName, address: n.address })),
  blast: (n, c) => text(c.t("notice.blast", { text: n.text })),
  call_reminder: (n, c) =>
    text(
      c.t("notice.call_reminder", { customer: n.customerName, phone: n.phone ? ` (${n.phone})` : "", text: n.text }),
    ),
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
  morning_summary: (n, c) => renderAgenda(n.agenda, c, { morning: true }),
};

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
