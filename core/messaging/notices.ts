/**
 * Everything LeadRelay tells a person in chat, as data. The outbox stores the notice (kind +
 * fields) and a rendered text; chat adapters re-render it in the person's language and draw
 * its choices (buttons, numbered options) from the facts here — core never writes button data.
 */
import type { Agenda } from "../nba/agenda.js";

export type Notice =
  | {
      kind: "lead_offer";
      leadId: string;
      title: string;
      category: string;
      zip: string;
      urgency: string;
      baseCost: string;
      discount: number;
      closesAt: string;
      /** Bid multipliers offered as one-tap choices (the chat app draws them; any other is typed). */
      bidMultipliers: number[];
    }
  | { kind: "bid_placed"; leadId: string; title: string; multiplier: number; amount: string; closesAt: string }
  | {
      kind: "window_opened";
      leadId: string;
      bidId: string;
      title: string;
      rank: number;
      customerName: string;
      customerPhone: string | null;
      customerEmail: string | null;
      description: string;
      endsAt: string;
      amount: string;
    }
  | { kind: "window_warning"; leadId: string; bidId: string; title: string; endsAt: string; minutesLeft: number }
  | {
      kind: "window_expired";
      leadId: string;
      title: string;
      strikeCount: number;
      strikesToBan: number;
      banned: boolean;
    }
  | { kind: "lead_lost"; leadId: string; title: string; reason: "outbid" | "taken" | "expired" | "unreachable" }
  | { kind: "lead_contacted"; leadId: string; title: string; amount: string; customerId: string }
  | {
      kind: "customer_reply";
      leadId: string | null;
      customerId: string;
      customerName: string;
      text: string;
      /** The stored message (for "✨ Suggest reply"); absent on notices queued before it was added. */
      messageId?: string;
    }
  /** A customer's message the sentiment rules read as negative: a nudge to answer it soon. */
  | { kind: "negative_sentiment"; customerId: string; customerName: string; messageId: string; score: number }
  | { kind: "appeal_received"; appealId: string }
  | { kind: "appeal_decided"; appealId: string; approved: boolean; note: string | null }
  | { kind: "access_decided"; userId: string; name: string; approved: boolean; note: string | null }
  | { kind: "unanswered_alert"; leadId: string; title: string; minutes: number }
  | { kind: "relay"; text: string; fromName: string }
  | {
      kind: "reminder_due";
      reminderId: string;
      customerId: string | null;
      customerName: string | null;
      type: string;
      message: string;
      scheduledFor: string;
    }
  | { kind: "tech_upsell"; dealId: string; jobId: string; customerId: string; technicianName: string; address: string }
  | { kind: "blast"; text: string; subject?: string }
  | {
      kind: "call_reminder";
      sequenceId: string;
      customerId: string;
      customerName: string;
      phone: string | null;
      text: string;
    }
  | { kind: "high_interest"; sequenceId: string; customerId: string; customerName: string; clicks: number }
  | { kind: "conversion_celebration"; sequenceId: string; customerName: string; revenue: string | null }
  | {
      kind: "survey_low_score";
      customerId: string;
      customerName: string;
      jobId: string;
      jobTitle: string;
      technicianName: string | null;
      rating: number;
      comment: string | null;
    }
  | {
      kind: "morning_summary";
      agenda: Agenda;
      /** Today's follow-up and greeting drafts awaiting approval (core/ai/schedules.service.ts). */
      drafts?: Array<{ draftId: string; kind: string; customerId: string; customerName: string; text: string }>;
      /** Coaching for a marketer's daily method (core/ai/coaching.ts): rule tips, or the model's phrasing. */
      coaching?: { engine: "llm" | "rules"; tips: Array<{ id: string; vars: Record<string, number>; text: string }> };
    };

const money = (amount: string) => `$${amount}`;
const time = (iso: string) => `${iso.slice(11, 16)} UTC`;

/**
 * Plain-text rendering of a notice (English; the chat app's catalogue takes over per language).
 * Kept short: it is read on a phone.
 */
export function renderNotice(n: Notice, _language = "en"): string {
  switch (n.kind) {
    case "lead_offer":
      return `New lead: ${n.title} (${n.category}, ZIP ${n.zip}, ${n.urgency}). Base ${money(n.baseCost)}${
        n.discount < 1 ? `, your discount ×${n.discount.toFixed(2)}` : ""
      }. Bidding closes ${time(n.closesAt)}. Tap a multiplier to bid.`;
    case "bid_placed":
      return `Bid placed on "${n.title}": ×${n.multiplier.toFixed(2)} = ${money(n.amount)}. Bidding closes ${time(n.closesAt)}.`;
    case "window_opened":
      return `You won "${n.title}" (rank ${n.rank}). Your response window is open until ${time(n.endsAt)}. Customer: ${
        n.customerName
      }${n.customerPhone ? `, ${n.customerPhone}` : ""}${n.customerEmail ? `, ${n.customerEmail}` : ""}. Reply here to message them — your first reply counts as contact (${money(n.amount)} is charged then).`;
    case "window_warning":
      return `${n.minutesLeft} minutes left to answer "${n.title}" (until ${time(n.endsAt)}). Reply now or it passes to the next bidder and you get a strike.`;
    case "window_expired":
      return `Your window for "${n.title}" ended without a reply: strike ${n.strikeCount}/${n.strikesToBan}.${
        n.banned ? " You are now banned from bidding. Send /appeal with your reason to ask for a review." : ""
      }`;
    case "lead_lost":
      return n.reason === "outbid"
        ? `"${n.title}": your bid was not in the top 3 this time.`
        : n.reason === "taken"
          ? `"${n.title}" was taken by another contractor.`
          : n.reason === "unreachable"
            ? `"${n.title}" is closed: the customer cannot be reached on any channel. Nobody is charged and no strike is given.`
            : `"${n.title}" expired.`;
    case "lead_contacted":
      return `Contact recorded for "${n.title}". ${money(n.amount)} charged. The customer is now in your customers.`;
    case "customer_reply":
      return `${n.customerName}: ${n.text}`;
    case "negative_sentiment":
      return `⚠️ ${n.customerName} sounds unhappy. Answer soon — tap Suggest reply for a draft.`;
    case "appeal_received":
      return "Your appeal was received. An admin will review it soon.";
    case "appeal_decided":
      return n.approved
        ? `Your appeal was approved: you can bid again and your strikes are reset.${n.note ? ` Note: ${n.note}` : ""}`
        : `Your appeal was rejected; the bidding ban stays.${n.note ? ` Note: ${n.note}` : ""}`;
    case "access_decided":
      return n.approved
        ? `Welcome, ${n.name}! Your access is approved. Set your service ZIP codes and categories with /profile, then send /help.`
        : `Your access request was not approved.${n.note ? ` Note: ${n.note}` : ""} Please contact your admin.`;
    case "unanswered_alert":
      return `Alert: "${n.title}" has had no answer for ${n.minutes} minutes.`;
    case "relay":
      return n.text;
    case "reminder_due":
      return `Reminder${n.customerName ? ` — ${n.customerName}` : ""}: ${n.message || n.type.replaceAll("_", " ")}`;
    case "tech_upsell":
      return `Tech ${n.technicianName} just flagged a system for replacement at ${n.address}.`;
    case "blast":
      return n.text;
    case "call_reminder":
      return `Call reminder — ${n.customerName}${n.phone ? ` (${n.phone})` : ""}: ${n.text}`;
    case "high_interest":
      return `${n.customerName} clicked your link twice — check whether they booked elsewhere.`;
    case "conversion_celebration":
      return n.revenue
        ? `🎉 Congratulations! ${n.customerName} converted — ${money(n.revenue)} booked. Keep it going!`
        : `🎉 Congratulations! ${n.customerName} converted. Send the final sale amount to count it in your revenue.`;
    case "survey_low_score":
      return `⚠️ ${n.customerName} rated "${n.jobTitle}" ${n.rating}/5${
        n.technicianName ? ` (technician ${n.technicianName})` : ""
      }${n.comment ? `: “${n.comment}”` : ""}. Call them today.`;
    case "morning_summary":
      return `Good morning! Today: ${n.agenda.remindersTotal} reminders, ${n.agenda.nextActionsTotal} overdue next actions, ${n.agenda.nudges.length} suggestions. Send /today for the details.`;
  }
}
