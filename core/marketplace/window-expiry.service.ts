/**
 * A response window's deadlines: the warning shortly before it ends, and its expiry — the
 * strike, the ban at the threshold, and the turn passed down to the next rank.
 */
import type { Bid, Lead } from "../../prisma/generated/client.js";
import { SYSTEM_ACTOR, writeAudits } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type CustomerFacts, decideCustomerMessage } from "../messaging/customer-message.js";
import { notifyUser, notifyUsers } from "../messaging/outbox.js";
import { type TxCtx, transact } from "../service.js";
import { LEAD_ANSWER, leadCustomerFactsBatch, markLeadUnreachable } from "./lead-reach.js";
import { type BanFacts, strikeOutcome, windowExpiryDue, windowExpiryDueWhere, windowWarningDue } from "./lead-state.js";
import { leadTerms } from "./settings.js";
import { openWindow } from "./window-open.js";

type Tx = TxCtx["tx"];

/** At most this many windows expire in one transaction (a burst is taken a hundred at a time). */
export const EXPIRY_BATCH = 100;

type DueBid = Bid & { lead: Lead };

/**
 * Response windows ran out unanswered, expired together in one transaction: each bid is EXPIRED,
 * exactly one strike is logged per bid (the strike log is unique per bid; a contractor's strikes
 * are counted in the order their windows ended, so the ban falls on the right one), a contractor
 * is banned at the threshold, and each lead's next ranked bid gets its window — or, after the
 * last one, the lead is EXPIRED. A customer nobody can reach could not have been answered: then
 * there is no strike, the lead ends UNREACHABLE and its bidders are told (DESIGN.md "Unreachable
 * customers").
 *
 * Which windows: `bidIds` first, then up to `others` more of the oldest due ones — each only if
 * its lead is free at that moment (SKIP LOCKED: two workers take disjoint batches, and a lead being
 * answered or expired elsewhere right now is left to that transaction); the `bidIds` left out so
 * are returned as `skipped`, for the caller to try again. With `wait`, `bidIds` wait for their
 * leads' locks instead (in id order, so two callers never deadlock), as every single change to a
 * lead does. Every window is re-read under its lead's lock and judged by windowExpiryDue, so a
 * doubled, early or late call changes nothing. Returns the bids that expired.
 */
export async function expireWindows(
  deps: CoreDeps,
  opts: { bidIds?: readonly string[]; others: number; wait?: boolean },
): Promise<Result<{ expired: string[]; skipped: string[] }>> {
  const late: number[] = []; // seconds past each window's end, reported once committed
  const own = (opts.bidIds ?? []).filter(isUuid);
  const r = await transact<{ expired: string[]; skipped: string[] }>(deps, async (c) => {
    const { tx, now } = c;
    if (opts.wait && own.length > 0) {
      await tx.$queryRaw`
        SELECT id FROM leads WHERE id IN (SELECT lead_id FROM bids WHERE id = ANY(${own}::uuid[]))
        ORDER BY id FOR UPDATE`;
    }
    const claim = await claimWindows(tx, now, opts.wait ? [] : own, opts.others, own);
    const ids = opts.wait ? [...own, ...claim.ids] : claim.ids;
    const due = (await tx.bid.findMany({ where: { id: { in: ids } }, include: { lead: true } }))
      .filter((b) => windowExpiryDue(b, b.lead, now))
      .sort((a, b) => endOf(a) - endOf(b));
    if (due.length === 0) return ok({ expired: [], skipped: claim.skipped });
    const facts = await leadCustomerFactsBatch(
      tx,
      deps.config,
      due.map((b) => ({ lead: b.lead, ownerId: b.contractor_id })),
    );
    const struck: DueBid[] = [];
    for (const [i, bid] of due.entries()) {
      if (decideCustomerMessage(facts[i] as CustomerFacts, LEAD_ANSWER, now).status === "not_sent") {
        await markLeadUnreachable(tx, bid.lead, now, { windowBidId: bid.id, alsoTell: bid.contractor_id });
      } else struck.push(bid);
    }
    await strikeAndPassOn(c, deps, struck);
    for (const bid of due) late.push((now.getTime() - endOf(bid)) / 1000);
    return ok({ expired: due.map((b) => b.id), skipped: claim.skipped });
  });
  for (const seconds of late) deps.metrics?.observe("window_expiry_lateness_seconds", seconds);
  return r;
}

const endOf = (bid: Bid) => bid.response_window_ends_at?.getTime() ?? 0;

/**
 * Lock the leads of the windows `first`, then of up to `others` of the oldest due windows (none
 * of `except`), skipping every lead another transaction holds; return the windows whose leads
 * are now locked (still to be re-read and judged under the locks) and the ones of `first` skipped.
 */
async function claimWindows(
  tx: Tx,
  now: Date,
  first: readonly string[],
  others: number,
  except: readonly string[],
): Promise<{ ids: string[]; skipped: string[] }> {
  const named =
    first.length > 0
      ? await tx.bid.findMany({ where: { id: { in: [...first] } }, select: { id: true, lead_id: true } })
      : [];
  const oldest =
    others > 0
      ? await tx.bid.findMany({
          where: { AND: [windowExpiryDueWhere(now), ...(except.length > 0 ? [{ id: { notIn: [...except] } }] : [])] },
          orderBy: { response_window_ends_at: "asc" },
          select: { id: true, lead_id: true },
          take: others * 2,
        })
      : [];
  const candidates = [...named, ...oldest];
  if (candidates.length === 0) return { ids: [], skipped: [] };
  const leadIds = candidates.map((b) => b.lead_id);
  const locked = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM leads WHERE id = ANY(${leadIds}::uuid[])
    ORDER BY array_position(${leadIds}::uuid[], id) LIMIT ${named.length + others} FOR UPDATE SKIP LOCKED`;
  const mine = new Set(locked.map((l) => l.id));
  return {
    ids: candidates.filter((b) => mine.has(b.lead_id)).map((b) => b.id),
    skipped: named.filter((b) => !mine.has(b.lead_id)).map((b) => b.id),
  };
}

/**
 * The strike side of expired windows (their leads locked): bids EXPIRED with their strike, the
 * contractors' counts and bans (rows locked in id order, so two batches never deadlock on them),
 * the strike log, the notices, and each lead passed to its next rank or EXPIRED.
 */
async function strikeAndPassOn(c: TxCtx, deps: CoreDeps, struck: readonly DueBid[]): Promise<void> {
  if (struck.length === 0) return;
  const { tx, now } = c;
  await tx.bid.updateMany({
    where: { id: { in: struck.map((b) => b.id) } },
    data: { status: "EXPIRED", strike_applied: true, updated_at: now },
  });
  const contractorIds = [...new Set(struck.map((b) => b.contractor_id))];
  const rows = await tx.$queryRaw<Array<BanFacts & { id: string }>>`
    SELECT id::text AS id, strike_count, is_bidding_banned FROM users
    WHERE id = ANY(${contractorIds}::uuid[]) ORDER BY id FOR UPDATE`;
  const state = new Map<string, BanFacts>(rows.map((u) => [u.id, u]));
  const strikes = struck.map((bid) => {
    const before = state.get(bid.contractor_id);
    if (!before) throw new Error(`contractor ${bid.contractor_id} of bid ${bid.id} not found`);
    const strikesToBan = leadTerms(bid.lead, deps.config).strikesToBan;
    const outcome = strikeOutcome(before, strikesToBan);
    state.set(bid.contractor_id, { strike_count: outcome.strikeCount, is_bidding_banned: outcome.banned });
    return { bid, strikesToBan, ...outcome };
  });
  const after = [...state.entries()];
  await tx.$executeRaw`
    UPDATE users u SET strike_count = v.strike_count, is_bidding_banned = v.banned, updated_at = ${now}
    FROM unnest(${after.map(([id]) => id)}::uuid[], ${after.map(([, s]) => s.strike_count)}::int[],
      ${after.map(([, s]) => s.is_bidding_banned)}::bool[]) AS v(id, strike_count, banned)
    WHERE u.id = v.id`;
  // One statement for the batch's strike log (unique per bid: a second strike for a bid fails the batch).
  await tx.$executeRaw`
    INSERT INTO strike_logs (contractor_id, lead_id, bid_id, strike_reason, strike_count_after, ban_triggered, created_at)
    SELECT v.contractor_id, v.lead_id, v.bid_id, 'response_window_expired', v.count_after, v.ban, ${now}
    FROM unnest(${strikes.map((s) => s.bid.contractor_id)}::uuid[], ${strikes.map((s) => s.bid.lead_id)}::uuid[],
      ${strikes.map((s) => s.bid.id)}::uuid[], ${strikes.map((s) => s.strikeCount)}::int[],
      ${strikes.map((s) => s.banTriggered)}::bool[]) AS v(contractor_id, lead_id, bid_id, count_after, ban)`;
  await writeAudits(
    tx,
    strikes
      .filter((s) => s.banTriggered)
      .map((s) => ({
        actor: SYSTEM_ACTOR,
        action: "contractor.banned",
        entityType: "user",
        entityId: s.bid.contractor_id,
        after: { strike_count: s.strikeCount, bid_id: s.bid.id },
        at: now,
      })),
  );
  await notifyUsers(
    tx,
    strikes.map((s) => ({
      userId: s.bid.contractor_id,
      leadId: s.bid.lead_id,
      dedupeKey: `strike:${s.bid.id}`,
      notice: {
        kind: "window_expired" as const,
        leadId: s.bid.lead_id,
        title: s.bid.lead.title,
        strikeCount: s.strikeCount,
        strikesToBan: s.strikesToBan,
        banned: s.banned,
      },
    })),
    now,
  );
  await passOn(c, deps, struck);
}

/**
 * Each lead whose window ran out goes to its next ranked bid still ACTIVE (windows opened in
 * contractor order, the same lock order in every batch), or ends EXPIRED when none is left.
 */
async function passOn(c: TxCtx, deps: CoreDeps, struck: readonly DueBid[]): Promise<void> {
  const { tx, now } = c;
  const waiting = await tx.bid.findMany({
    where: { lead_id: { in: struck.map((b) => b.lead_id) }, status: "ACTIVE", bid_rank: { not: null } },
    orderBy: { bid_rank: "asc" },
    select: { id: true, lead_id: true, bid_rank: true, contractor_id: true },
  });
  const next = struck.flatMap((bid) => {
    const n = waiting.find((w) => w.lead_id === bid.lead_id && (w.bid_rank ?? 0) > (bid.bid_rank ?? 0));
    return n?.bid_rank ? [{ lead: bid.lead, bidId: n.id, rank: n.bid_rank, contractorId: n.contractor_id }] : [];
  });
  next.sort((a, b) => (a.contractorId < b.contractorId ? -1 : a.contractorId > b.contractorId ? 1 : 0));
  for (const n of next) await openWindow(c, deps, n.lead, n.bidId, n.rank);
  const passed = new Set(next.map((n) => n.lead.id));
  const ended = struck.filter((b) => !passed.has(b.lead_id)).map((b) => b.lead_id);
  if (ended.length > 0) {
    await tx.lead.updateMany({
      where: { id: { in: ended } },
      data: { status: "EXPIRED", expired_at: now, current_rank: null, updated_at: now },
    });
  }
}

/** One window ran out (see expireWindows): `expired` says whether this call expired it. Idempotent. */
export async function expireWindow(deps: CoreDeps, bidId: string): Promise<Result<{ expired: boolean }>> {
  const known = isUuid(bidId) && (await deps.prisma.bid.findUnique({ where: { id: bidId }, select: { id: true } }));
  if (!known) return fail("NOT_FOUND", "bid not found");
  const r = await expireWindows(deps, { bidIds: [bidId], others: 0, wait: true });
  return r.ok ? ok({ expired: r.value.expired.includes(bidId) }) : r;
}

/** How often a wake-up whose lead another transaction held goes round again before it waits. */
const SKIPPED_ROUNDS = 20;

/** Wake-ups waiting for this process's next expiry batch. */
interface ExpiryQueue {
  waiting: Array<{ bidId: string; rounds: number; resolve: () => void; reject: (err: unknown) => void }>;
  running: boolean;
}
const queues = new WeakMap<object, ExpiryQueue>();

/**
 * A window's expiry wake-up. Wake-ups that arrive while this process is expiring a batch wait and
 * go together in the next one (topped up with other due windows), so a burst of deadlines drains
 * in a few large transactions instead of one transaction each; each resolves once its window is
 * settled. One whose lead another transaction held (another worker's batch, an answer) goes
 * round again, and after SKIPPED_ROUNDS waits for the lock on its own. Should a batch fail (a
 * dropped connection), its windows are expired one at a time; an error left over fails the
 * wake-up, for the scheduler to retry.
 */
export function expireOnWakeup(deps: CoreDeps, bidId: string): Promise<void> {
  if (!isUuid(bidId)) return Promise.resolve();
  const queue = queues.get(deps.prisma) ?? { waiting: [], running: false };
  queues.set(deps.prisma, queue);
  const done = new Promise<void>((resolve, reject) => queue.waiting.push({ bidId, rounds: 0, resolve, reject }));
  if (!queue.running) void drainExpiries(deps, queue);
  return done;
}

async function drainExpiries(deps: CoreDeps, q: ExpiryQueue): Promise<void> {
  q.running = true;
  try {
    while (q.waiting.length > 0) {
      const batch = q.waiting.splice(0, EXPIRY_BATCH);
      try {
        const r = await expireWindows(deps, { bidIds: batch.map((b) => b.bidId), others: EXPIRY_BATCH - batch.length });
        const skipped = new Set(r.ok ? r.value.skipped : []);
        for (const b of batch) {
          if (!skipped.has(b.bidId)) b.resolve();
          else if (++b.rounds < SKIPPED_ROUNDS) q.waiting.push(b);
          else await expireWindow(deps, b.bidId).then(() => b.resolve(), b.reject);
        }
      } catch (err) {
        deps.log.warn(`an expiry batch of ${batch.length} failed; expiring its windows one at a time`, err);
        for (const b of batch) await expireWindow(deps, b.bidId).then(() => b.resolve(), b.reject);
      }
    }
  } finally {
    q.running = false;
  }
}

/** The reconciler's sweep: every due window, a batch at a time (bounded per pass). */
export async function expireDueWindows(deps: CoreDeps, maxBatches = 20): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const r = await expireWindows(deps, { others: EXPIRY_BATCH });
    const n = r.ok ? r.value.expired.length : 0;
    total += n;
    if (n < EXPIRY_BATCH) break;
  }
  return total;
}

/** Warn a contractor shortly before their window ends (once; skipped if they answered). */
export async function warnWindow(deps: CoreDeps, bidId: string): Promise<Result<{ warned: boolean }>> {
  if (!isUuid(bidId)) return fail("NOT_FOUND", "bid not found");
  return transact<{ warned: boolean }>(deps, async ({ tx, now }) => {
    const bid = await tx.bid.findUnique({ where: { id: bidId }, include: { lead: true } });
    if (!bid) return fail("NOT_FOUND", "bid not found");
    const ends = bid.response_window_ends_at;
    if (!windowWarningDue(bid, bid.lead, now, deps.config.marketplace.windowWarningMs) || !ends) {
      return ok({ warned: false });
    }
    const claimed = await tx.bid.updateMany({
      where: { id: bid.id, window_warned_at: null },
      data: { window_warned_at: now },
    });
    if (claimed.count === 0) return ok({ warned: false });
    await notifyUser(tx, {
      userId: bid.contractor_id,
      leadId: bid.lead_id,
      now,
      dedupeKey: `warn:${bid.id}`,
      notice: {
        kind: "window_warning",
        leadId: bid.lead_id,
        bidId: bid.id,
        title: bid.lead.title,
        endsAt: ends.toISOString(),
        minutesLeft: Math.max(1, Math.round((ends.getTime() - now.getTime()) / 60_000)),
      },
    });
    return ok({ warned: true });
  });
}
