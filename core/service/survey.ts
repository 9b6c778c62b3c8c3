/**
 * The post-service survey (seed 004), the pure part: when a completed job is due for its survey,
 * the question in the customer's language, and reading a 1–5 answer out of a reply.
 */

const DAY_MS = 86_400_000;
/** A survey is sent from SURVEY_AFTER after completion until this much later; older jobs are never surveyed. */
export const SURVEY_SEND_GRACE_MS = 7 * DAY_MS;
/** A reply counts as the answer this long after the survey was sent. */
export const SURVEY_ANSWER_WINDOW_MS = 14 * DAY_MS;
/** Scores at or below this alert the owner in chat at once. */
export const LOW_SCORE_MAX = 2;

/** The completion dates whose survey is due at `now`: [now − after − grace, now − after]. */
export function surveyDueRange(now: Date, surveyAfterMs: number): { from: Date; to: Date } {
  const to = new Date(now.getTime() - surveyAfterMs);
  return { from: new Date(to.getTime() - SURVEY_SEND_GRACE_MS), to };
}

/**
 * A 1–5 answer read from a reply: "5", "4/5", "3 stars", "★★★★", "5 - great job!" (the rest is
 * the comment). A reply that does not start with a lone digit 1–5 or stars ("10", "thanks",
 * "in 15 min") is not an answer (null). Only read while the customer's survey awaits its answer.
 */
export function parseSurveyAnswer(text: string): { rating: number; comment: string | null } | null {
  const t = text.trim();
  const stars = /^([★⭐]{1,5})(?:\s+(.*))?$/su.exec(t);
  if (stars?.[1]) return { rating: [...stars[1]].length, comment: stars[2]?.trim() || null };
  const m =
    /^([1-5])(?:\s*(?:\/|of|af|ud af)\s*5)?(?:\s*(?:stars?|stjerner?|\*))?(?:(?:\s*[.,!:;–—-]\s*|\s+)(.*))?$/isu.exec(
      t,
    );
  if (!m?.[1]) return null;
  return { rating: Number(m[1]), comment: m[2]?.trim() || null };
}

/** What the survey says, by language (English when the customer's is not here). */
const QUESTIONS: Record<string, (v: { first: string; company: string; who: string; title: string }) => string> = {
  en: (v) =>
    `Hi ${v.first}, thank you for choosing ${v.company}! How did ${v.who} do on "${v.title}"? ` +
    "Reply with a number from 1 (poor) to 5 (excellent) — and a few words if you like.",
  da: (v) =>
    `Hej ${v.first}, tak fordi du valgte ${v.company}! Hvordan klarede ${v.who} opgaven "${v.title}"? ` +
    "Svar med et tal fra 1 (dårligt) til 5 (fremragende) — gerne med et par ord.",
};
const SUBJECTS: Record<string, string> = { en: "How did we do?", da: "Hvordan klarede vi det?" };
const WE: Record<string, string> = { en: "we", da: "vi" };

/** The survey question for one job, in the customer's language. */
export function surveyMessage(input: {
  language: string;
  customerName: string;
  companyName: string;
  technicianName: string | null;
  jobTitle: string;
}): { subject: string; body: string } {
  const lang = Object.hasOwn(QUESTIONS, input.language) ? input.language : "en";
  const ask = QUESTIONS[lang] ?? QUESTIONS.en;
  const first = input.customerName.trim().split(/\s+/)[0] || input.customerName;
  const body = (ask as NonNullable<typeof ask>)({
    first,
    company: input.companyName,
    who: input.technicianName?.trim() || (WE[lang] ?? "we"),
    title: input.jobTitle,
  });
  return { subject: SUBJECTS[lang] ?? "How did we do?", body };
}
