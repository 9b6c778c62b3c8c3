/**
 * The one way a message reaches a customer (DESIGN.md "Customers and messaging"): a person's
 * answer in a lead window, `/msg` and replies, a nurturing step, a blast, a survey, a reminder.
 * One pure decision — opt-outs (identity, address, customer), routing, WhatsApp's 24-hour
 * window, quiet hours in the customer's own time zone with the named exceptions — then one
 * enqueue in the caller's transaction. It says what happened; nothing is reported as sent that
 * was not queued.
 */
import type { ChannelKind, ContactMethod, Customer, OutboundLane, Prisma } from "../../prisma/generated/client.js";
import type { Config } from "../config/config.js";
import type { Db } from "../db.js";
import { contactWindowFor } from "../nurturing/schedule.js";
import { enqueue } from "./outbox.js";
import { type ContactWindowOptions, nextAllowedTime } from "./quiet-hours.js";
import { candidatesOf, type IdentityFacts, routeCandidates, rowAddressWhere } from "./route-candidates.js";
import { chooseRoute, type RouteCandidate, type SkipCause } from "./routing.js";

/** A customer who wrote within this long is in a conversation: an answer goes at once, quiet hours or not. */
export const CONVERSATION_OPEN_MS = 60 * 60_000;

/** Everything the decision needs to know about one customer: plain data. */
export interface CustomerFacts {
  /** `customers.opted_out_at` is set: everything stops, on every channel. */
  optedOut: boolean;
  /** `customers.preferred_contact_method` (a phone preference is reached by SMS). */
  preferred: ContactMethod | null;
  /** Every address they might be reached on (core/messaging/route-candidates.ts). */
  candidates: RouteCandidate[];
  /** Their time zone, quiet hours and preferred contact times (platform defaults for gaps). */
  window: ContactWindowOptions;
  /** When they last wrote to us — a message, or a lead they submitted — if ever. */
  lastWroteAt: Date | null;
}

/** What kind of message it is; the same customer and moment give the same decision for the same kind. */
export interface MessageIntent {
  /**
   * A person's answer to the customer (a relay in a lead window, `/msg`, a reply from the panel):
   * it goes back on the channel the customer last wrote from, and at once — quiet hours or not —
   * when they wrote within the last hour (a lead they submitted counts as writing).
   */
  answer: boolean;
  /** Approved template text (a sequence step, a blast): WhatsApp may carry it outside the 24-hour window. */
  templated: boolean;
  /** A channel the message asks for first (a step's or a campaign's channel). */
  wanted?: ChannelKind | null;
  /**
   * The message may go on `wanted` only (a campaign sent as e-mail stays e-mail: someone who
   * unsubscribed from its e-mails does not get it by SMS instead). Ignored without `wanted`.
   */
  only?: boolean;
}

/** Why a message was not sent. */
export type NotSentReason = "opted_out" | "unreachable";

/** The pure decision for one customer message. */
export type CustomerMessageDecision =
  | { status: "queued"; channel: ChannelKind; address: string; identityId: string | null; at: Date }
  | {
      status: "deferred";
      channel: ChannelKind;
      address: string;
      identityId: string | null;
      /** When it may leave: the end of the customer's quiet hours (or the start of their contact time). */
      until: Date;
      reason: "quiet_hours";
    }
  | { status: "not_sent"; reason: NotSentReason; skipped: Array<{ channel: ChannelKind; cause: SkipCause }> };

/** What happened to one customer message, as every caller shows it to the person who acted. */
export type CustomerMessageOutcome =
  | { status: "queued"; channel: ChannelKind; outboxId: string }
  | { status: "deferred"; channel: ChannelKind; outboxId: string; until: Date; reason: "quiet_hours" }
  | { status: "not_sent"; reason: NotSentReason };

/** The channel the customer last wrote to us on (an identity's `last_inbound_at`), if any. */
export function lastWroteOn(candidates: readonly RouteCandidate[]): ChannelKind | null {
  let best: RouteCandidate | null = null;
  for (const c of candidates)
    if (c.lastInboundAt && (!best?.lastInboundAt || c.lastInboundAt > best.lastInboundAt)) best = c;
  return best?.channel ?? null;
}

/** Whether a customer who last wrote at `lastWroteAt` is mid-conversation at `now` (within the hour). */
export function inConversation(lastWroteAt: Date | null, now: Date): boolean {
  return lastWroteAt !== null && now.getTime() - lastWroteAt.getTime() <= CONVERSATION_OPEN_MS;
}

/**
 * Decide one customer message at `now`. Opt-outs win over everything: a customer who opted out,
 * or whose every address opted out, is `not_sent: opted_out`; no usable address is
 * `unreachable`. The route is routing.ts's (wanted → preferred → last written-from → fallback
 * order; an answer wants the channel the customer last wrote from; `only` keeps it on `wanted`). It leaves at once unless the
 * customer's quiet hours or contact times close `now` — then it is deferred to the next open
 * instant, never dropped — except an answer to someone who wrote within the hour. WhatsApp's
 * 24-hour window is judged at the instant the message leaves.
 */
export function decideCustomerMessage(facts: CustomerFacts, intent: MessageIntent, now: Date): CustomerMessageDecision {
  const talking = intent.answer && inConversation(facts.lastWroteAt, now);
  const at = talking ? now : nextAllowedTime(now, facts.window);
  const route = chooseRoute({
    customerOptedOut: facts.optedOut,
    preferred: facts.preferred,
    wanted: intent.wanted ?? (intent.answer ? lastWroteOn(facts.candidates) : null),
    candidates: facts.candidates,
    now: at,
    templated: intent.templated,
    ...(intent.only && intent.wanted ? { allowed: [intent.wanted] } : {}),
  });
  if (!route.ok) return { status: "not_sent", reason: route.reason, skipped: route.skipped };
  const to = { channel: route.channel, address: route.address, identityId: route.identityId };
  return at.getTime() > now.getTime()
    ? { status: "deferred", ...to, until: at, reason: "quiet_hours" }
    : { status: "queued", ...to, at: now };
}

/** The customer columns the facts are made of. */
export type CustomerRow = Pick<
  Customer,
  | "id"
  | "email"
  | "phone"
  | "opted_out_at"
  | "preferred_contact_method"
  | "timezone"
  | "quiet_hours_start"
  | "quiet_hours_end"
> & { preferred_contact_times: unknown };

type RulesConfig = Pick<Config, "quietHours" | "defaultTimezone">;

const latest = (...dates: Array<Date | null | undefined>): Date | null =>
  dates.reduce<Date | null>((a, d) => (d && (!a || d > a) ? d : a), null);

/** The facts of one customer from its row, its addresses and when it last wrote. */
export function factsOf(
  row: CustomerRow,
  candidates: RouteCandidate[],
  wrote: { lastInboundMessageAt: Date | null; lastLeadAt: Date | null },
  config: RulesConfig,
): CustomerFacts {
  return {
    optedOut: row.opted_out_at !== null,
    preferred: row.preferred_contact_method,
    candidates,
    window: contactWindowFor(row, config),
    lastWroteAt: latest(wrote.lastInboundMessageAt, wrote.lastLeadAt, ...candidates.map((c) => c.lastInboundAt)),
  };
}

/** Load one customer's facts (in the caller's transaction; one statement at a time). */
export async function loadCustomerFacts(db: Db, row: CustomerRow, config: RulesConfig): Promise<CustomerFacts> {
  const candidates = await routeCandidates(db, row);
  const message = await db.message.findFirst({
    where: { customer_id: row.id, direction: "inbound" },
    orderBy: { sent_at: "desc" },
    select: { sent_at: true },
  });
  const lead = await db.lead.findFirst({
    where: { customer_id: row.id },
    orderBy: { created_at: "desc" },
    select: { created_at: true },
  });
  return factsOf(
    row,
    candidates,
    { lastInboundMessageAt: message?.sent_at ?? null, lastLeadAt: lead?.created_at ?? null },
    config,
  );
}

/**
 * The facts of many customers at once (a blast's batch): three queries however many customers,
 * and the very same facts loadCustomerFacts would give one by one.
 */
export async function loadCustomerFactsBatch(
  db: Db,
  rows: readonly CustomerRow[],
  config: RulesConfig,
): Promise<Map<string, CustomerFacts>> {
  if (rows.length === 0) return new Map();
  const ids = rows.map((r) => r.id);
  const [own, atRow, wrote] = await Promise.all([
    db.channelIdentity.findMany({
      where: { customer_id: { in: ids } },
      orderBy: [{ last_inbound_at: { sort: "desc", nulls: "last" } }, { created_at: "asc" }],
      select: { id: true, channel: true, address: true, opted_out: true, last_inbound_at: true, customer_id: true },
    }),
    db.channelIdentity.findMany({
      where: rowAddressWhere(rows),
      select: { channel: true, address: true, opted_out: true },
    }),
    db.$queryRaw<Array<{ id: string; message_at: Date | null; lead_at: Date | null }>>`
      SELECT c.id::text AS id,
        (SELECT max(m.sent_at) FROM messages m WHERE m.customer_id = c.id AND m.direction = 'inbound') AS message_at,
        (SELECT max(l.created_at) FROM leads l WHERE l.customer_id = c.id) AS lead_at
      FROM unnest(${ids}::uuid[]) AS c(id)`,
  ]);
  const byCustomer = new Map<string, IdentityFacts[]>();
  for (const i of own) {
    const list = byCustomer.get(i.customer_id ?? "") ?? [];
    list.push(i);
    byCustomer.set(i.customer_id ?? "", list);
  }
  const wroteBy = new Map(wrote.map((w) => [w.id, w]));
  const out = new Map<string, CustomerFacts>();
  for (const row of rows) {
    const w = wroteBy.get(row.id);
    const candidates = candidatesOf(row, byCustomer.get(row.id) ?? [], atRow);
    out.set(
      row.id,
      factsOf(row, candidates, { lastInboundMessageAt: w?.message_at ?? null, lastLeadAt: w?.lead_at ?? null }, config),
    );
  }
  return out;
}

/** What goes into the outbox row, rendered for the chosen channel. */
export interface CustomerMessageContent {
  kind: string;
  lane: OutboundLane;
  subject?: string | null;
  body: string;
  payload?: Prisma.InputJsonValue;
  dedupeKey?: string | null;
  leadId?: string | null;
  sequenceEventId?: string | null;
}

/**
 * Queue a decided message in the caller's transaction: a `queued` one leaves now, a `deferred`
 * one waits in the outbox until the end of the customer's quiet hours. A `not_sent` decision
 * writes nothing and is handed back as it is, for the caller to show.
 */
export async function queueCustomerMessage(
  tx: Db,
  input: { customerId: string; decision: CustomerMessageDecision; content: CustomerMessageContent; now: Date },
): Promise<CustomerMessageOutcome> {
  const d = input.decision;
  if (d.status === "not_sent") return { status: "not_sent", reason: d.reason };
  const c = input.content;
  const outboxId = await enqueue(tx, {
    channel: d.channel,
    to_address: d.address,
    identity_id: d.identityId,
    customer_id: input.customerId,
    lane: c.lane,
    kind: c.kind,
    subject: c.subject ?? null,
    body: c.body,
    payload: c.payload,
    next_attempt_at: d.status === "deferred" ? d.until : input.now,
    dedupe_key: c.dedupeKey ?? null,
    lead_id: c.leadId ?? null,
    sequence_event_id: c.sequenceEventId ?? null,
  });
  if (!outboxId) throw new Error("enqueue returned no row");
  return d.status === "deferred"
    ? { status: "deferred", channel: d.channel, outboxId, until: d.until, reason: "quiet_hours" }
    : { status: "queued", channel: d.channel, outboxId };
}

/**
 * Send one message to one customer, all in the caller's transaction: load their facts, decide,
 * render for the chosen channel (`render` runs only when something will be queued), enqueue.
 */
export async function sendCustomerMessage(
  tx: Db,
  input: {
    customer: CustomerRow;
    intent: MessageIntent;
    now: Date;
    config: RulesConfig;
    render: (to: { channel: ChannelKind }) => Promise<CustomerMessageContent> | CustomerMessageContent;
  },
): Promise<CustomerMessageOutcome> {
  const facts = await loadCustomerFacts(tx, input.customer, input.config);
  const decision = decideCustomerMessage(facts, input.intent, input.now);
  if (decision.status === "not_sent") return { status: "not_sent", reason: decision.reason };
  const content = await input.render({ channel: decision.channel });
  return queueCustomerMessage(tx, { customerId: input.customer.id, decision, content, now: input.now });
}
