/**
 * The morning summary: at a contractor's or marketer's local 08:00 (users.timezone) their day —
 * the /today agenda — is pushed to their chat, once per local day (users.morning_summary_sent_on
 * is claimed with a conditional update, so two reconcilers or a rerun never send it twice), with the
 * day's AI drafts awaiting approval and, for marketers, coaching on their daily method.
 */
import { DateTime } from "luxon";
import type { Prisma } from "../../prisma/generated/client.js";
import { coachingFor } from "../ai/coaching.js";
import { pendingDrafts } from "../ai/drafts.service.js";
import type { CoreDeps } from "../context.js";
import { ok } from "../errors.js";
import { safeZone } from "../kpi/kpi-time.js";
import { notifyUser } from "../messaging/outbox.js";
import { transact } from "../service.js";
import { agendaIsEmpty, todayAgenda } from "./agenda.js";

/** Local hour the summary is due from, and the hour after which a missed one is skipped for the day. */
const MORNING_HOUR = 8;
const MORNING_LAST_HOUR = 12;
/** Channels a summary can reach a person on (their working chat). */
const CHAT_CHANNELS = ["telegram", "whatsapp", "sandbox"] as const;

/** Who gets morning summaries: active contractors and marketers with a linked chat. */
const RECIPIENTS: Prisma.UserWhereInput = {
  role: { in: ["contractor", "marketer"] },
  account_status: "active",
  identities: { some: { channel: { in: [...CHAT_CHANNELS] }, opted_out: false } },
};

/** A summary that is due: whose, and for which local date (YYYY-MM-DD). */
export interface DueSummary {
  userId: string;
  date: string;
}

/**
 * Everyone whose morning summary is due at `now`: in a time zone where it is between 08:00 and
 * noon, and not yet sent for that local date. A reconciler that was down at 08:00 still sends it
 * later in the morning; after noon that day's summary is skipped (it is no longer a morning
 * summary). One query for the zones in use, one for the people.
 */
export async function dueMorningSummaries(deps: CoreDeps, now: Date, limit = 500): Promise<DueSummary[]> {
  const zones = await deps.prisma.user.findMany({
    where: RECIPIENTS,
    distinct: ["timezone"],
    select: { timezone: true },
  });
  const morning: Array<{ timezone: string; date: string }> = [];
  for (const { timezone } of zones) {
    const local = DateTime.fromJSDate(now, { zone: safeZone(timezone) });
    if (local.hour >= MORNING_HOUR && local.hour < MORNING_LAST_HOUR) {
      morning.push({ timezone, date: local.toISODate() ?? "" });
    }
  }
  if (morning.length === 0) return [];
  const dateOf = new Map(morning.map((z) => [z.timezone, z.date]));
  const users = await deps.prisma.user.findMany({
    where: {
      ...RECIPIENTS,
      OR: morning.map((z) => ({
        timezone: z.timezone,
        OR: [{ morning_summary_sent_on: null }, { morning_summary_sent_on: { lt: new Date(z.date) } }],
      })),
    },
    orderBy: { id: "asc" },
    select: { id: true, timezone: true },
    take: limit,
  });
  return users.map((u) => ({ userId: u.id, date: dateOf.get(u.timezone) ?? "" }));
}

/** Drafts from the last day shown in the summary (the daily follow-ups and greetings). */
const SUMMARY_DRAFTS = 3;

/**
 * What the AI layer adds to a summary: the follow-up and greeting drafts of the last 24 hours
 * still awaiting approval (each with its Send button in chat), and for a marketer coaching on
 * their daily method (rules, phrased by the model when configured).
 */
async function aiExtras(deps: CoreDeps, userId: string, role: string, now: Date) {
  const since = new Date(now.getTime() - 24 * 3_600_000);
  const pending = await pendingDrafts(
    deps,
    { ownerId: userId, kinds: ["followup", "greeting"], since },
    SUMMARY_DRAFTS,
  );
  const drafts = pending.map((d) => ({
    draftId: d.id,
    kind: d.kind,
    customerId: d.customerId,
    customerName: d.customerName,
    text: d.text,
  }));
  const coaching = role === "marketer" ? await coachingFor(deps, userId, now) : null;
  return { drafts, ...(coaching && coaching.tips.length > 0 ? { coaching } : {}) };
}

/**
 * Send one person's morning summary for `date`: claim the day (a conditional update on
 * morning_summary_sent_on) and queue the `morning_summary` notice in the same transaction. A
 * contractor with nothing due gets no message (the day is still claimed); a marketer always gets
 * theirs — the daily-method counters are the point. True when a notice was queued.
 */
async function sendMorningSummary(deps: CoreDeps, userId: string, date: string, now: Date): Promise<boolean> {
  const agenda = await todayAgenda(deps, userId, now);
  if (!agenda.ok) return false;
  const extra = await aiExtras(deps, userId, agenda.value.role, now);
  const day = new Date(date);
  const r = await transact(deps, async (c) => {
    const claimed = await c.tx.user.updateMany({
      where: { id: userId, OR: [{ morning_summary_sent_on: null }, { morning_summary_sent_on: { lt: day } }] },
      data: { morning_summary_sent_on: day },
    });
    if (claimed.count === 0 || (agendaIsEmpty(agenda.value) && extra.drafts.length === 0)) return ok(false);
    const sent = await notifyUser(c.tx, {
      userId,
      now: c.now,
      dedupeKey: `morning:${userId}:${date}`,
      notice: { kind: "morning_summary", agenda: agenda.value, ...extra },
    });
    return ok(sent);
  });
  return r.ok && r.value;
}

/** The reconciler's pass: send every morning summary due now. */
export async function reconcileMorningSummaries(deps: CoreDeps): Promise<{ handled: number }> {
  const now = deps.clock.now();
  const due = await dueMorningSummaries(deps, now);
  let handled = 0;
  for (const d of due) if (await sendMorningSummary(deps, d.userId, d.date, now)) handled += 1;
  return { handled };
}
