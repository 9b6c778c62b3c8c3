/**
 * The backtest's assertions (seed 003): reminders on schedule and never twice, NBA present,
 * KPI/DMO counters equal to a recount, one event row per event_id, duplicates answered with
 * the original and changed payloads with 409. Failures are collected, never thrown, so one
 * run lists everything that is wrong.
 */

import { canonicalJson } from "../../core/crm/canonical-json.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { Failures } from "./failures.js";
import { CHECK_AT, type Dataset, type PlannedEvent } from "./generate.js";
import { inPool, type JsonClient } from "./http.js";
import { type Expected, expectedNba, expectedOutcome } from "./model.js";
import { type ReplayResult, TICK_MS } from "./replay.js";

export interface VerifyContext {
  client: JsonClient;
  prisma: PrismaClient;
  marketerId: string;
  /** How many contacts to ask GET /api/nba?customer_id= about (all when the dataset is smaller). */
  nbaSample: number;
  concurrency: number;
  deadline: number;
}

export interface VerifyFigures {
  events: number;
  statusChanges: number;
  reminders: number;
  remindersNotified: number;
  nbaChecked: number;
  conflicts: number;
  duplicates: number;
}

export async function verifyBacktest(
  data: Dataset,
  run: ReplayResult,
  ctx: VerifyContext,
): Promise<{ failures: Failures; figures: VerifyFigures }> {
  const f = new Failures();
  const exp = expectedOutcome(data);
  const { duplicates, conflicts } = checkDeliveries(data, run, f);
  const customerOf = (contact: number) => run.customerIds.get(contact) ?? "(none)";
  const contactOf = new Map([...run.customerIds].map(([contact, id]) => [id, contact]));
  if (run.customerIds.size !== data.contacts.length) {
    f.add("customers", `${run.customerIds.size} customer ids learnt for ${data.contacts.length} contacts`);
  }
  await checkCustomers(data, exp, ctx, contactOf, f);
  const events = await checkEventLog(data, exp, ctx, customerOf, f);
  const reminders = await checkReminders(exp, ctx, customerOf, f);
  await checkKpis(exp, ctx, data.contacts.length, f);
  const nbaChecked = await checkNba(data, exp, ctx, customerOf, f);
  return { failures: f, figures: { ...events, ...reminders, nbaChecked, conflicts, duplicates } };
}

/** Per event_id: one 201, the rest 200 with the same body; every conflicting payload 409. */
function checkDeliveries(data: Dataset, run: ReplayResult, f: Failures) {
  const answers = new Map<string, Array<{ status: number; body: string }>>();
  let duplicates = 0;
  let conflicts = 0;
  for (const o of run.outcomes) {
    const id = o.delivery.eventId;
    if (o.error) {
      f.add("deliveries: request failed", `${id} (${o.delivery.kind}): ${o.error}`);
      continue;
    }
    if (o.delivery.kind === "conflict") {
      conflicts++;
      const code = o.status === 409 ? (JSON.parse(o.body) as { error?: { code?: string } }).error?.code : undefined;
      if (code !== "IDEMPOTENCY_CONFLICT") {
        f.add("idempotency: same id + another payload must be 409", `${id}: ${o.status} ${o.body.slice(0, 120)}`);
      }
      continue;
    }
    if (o.delivery.kind === "duplicate") duplicates++;
    if (o.status !== 200 && o.status !== 201) {
      f.add("deliveries: unexpected status", `${id} (${o.delivery.kind}): ${o.status} ${o.body.slice(0, 200)}`);
      continue;
    }
    const list = answers.get(id);
    if (list) list.push({ status: o.status, body: o.body });
    else answers.set(id, [{ status: o.status, body: o.body }]);
  }
  for (const [id, e] of data.events) {
    const got = answers.get(id) ?? [];
    if (got.length === 0) continue; // reported above
    const created = got.filter((a) => a.status === 201).length;
    if (created !== 1) f.add("idempotency: exactly one 201 per event_id", `${id}: ${created} × 201`);
    const bodies = new Set(got.map((a) => canonicalJson(JSON.parse(a.body))));
    if (bodies.size !== 1) f.add("idempotency: a duplicate must return the original result", `${id}`);
    const first = JSON.parse(got[0]?.body ?? "{}") as { event_name?: string; timestamp?: string };
    if (first.event_name !== e.name || first.timestamp !== e.timestamp) {
      f.add("events: answer", `${id}: ${first.event_name} at ${first.timestamp}, sent ${e.name} at ${e.timestamp}`);
    }
  }
  return { duplicates, conflicts };
}

async function checkCustomers(
  data: Dataset,
  exp: Expected,
  ctx: VerifyContext,
  contactOf: Map<string, number>,
  f: Failures,
) {
  const rows = await ctx.prisma.customer.findMany({
    where: { owner_id: ctx.marketerId },
    select: { id: true, pipeline_status: true, lead_source: true, utm_json: true, status: true },
  });
  if (rows.length !== data.contacts.length) f.add("customers: count", `${rows.length} for ${data.contacts.length}`);
  const bySource: Record<string, number> = {};
  for (const r of rows) {
    const contact = contactOf.get(r.id);
    if (contact === undefined) {
      f.add("customers: not created by a contact's DM_STARTED", r.id);
      continue;
    }
    const c = data.contacts[contact];
    bySource[r.lead_source ?? "null"] = (bySource[r.lead_source ?? "null"] ?? 0) + 1;
    if (r.pipeline_status !== exp.status.get(contact)) {
      f.add(
        "customers: canonical status",
        `contact ${contact}: ${r.pipeline_status}, expected ${exp.status.get(contact)}`,
      );
    }
    if (canonicalJson(r.utm_json) !== canonicalJson(c?.utm)) f.add("customers: utm_json", `contact ${contact}`);
    if (r.status !== "lead") f.add("customers: status", `contact ${contact}: ${r.status}`);
  }
  f.equal("customers: lead_source recount", bySource, exp.bySource);
}

/** One event_logs row per distinct event_id, with the sent name, time and customer; the status moves logged once. */
async function checkEventLog(
  data: Dataset,
  exp: Expected,
  ctx: VerifyContext,
  customerOf: (contact: number) => string,
  f: Failures,
) {
  const rows = await ctx.prisma.eventLog.findMany({
    where: { owner_id: ctx.marketerId },
    select: { event_id: true, event_name: true, customer_id: true, timestamp: true },
  });
  const seen = new Map<string, number>();
  let statusChanges = 0;
  for (const r of rows) {
    seen.set(r.event_id, (seen.get(r.event_id) ?? 0) + 1);
    if (r.event_name === "STATUS_CHANGED") {
      statusChanges++;
      if (!exp.statusEvents.has(r.event_id)) f.add("event_logs: unexpected STATUS_CHANGED", r.event_id);
      continue;
    }
    const e: PlannedEvent | undefined = data.events.get(r.event_id);
    if (!e) {
      f.add("event_logs: a row for an event_id never sent", r.event_id);
      continue;
    }
    if (
      r.event_name !== e.name ||
      r.timestamp.toISOString() !== e.timestamp ||
      r.customer_id !== customerOf(e.contact)
    ) {
      f.add(
        "event_logs: row differs from the event sent",
        `${r.event_id}: ${r.event_name} ${r.timestamp.toISOString()}`,
      );
    }
  }
  for (const [id, n] of seen) if (n !== 1) f.add("event_logs: exactly one row per event_id", `${id}: ${n} rows`);
  for (const id of data.events.keys()) if (!seen.has(id)) f.add("event_logs: event missing", id);
  for (const id of exp.statusEvents) if (!seen.has(id)) f.add("event_logs: STATUS_CHANGED missing", id);
  return { events: rows.length - statusChanges, statusChanges };
}

/** Every expected reminder exactly once at its time, notified once, never early and within one clock tick. */
async function checkReminders(exp: Expected, ctx: VerifyContext, customerOf: (contact: number) => string, f: Failures) {
  const [rows, notices] = await Promise.all([
    ctx.prisma.reminder.findMany({
      where: { owner_id: ctx.marketerId },
      select: { id: true, customer_id: true, type: true, scheduled_for: true, notified_at: true, created_at: true },
    }),
    ctx.prisma.outboundMessage.groupBy({
      by: ["dedupe_key"],
      where: { user_id: ctx.marketerId, kind: "reminder_due" },
      _count: { _all: true },
    }),
  ]);
  const key = (customer: string | null, type: string, at: number) =>
    `${customer}|${type}|${new Date(at).toISOString()}`;
  const want = new Map<string, number>();
  for (const r of exp.reminders) {
    const k = key(customerOf(r.contact), r.type, r.at);
    want.set(k, (want.get(k) ?? 0) + 1);
  }
  const noticeCount = new Map(notices.map((n) => [n.dedupe_key, n._count._all]));
  let notified = 0;
  for (const r of rows) {
    const k = key(r.customer_id, r.type, r.scheduled_for.getTime());
    const left = want.get(k) ?? 0;
    if (left === 0) f.add("reminders: unexpected or twice", k);
    else want.set(k, left - 1);
    const due = r.scheduled_for.getTime() <= CHECK_AT;
    if (!r.notified_at) {
      if (due) f.add("reminders: due but never notified", k);
      continue;
    }
    notified++;
    const earliest = Math.max(r.scheduled_for.getTime(), r.created_at.getTime());
    const late = r.notified_at.getTime() - earliest;
    if (r.notified_at < r.scheduled_for) f.add("reminders: notified early", `${k} at ${r.notified_at.toISOString()}`);
    else if (late > TICK_MS) f.add("reminders: notified late", `${k}: ${Math.round(late / 60_000)} min`);
    const n = noticeCount.get(`reminder:${r.id}:${r.scheduled_for.getTime()}`) ?? 0;
    if (n !== 1) f.add("reminders: chat notices per reminder must be 1", `${k}: ${n}`);
  }
  for (const [k, left] of want) if (left > 0) f.add("reminders: missing", k);
  return { reminders: rows.length, remindersNotified: notified };
}

/** GET /api/customers/stats (with its DMO block), /api/kpi/dmo and /api/reminders/due against the recount. */
async function checkKpis(exp: Expected, ctx: VerifyContext, contacts: number, f: Failures) {
  const [stats, dmo, due] = await Promise.all([
    getJson(ctx.client, "/api/customers/stats"),
    getJson(ctx.client, "/api/kpi/dmo"),
    getJson(ctx.client, "/api/reminders/due?per_page=1"),
  ]);
  const s = stats as Record<string, unknown> & { dmo?: Record<string, unknown> };
  f.equal("stats: total", s.total, contacts);
  f.equal("stats: by_status", s.by_status, { lead: contacts, active: 0, churned: 0 });
  f.equal("stats: by_pipeline_status", s.by_pipeline_status, exp.byPipeline);
  f.equal("stats: reminders", s.reminders, { due: exp.remindersDue, overdue: exp.remindersOverdue });
  f.equal(
    "stats: opted_out, inactive_7d, next_actions_overdue",
    [s.opted_out, s.inactive_7d, s.next_actions_overdue],
    [0, 0, 0],
  );
  const d = s.dmo ?? {};
  const pick = (k: string) => {
    const v = d[k] as { today?: number; week?: number } | undefined;
    return { today: v?.today, week: v?.week };
  };
  for (const k of ["invites", "follow_ups", "video_sent", "booked", "held", "no_shows", "signed_up", "new_leads"]) {
    f.equal(`stats: dmo.${k}`, pick(k), exp.dmo[k as keyof Expected["dmo"]]);
  }
  f.equal("stats: dmo.overdue_actions", d.overdue_actions, {
    total: exp.dmo.overdue_reminders,
    reminders: exp.dmo.overdue_reminders,
    next_actions: 0,
  });
  f.equal("kpi/dmo equals stats.dmo", dmo, d);
  f.equal("reminders/due: total", (due as { total?: number }).total, exp.remindersDue);
}

/** GET /api/nba (the overview) and GET /api/nba?customer_id= for a sample of contacts. */
async function checkNba(
  data: Dataset,
  exp: Expected,
  ctx: VerifyContext,
  customerOf: (contact: number) => string,
  f: Failures,
): Promise<number> {
  const overview = (await getJson(ctx.client, "/api/nba?per_page=100")) as {
    data?: Array<{ customer: { id: string }; top?: { action: string }; actions: unknown[] }>;
  };
  const rows = overview.data ?? [];
  f.equal("nba overview: entries", rows.length, Math.min(100, exp.nbaCandidates));
  for (const r of rows) if (!r.top) f.add("nba overview: an entry without a suggestion", r.customer.id);
  const urgent = Math.min(100, exp.overdueContacts.size);
  f.equal(
    "nba overview: overdue follow-ups first",
    rows.slice(0, urgent).filter((r) => r.top?.action === "follow_up_now").length,
    urgent,
  );

  const n = data.contacts.length;
  const step = Math.max(1, Math.ceil(n / Math.max(1, ctx.nbaSample)));
  const sample = data.contacts.filter((c) => c.index % step === 0).map((c) => c.index);
  await inPool(
    sample,
    ctx.concurrency,
    async (contact) => {
      const r = await ctx.client.get(`/api/nba?customer_id=${customerOf(contact)}`);
      if (r.status !== 200) return f.add("nba: GET /api/nba?customer_id=", `contact ${contact}: ${r.status}`);
      const actions = ((JSON.parse(r.body) as { actions?: Array<{ action: string }> }).actions ?? []).map(
        (a) => a.action,
      );
      if (actions.length === 0) f.add("nba: no suggestion", `contact ${contact}`);
      for (const want of expectedNba(data, exp, contact)) {
        if (!actions.includes(want)) f.add(`nba: "${want}" missing`, `contact ${contact}: [${actions.join(", ")}]`);
      }
    },
    { deadline: ctx.deadline },
  );
  return sample.length;
}

async function getJson(client: JsonClient, path: string): Promise<unknown> {
  const r = await client.get(path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body);
}
