/**
 * The AI layer's daily work (the reconciler runs it; core/wakeups.ts): once per UTC day, a
 * follow-up draft for every customer due today, and a greeting draft for every customer with an
 * upcoming occasion. Both are stored as drafts awaiting approval (`ai_drafts`): the morning
 * summary and the customer card show them, and only the owner's tap sends one. The day is claimed
 * with a conditional write on one settings row, and each draft has a unique dedupe key, so two
 * reconcilers or a rerun never draft twice.
 */
import { DateTime } from "luxon";
import { personalScope } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { followupSuggestions, generateGreeting } from "./customer-ai.service.js";
import { utcDayStart } from "./usage.js";

/** The settings row that remembers the last UTC day the daily drafts ran for. */
export const AI_DAILY_SETTING = "ai.daily";
/** At most this many drafts of each kind a day (the token budget bounds the model's share too). */
export const DAILY_DRAFT_LIMIT = 200;
/** An anniversary greeting is drafted this many days either side of the date. */
const ANNIVERSARY_DAYS = 7;
/** A thank-you greeting follows a job completed within this many days. */
const THANK_YOU_DAYS = 14;
const DAY_MS = 86_400_000;

/** Customers a contractor or marketer can still write to. */
const LIVE = {
  opted_out_at: null,
  status: { not: "churned" as const },
  owner: { role: { in: ["contractor" as const, "marketer" as const] }, account_status: "active" as const },
};

/**
 * Claim `date` (YYYY-MM-DD, UTC) for the daily drafts: true for exactly one caller per day — an
 * insert or an update of the settings row that only happens when it holds another day.
 */
async function claimDay(deps: CoreDeps, date: string, now: Date): Promise<boolean> {
  const n = await deps.prisma.$executeRaw`
    INSERT INTO settings (key, value, updated_at)
    VALUES (${AI_DAILY_SETTING}, jsonb_build_object('date', ${date}::text), ${now})
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
    WHERE settings.value->>'date' IS DISTINCT FROM ${date}::text`;
  return n === 1;
}

/** True when the draft key is free (no draft under it yet). */
async function free(deps: CoreDeps, key: string): Promise<boolean> {
  return (await deps.prisma.aiDraft.count({ where: { dedupe_key: key } })) === 0;
}

/** Store one draft; a concurrent twin under the same key is ignored (unique dedupe key). */
async function store(
  deps: CoreDeps,
  row: {
    ownerId: string;
    customerId: string;
    kind: "followup" | "greeting";
    text: string;
    engine: string;
    channel: string | null;
    key: string;
    detail: Record<string, string | null>;
  },
): Promise<boolean> {
  const now = deps.clock.now();
  const r = await deps.prisma.aiDraft.createMany({
    data: [
      {
        owner_id: row.ownerId,
        customer_id: row.customerId,
        kind: row.kind,
        text: row.text,
        engine: row.engine,
        channel: row.channel,
        dedupe_key: row.key,
        detail: row.detail,
        created_at: now,
        updated_at: now,
      },
    ],
    skipDuplicates: true,
  });
  return r.count === 1;
}

/**
 * Follow-up drafts for `date`: customers whose next action or an open reminder falls due by the
 * end of that UTC day. The draft is the first follow-up suggestion (core/ai customer-ai.service:
 * NBA rules decide what, the model or the templates say it), one per customer per day.
 */
export async function draftDailyFollowups(deps: CoreDeps, date: string, now: Date): Promise<number> {
  const endOfDay = new Date(utcDayStart(now).getTime() + DAY_MS);
  const due = await deps.prisma.customer.findMany({
    where: {
      ...LIVE,
      OR: [
        { next_action_date: { lt: endOfDay } },
        { reminders: { some: { completed: false, scheduled_for: { lt: endOfDay } } } },
      ],
    },
    orderBy: [{ next_action_date: { sort: "asc", nulls: "last" } }, { id: "asc" }],
    select: { id: true, owner_id: true },
    take: DAILY_DRAFT_LIMIT,
  });
  let stored = 0;
  for (const c of due) {
    const key = `followup:${c.id}:${date}`;
    if (!(await free(deps, key))) continue;
    const r = await followupSuggestions(deps, personalScope(c.owner_id), c.id);
    const first = r.ok ? r.value.suggestions[0] : undefined;
    if (!r.ok || !first) continue;
    const detail = { when: first.when, action: r.value.next_actions[0]?.label ?? null };
    const row = { ownerId: c.owner_id, customerId: c.id, kind: "followup" as const, key, detail };
    if (await store(deps, { ...row, text: first.message, engine: r.value.engine, channel: first.channel })) stored++;
  }
  return stored;
}

/** The MM-DD strings from `days` before to `days` after `now` (anniversaries in that window). */
function monthDaysAround(now: Date, days: number): string[] {
  const out: string[] = [];
  for (let d = -days; d <= days; d++) out.push(new Date(now.getTime() + d * DAY_MS).toISOString().slice(5, 10));
  return out;
}

/**
 * Greeting drafts for upcoming occasions (core/ai/customer-rules.ts occasionFor): a job completed
 * in the last 14 days (thank you, once per job), the yearly customer anniversary within a week
 * (once a year), and in the holiday season for active customers (once a season). A plain
 * check-in is not an occasion and is not drafted.
 */
export async function draftOccasionGreetings(deps: CoreDeps, now: Date): Promise<number> {
  const year = now.getUTCFullYear();
  const jobs = await deps.prisma.job.findMany({
    where: {
      status: "completed",
      completion_date: { gte: new Date(now.getTime() - THANK_YOU_DAYS * DAY_MS), lte: now },
      customer: LIVE,
    },
    orderBy: { completion_date: "desc" },
    select: { id: true, customer_id: true },
    take: DAILY_DRAFT_LIMIT,
  });
  const anchors = new Map<string, string>();
  for (const j of jobs) if (!anchors.has(j.customer_id)) anchors.set(j.customer_id, `thank_you:${j.id}`);
  const around = monthDaysAround(now, ANNIVERSARY_DAYS);
  const yearAgo = new Date(now.getTime() - (365 - ANNIVERSARY_DAYS) * DAY_MS);
  const anniversaries = await deps.prisma.$queryRaw<Array<{ id: string }>>`
    SELECT c.id::text AS id FROM customers c JOIN users u ON u.id = c.owner_id
    WHERE c.opted_out_at IS NULL AND c.status <> 'churned' AND c.created_at < ${yearAgo}
      AND u.account_status = 'active' AND u.role IN ('contractor', 'marketer')
      AND to_char(c.created_at AT TIME ZONE 'UTC', 'MM-DD') = ANY(${around})
    ORDER BY c.id LIMIT ${DAILY_DRAFT_LIMIT}`;
  for (const a of anniversaries) if (!anchors.has(a.id)) anchors.set(a.id, `anniversary:${year}`);
  const m = now.getUTCMonth();
  if ((m === 11 && now.getUTCDate() >= 15) || (m === 0 && now.getUTCDate() <= 5)) {
    const season = m === 11 ? year : year - 1;
    const active = await deps.prisma.customer.findMany({
      where: { ...LIVE, status: "active" },
      orderBy: { id: "asc" },
      select: { id: true },
      take: DAILY_DRAFT_LIMIT,
    });
    for (const a of active) if (!anchors.has(a.id)) anchors.set(a.id, `holidays:${season}`);
  }
  let stored = 0;
  for (const [customerId, anchor] of [...anchors].slice(0, DAILY_DRAFT_LIMIT)) {
    const key = `greeting:${customerId}:${anchor}`;
    if (!(await free(deps, key))) continue;
    const owner = await deps.prisma.customer.findUnique({ where: { id: customerId }, select: { owner_id: true } });
    if (!owner) continue;
    const r = await generateGreeting(deps, personalScope(owner.owner_id), customerId);
    // The data decides the occasion; when it says "just a check-in" there is nothing to greet for.
    if (!r.ok || r.value.occasion.kind === "check_in" || !anchor.startsWith(r.value.occasion.kind)) continue;
    const row = { ownerId: owner.owner_id, customerId, kind: "greeting" as const, key, engine: r.value.engine };
    const detail = { occasion: r.value.occasion.kind, detail: r.value.occasion.detail };
    if (await store(deps, { ...row, text: r.value.message, channel: r.value.channel, detail })) stored++;
  }
  return stored;
}

/**
 * The reconciler's pass: the first pass of each UTC day drafts the day's follow-ups and
 * greetings; every other pass that day does nothing.
 */
export async function reconcileAiSchedules(deps: CoreDeps): Promise<{ handled: number }> {
  const now = deps.clock.now();
  const date = DateTime.fromJSDate(now, { zone: "utc" }).toISODate() ?? "";
  if (!(await claimDay(deps, date, now))) return { handled: 0 };
  const followups = await draftDailyFollowups(deps, date, now);
  const greetings = await draftOccasionGreetings(deps, now);
  if (followups + greetings > 0) deps.log.info("ai drafts for the day", { date, followups, greetings });
  return { handled: followups + greetings };
}
