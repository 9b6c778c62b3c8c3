/**
 * Coaching for a marketer's daily method of operation (seed 003, Frazer Brookes: Talk → Invite →
 * Show → Keep talking), on the dashboard and in the morning summary. The rules choose the tips
 * from today's DMO counters (deterministic, explained by their numbers); with a model configured
 * and the `coaching` feature on, the model may only rephrase them — same tips, same numbers.
 */
import type { CoreDeps } from "../context.js";
import { type DmoKpis, dmoKpis } from "../kpi/dmo.kpi.js";
import { AI_TTL_MS } from "./customer-ai.service.js";
import { askLlm, type Engine } from "./llm-gateway.js";
import { coachingSchema } from "./schemas.js";

/** One tip: a stable id (the chat translates `coach.<id>` with `vars`), its numbers, English text. */
export interface CoachingTip {
  id: string;
  vars: Record<string, number>;
  text: string;
}

/** At most this many tips: a nudge, not a lecture. */
export const MAX_TIPS = 3;

const TEXT: Record<string, (v: Record<string, number>) => string> = {
  goals_hit: (v) => `Both goals hit today — great work! Keep talking to grow your ${v.streak}-day streak.`,
  overdue: (v) => `Clear your ${v.count} overdue actions first: they are your warmest conversations.`,
  invites_short: (v) => `Send ${v.left} more invites today (${v.today} of ${v.goal} so far).`,
  follow_ups_short: (v) =>
    `${v.left} follow-ups to go today (${v.today} of ${v.goal}) — start with people who saw a presentation.`,
  no_shows: (v) => `${v.count} no-shows this week: re-book each with a short, friendly message.`,
  show_follow_up: (v) => `${v.count} videos sent this week and no meeting booked yet: ask each what they liked most.`,
  streak: (v) => `Your streak is ${v.streak} days: hit today's goals to keep it going.`,
  talk: () => "No new people this week: start three new conversations — ask about them, not the business.",
};

function tip(id: string, vars: Record<string, number> = {}): CoachingTip {
  return { id, vars, text: (TEXT[id] as (v: Record<string, number>) => string)(vars) };
}

/**
 * The rules' tips for one marketer's day, most useful first (at most MAX_TIPS): goals hit →
 * praise; overdue actions → clear them; invites and follow-ups short of their goals → how many
 * are left; no-shows this week → re-book; videos without a booking → follow up; a streak at
 * risk; no new people this week → talk to someone new.
 */
export function coachingTips(k: DmoKpis): CoachingTip[] {
  const tips: CoachingTip[] = [];
  if (k.goals_hit_today) tips.push(tip("goals_hit", { streak: k.streak_days }));
  if (k.overdue_actions.total > 0) tips.push(tip("overdue", { count: k.overdue_actions.total }));
  if (k.invites.today < k.invites.goal) {
    tips.push(
      tip("invites_short", { left: k.invites.goal - k.invites.today, today: k.invites.today, goal: k.invites.goal }),
    );
  }
  if (k.follow_ups.today < k.follow_ups.goal) {
    const f = k.follow_ups;
    tips.push(tip("follow_ups_short", { left: f.goal - f.today, today: f.today, goal: f.goal }));
  }
  if (k.no_shows.week > 0) tips.push(tip("no_shows", { count: k.no_shows.week }));
  if (k.video_sent.week > 0 && k.booked.week === 0) tips.push(tip("show_follow_up", { count: k.video_sent.week }));
  if (!k.goals_hit_today && k.streak_days > 0) tips.push(tip("streak", { streak: k.streak_days }));
  if (k.new_leads.week === 0) tips.push(tip("talk"));
  return tips.slice(0, MAX_TIPS);
}

/** Coaching for one marketer now: the rules' tips, phrased by the model when it may. */
export interface Coaching {
  engine: Engine;
  tips: CoachingTip[];
}

/**
 * Coaching for `userId` at `now` (null when they have no DMO counters, e.g. an unknown user).
 * The model's phrasing is used only when it returns exactly one tip per rule tip.
 */
export async function coachingFor(deps: CoreDeps, userId: string, now: Date): Promise<Coaching | null> {
  const kpis = await dmoKpis(deps.prisma, userId, now);
  if (!kpis.ok) return null;
  const tips = coachingTips(kpis.value);
  if (tips.length === 0) return { engine: "rules", tips };
  const user = await deps.prisma.user.findUnique({ where: { id: userId }, select: { name: true, language: true } });
  const k = kpis.value;
  const llm = await askLlm(deps, {
    feature: "coaching",
    schema: coachingSchema,
    vars: {
      language: user?.language ?? "en",
      name: user?.name ?? "",
      counters: `invites ${k.invites.today}/${k.invites.goal}, follow-ups ${k.follow_ups.today}/${k.follow_ups.goal}, streak ${k.streak_days} days, overdue ${k.overdue_actions.total}`,
      tips: tips.map((t) => `- ${t.text}`).join("\n"),
    },
    ownerId: userId,
    ttlMs: AI_TTL_MS.nba,
  });
  if (!llm || llm.value.tips.length !== tips.length) return { engine: "rules", tips };
  return { engine: "llm", tips: tips.map((t, i) => ({ ...t, text: llm.value.tips[i] ?? t.text })) };
}
