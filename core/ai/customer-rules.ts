/**
 * The rules answers of the customer AI features (no model needed): the occasion of a greeting,
 * the greeting and follow-up drafts from templates in the customer's language. Pure.
 */
import { firstNameOf } from "../messaging/templates.js";
import type { NextBestAction } from "../nba/rules.js";
import type { CHANNELS } from "./schemas.js";

const DAY_MS = 86_400_000;

export type OccasionKind = "thank_you" | "anniversary" | "holidays" | "check_in";

/** The occasion for a greeting and what in the data says so. */
export interface Occasion {
  kind: OccasionKind;
  detail: string;
}

/**
 * The occasion, from the data: a job completed in the last 14 days → thank you; the yearly
 * anniversary of becoming a customer within a week → anniversary; 15 Dec – 5 Jan → holidays;
 * otherwise a check-in. First match wins, in that order (the most personal first).
 */
export function occasionFor(
  c: {
    created_at: Date;
    jobs: ReadonlyArray<{ title: string; status: string; completion_date: Date | null }>;
  },
  now: Date,
): Occasion {
  const recent = c.jobs.find(
    (j) => j.status === "completed" && j.completion_date && now.getTime() - j.completion_date.getTime() <= 14 * DAY_MS,
  );
  if (recent) return { kind: "thank_you", detail: `job "${recent.title}" completed recently` };
  const years = now.getUTCFullYear() - c.created_at.getUTCFullYear();
  if (years >= 1) {
    const anniversary = Date.UTC(now.getUTCFullYear(), c.created_at.getUTCMonth(), c.created_at.getUTCDate());
    if (Math.abs(anniversary - now.getTime()) <= 7 * DAY_MS) {
      return { kind: "anniversary", detail: `${years} year(s) as a customer` };
    }
  }
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  if ((m === 11 && d >= 15) || (m === 0 && d <= 5)) return { kind: "holidays", detail: "the holiday season" };
  return { kind: "check_in", detail: "no special occasion; a friendly check-in" };
}

const GREETINGS: Record<string, Record<OccasionKind, (first: string, company: string) => string>> = {
  en: {
    thank_you: (f, co) =>
      `Hi ${f}, thank you for having ${co} over. We hope everything works perfectly — just reply if anything comes up.`,
    anniversary: (f, co) => `Hi ${f}, it's been another year since you first chose ${co}. Thank you for your trust!`,
    holidays: (f, co) => `Hi ${f}, warm holiday wishes from all of us at ${co}. Have a wonderful season!`,
    check_in: (f, co) => `Hi ${f}, ${co} here — just checking in to see that everything at home is running smoothly.`,
  },
  da: {
    thank_you: (f, co) =>
      `Hej ${f}, tak fordi vi fra ${co} måtte komme forbi. Vi håber, alt virker perfekt — skriv bare, hvis der er noget.`,
    anniversary: (f, co) => `Hej ${f}, nu er det endnu et år siden, du første gang valgte ${co}. Tak for tilliden!`,
    holidays: (f, co) => `Hej ${f}, de bedste juleønsker fra os alle hos ${co}. Rigtig glædelig jul og godt nytår!`,
    check_in: (f, co) => `Hej ${f}, det er ${co} — vi ville bare høre, om alt derhjemme kører, som det skal.`,
  },
};

/** The template greeting for an occasion in the customer's language (English when we have none). */
export function greetingFor(kind: OccasionKind, language: string, name: string, company: string): string {
  const set = GREETINGS[language] ?? GREETINGS.en;
  return (set as NonNullable<typeof set>)[kind](firstNameOf(name) ?? name, company);
}

type Channel = (typeof CHANNELS)[number];

/** The channel to draft on: the customer's preferred one (a phone preference means a call). */
export function draftChannel(c: { preferred_contact_method: string | null; email: string | null }): Channel {
  const p = c.preferred_contact_method;
  if (p === "phone") return "call";
  if (p === "whatsapp" || p === "telegram" || p === "sms" || p === "email") return p;
  return c.email ? "email" : "sms";
}

const CHECK_IN: Record<string, (first: string) => string> = {
  en: (f) => `Hi ${f}, just following up — is there anything I can help you with this week?`,
  da: (f) => `Hej ${f}, jeg følger lige op — er der noget, jeg kan hjælpe dig med i denne uge?`,
};

/**
 * Follow-up drafts from the rules: one per next best action (at most three), on the customer's
 * channel, urgent ones today, a template message in their language.
 */
export function ruleFollowups(
  c: { name: string; language_preference: string; preferred_contact_method: string | null; email: string | null },
  actions: readonly NextBestAction[],
  _now: Date,
): Array<{ channel: Channel; when: string; message: string; action: string | null }> {
  const say = CHECK_IN[c.language_preference] ?? CHECK_IN.en;
  const message = (say as NonNullable<typeof say>)(firstNameOf(c.name) ?? c.name);
  const channel = draftChannel(c);
  const picked = actions.slice(0, 3);
  if (picked.length === 0) return [{ channel, when: "this week", message, action: null }];
  return picked.map((a) => ({ channel, when: a.priority >= 70 ? "today" : "this week", message, action: a.action }));
}
