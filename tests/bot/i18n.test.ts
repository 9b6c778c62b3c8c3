import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LANGUAGES } from "../../bot/chat/i18n.js";
import { NOTICE_KINDS, renderNotice } from "../../bot/chat/notices.js";
import type { Notice } from "../../core/messaging/notices.js";

const NOW = new Date("2026-01-05T09:00:00.000Z");
const ID = "00000000-0000-4000-8000-000000000001";

/** One example of every notice kind (typed: a new kind must be added here too). */
const EXAMPLES: { [K in Notice["kind"]]: Extract<Notice, { kind: K }> } = {
  lead_offer: {
    kind: "lead_offer",
    leadId: ID,
    title: "AC repair",
    category: "HVAC",
    zip: "85004",
    urgency: "high",
    baseCost: "40.00",
    discount: 0.9,
    closesAt: "2026-01-05T09:15:00.000Z",
    bidMultipliers: [0.8],
  },
  bid_placed: {
    kind: "bid_placed",
    leadId: ID,
    title: "AC repair",
    multiplier: 1.2,
    amount: "43.20",
    closesAt: "2026-01-05T09:15:00.000Z",
  },
  window_opened: {
    kind: "window_opened",
    leadId: ID,
    bidId: ID,
    title: "AC repair",
    rank: 1,
    customerName: "Anna",
    customerPhone: "+16025550142",
    customerEmail: null,
    description: "Warm air",
    endsAt: "2026-01-05T11:00:00.000Z",
    amount: "43.20",
  },
  window_warning: {
    kind: "window_warning",
    leadId: ID,
    bidId: ID,
    title: "AC repair",
    endsAt: "2026-01-05T11:00:00.000Z",
    minutesLeft: 15,
  },
  window_expired: {
    kind: "window_expired",
    leadId: ID,
    title: "AC repair",
    strikeCount: 3,
    strikesToBan: 3,
    banned: true,
  },
  lead_lost: { kind: "lead_lost", leadId: ID, title: "AC repair", reason: "taken" },
  lead_contacted: { kind: "lead_contacted", leadId: ID, title: "AC repair", amount: "43.20", customerId: ID },
  customer_reply: { kind: "customer_reply", leadId: ID, customerId: ID, customerName: "Anna", text: "Thanks!" },
  negative_sentiment: { kind: "negative_sentiment", customerId: ID, customerName: "Anna", messageId: ID, score: -0.6 },
  appeal_received: { kind: "appeal_received", appealId: ID },
  appeal_decided: { kind: "appeal_decided", appealId: ID, approved: false, note: "Two strikes were fair" },
  access_decided: { kind: "access_decided", userId: ID, name: "Nina", approved: true, note: null },
  unanswered_alert: { kind: "unanswered_alert", leadId: ID, title: "AC repair", minutes: 30 },
  relay: { kind: "relay", text: "See you at 3", fromName: "Bob's HVAC" },
  reminder_due: {
    kind: "reminder_due",
    reminderId: ID,
    customerId: ID,
    customerName: "Anna",
    type: "follow_up",
    message: "",
    scheduledFor: "2026-01-05T11:00:00.000Z",
  },
  tech_upsell: {
    kind: "tech_upsell",
    dealId: ID,
    jobId: ID,
    customerId: ID,
    technicianName: "Tom",
    address: "1 Main St",
  },
  blast: { kind: "blast", text: "Spring tune-up special" },
  call_reminder: {
    kind: "call_reminder",
    sequenceId: ID,
    customerId: ID,
    customerName: "Anna",
    phone: null,
    text: "Ask about the estimate",
  },
  high_interest: { kind: "high_interest", sequenceId: ID, customerId: ID, customerName: "Anna", clicks: 2 },
  conversion_celebration: { kind: "conversion_celebration", sequenceId: ID, customerName: "Anna", revenue: "9000.00" },
  survey_low_score: {
    kind: "survey_low_score",
    customerId: ID,
    customerName: "Anna",
    jobId: ID,
    jobTitle: "AC repair",
    technicianName: "Mike",
    rating: 1,
    comment: "Late and messy",
  },
  morning_summary: {
    kind: "morning_summary",
    agenda: {
      userId: ID,
      role: "marketer",
      date: "2026-01-05",
      timezone: "Europe/Copenhagen",
      reminders: [
        {
          id: ID,
          customerId: ID,
          customerName: "Anna",
          type: "follow_up_48h",
          message: "",
          scheduledFor: "2026-01-05T07:00:00.000Z",
          overdue: true,
        },
      ],
      remindersTotal: 3,
      nextActions: [{ customerId: ID, customerName: "Bo", text: "Send the quote", dueAt: "2026-01-04T09:00:00.000Z" }],
      nextActionsTotal: 1,
      nudges: [
        {
          customerId: ID,
          customerName: "Carl",
          stage: "relationship",
          nextStage: "invited",
          action: "invite",
          label: "Invite them to take a look",
        },
      ],
      dmo: { invites: { today: 2, goal: 5 }, followUps: { today: 5, goal: 5 }, streakDays: 3, goalsHitToday: false },
    },
    drafts: [{ draftId: ID, kind: "greeting", customerId: ID, customerName: "Dora", text: "Happy holidays!" }],
    coaching: { engine: "rules", tips: [{ id: "invites_short", vars: { left: 3, today: 2, goal: 5 }, text: "x" }] },
  },
};

function keysOf(obj: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === "object" ? keysOf(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe("the chat catalogues", () => {
  const catalogues = Object.fromEntries(
    LANGUAGES.map((l) => [l, JSON.parse(readFileSync(new URL(`../../bot/i18n/${l}.json`, import.meta.url), "utf8"))]),
  );

  it("have the same keys in every language", () => {
    const en = keysOf(catalogues.en).sort();
    for (const lang of LANGUAGES) expect(keysOf(catalogues[lang]).sort(), lang).toEqual(en);
  });

  it("render every notice kind in every language, with nothing left untranslated", () => {
    expect(NOTICE_KINDS.sort()).toEqual(Object.keys(EXAMPLES).sort());
    for (const lang of LANGUAGES) {
      for (const notice of Object.values(EXAMPLES)) {
        const r = renderNotice(notice, { lang, tz: "Europe/Copenhagen", now: NOW });
        expect(r.text, `${lang} ${notice.kind}`).not.toMatch(
          /\{\{|notice\.|urgency\.|window\.|duration\.|today\.|stage\.|nba\.|reminder_type\.|ai\.|coach\./,
        );
        expect(r.text.length, `${lang} ${notice.kind}`).toBeGreaterThan(3);
      }
    }
  });

  it("renders amounts, times and buttons the local way", () => {
    const en = renderNotice(EXAMPLES.lead_offer, { lang: "en", tz: "America/Phoenix", now: NOW });
    expect(en.text).toContain("Base price $40.00 (your discount ×0.90)");
    expect(en.text).toContain("high urgency");
    expect(en.buttons?.map((b) => b.label)).toEqual(["×0.8", "Custom…"]);
    const da = renderNotice(EXAMPLES.lead_offer, { lang: "da", tz: "Europe/Copenhagen", now: NOW });
    expect(da.text).toContain("Budrunden lukker kl. 10.15");
    expect(da.buttons?.map((b) => b.label)).toEqual(["×0,8", "Andet…"]);
    const w = renderNotice(EXAMPLES.window_opened, { lang: "da", tz: "Europe/Copenhagen", now: NOW });
    expect(w.text).toContain("Cirka 2 t. tilbage (til kl. 12.00)");
  });
});
