import type { CoreDeps } from "../core/context.js";
import { nextRetry } from "../core/messaging/backoff.js";
import { giveUpOutbound } from "../core/messaging/failover.service.js";
import { SendRateLimiter } from "../core/messaging/rate-limit.js";
import { checkBeforeSend } from "../core/messaging/send-guard.js";
import type { Channel } from "../core/ports.js";
import type { ChannelKind, OutboundMessage } from "../prisma/generated/client.js";

/**
 * A row is recorded only while this sender's claim on it holds (`locked_until` unchanged): a
 * sender that stalled past its claim must not overwrite what the sender that took over recorded.
 */
const ours = (row: OutboundMessage) => ({ id: row.id, status: "sending" as const, locked_until: row.locked_until });

/** How long a claimed message stays claimed before another sender may take it over. */
const CLAIM_MS = 60_000;
/**
 * Longer waits give the row back instead of sleeping on it. The channel-wide window can ask
 * for up to its length (1 s plus the limiter's safety margin): that wait is slept, or every full
 * window would churn the rest of the batch back to the queue. A wait that is only one chat's
 * own gap is never slept (see sendOne).
 */
const MAX_INLINE_WAIT_MS = 1_500;

export interface OutboxSenderOptions {
  /** Channels that can send now; rows for other channels wait (visible as queued). */
  channels: Partial<Record<ChannelKind, Channel>>;
  batchSize?: number;
  limiter?: SendRateLimiter;
  /** The jitter source for retry delays, a number in [0, 1) (Math.random unless a test injects one). */
  random?: () => number;
  /** Wait helper (real timers in production; tests may pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Sends the outbox: claims due rows (transactional lane first, `FOR UPDATE SKIP LOCKED` so
 * several workers never take the same row), paces them per channel and per chat, and records
 * each outcome — sent; a retryable failure retried with exponential backoff and jitter (capped at
 * an hour a wait) for OUTBOX_RETRY_FOR from the first attempt, then a visible `failed` with its
 * reason and the customer's next channel (core/messaging/backoff.ts, failover.service.ts); a
 * permanent failure (SMTP 5xx, Twilio 4xx) fails at once. A 429's `retry_after` is honoured
 * without using up an attempt, and holds the whole channel that long (the provider's limit is
 * per bot, not per message). `attempts` and `first_attempt_at` are columns: a restart keeps them.
 *
 * Restarts lose and duplicate nothing: rows go one at a time, each recorded right after the
 * provider answered. Just before a row goes, its claim is checked and renewed and the recipient's
 * opt-out re-read (core/messaging/send-guard.ts): a stalled sender whose claim was taken over
 * sends nothing twice, and a STOP that arrived after the claim still wins. `stop()` (SIGTERM)
 * finishes the message in flight and gives the rest of the batch back at once. A sender that
 * dies leaves its rows claimed for a minute, then they are taken over; only a message whose
 * send was in flight at the moment of death (at most one per sender) can go out twice.
 */
export class OutboxSender {
  private readonly limiter: SendRateLimiter;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private stopping = false;

  constructor(
    private readonly deps: Pick<CoreDeps, "prisma" | "clock" | "log" | "config" | "metrics">,
    private readonly opts: OutboxSenderOptions,
  ) {
    this.limiter = opts.limiter ?? new SendRateLimiter();
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Claim and send one batch. Returns how many rows were handled (0 = nothing due). */
  async tick(): Promise<number> {
    const channels = Object.keys(this.opts.channels) as ChannelKind[];
    if (channels.length === 0) return 0;
    const now = this.deps.clock.now();
    if (this.stopping) return 0;
    const claimed = await this.claim(channels, now, this.opts.batchSize ?? 50);
    for (const [i, row] of claimed.entries()) {
      if (this.stopping) {
        await this.release(claimed.slice(i));
        break;
      }
      await this.sendOne(row);
    }
    return claimed.length;
  }

  /**
   * Graceful stop: the message in flight finishes and is recorded, the rest of the claimed batch
   * goes back to the queue at once (no attempt used), and no new batch is claimed.
   */
  stop(): void {
    this.stopping = true;
  }

  /** Give claimed rows back unsent: queued again, the claim's attempt not counted. */
  private async release(rows: readonly OutboundMessage[]): Promise<void> {
    if (rows.length === 0) return;
    await this.deps.prisma.outboundMessage.updateMany({
      where: { id: { in: rows.map((r) => r.id) }, status: "sending" },
      data: { status: "queued", attempts: { decrement: 1 }, locked_until: null },
    });
  }

  private async claim(channels: ChannelKind[], now: Date, limit: number): Promise<OutboundMessage[]> {
    const until = new Date(now.getTime() + CLAIM_MS);
    return this.deps.prisma.$queryRaw<OutboundMessage[]>`
      UPDATE outbound_messages SET status = 'sending', locked_until = ${until}, attempts = attempts + 1, updated_at = ${now}
      WHERE id IN (
        SELECT id FROM outbound_messages
        WHERE channel::text = ANY(${channels}::text[])
          AND ((status = 'queued' AND next_attempt_at <= ${now}) OR (status = 'sending' AND locked_until < ${now}))
        ORDER BY (lane = 'bulk'), next_attempt_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`;
  }

  private async sendOne(row: OutboundMessage): Promise<void> {
    const channel = this.opts.channels[row.channel];
    const prisma = this.deps.prisma;
    let nowMs = this.deps.clock.now().getTime();
    let wait = this.limiter.waitFor(row.channel, row.to_address, nowMs);
    const chatWait = this.limiter.chatWaitFor(row.channel, row.to_address, nowMs);
    if (wait > MAX_INLINE_WAIT_MS || !channel || (chatWait > 0 && chatWait >= wait)) {
      // This chat is busy (or the channel went away): give the slot back without using an attempt.
      // Sleeping on one chat's gap would hold up every other chat in the batch behind it.
      await prisma.outboundMessage.updateMany({
        where: ours(row),
        data: {
          status: "queued",
          attempts: { decrement: 1 },
          next_attempt_at: new Date(nowMs + Math.max(wait, 1_000)),
          locked_until: null,
        },
      });
      return;
    }
    if (wait > 0) {
      await this.sleep(wait);
      nowMs = this.deps.clock.now().getTime();
      wait = this.limiter.waitFor(row.channel, row.to_address, nowMs);
      if (wait > 0) await this.sleep(wait);
    }
    const checkedAt = this.deps.clock.now();
    const renewedUntil = new Date(checkedAt.getTime() + CLAIM_MS);
    const check = await checkBeforeSend(prisma, row, checkedAt, renewedUntil);
    if (check === "claim_lost") return; // another sender took the row over: it sends it, not us
    row.locked_until = renewedUntil; // the claim we hold now (every update below is conditional on it)
    if (check === "opted_out") {
      await this.finalFailure(row, checkedAt, "recipient opted out", "cancelled", row.first_attempt_at);
      return;
    }
    const firstAttemptAt = row.first_attempt_at ?? checkedAt;
    this.limiter.book(row.channel, row.to_address, this.deps.clock.now().getTime());
    let result: Awaited<ReturnType<Channel["send"]>>;
    try {
      result = await channel.send({
        id: row.id,
        channel: row.channel,
        to: row.to_address,
        subject: row.subject,
        body: row.body,
        payload: row.payload,
        customerId: row.customer_id,
      });
    } catch (err) {
      result = { ok: false, retryable: true, error: (err as Error).message ?? String(err) };
    }
    const now = this.deps.clock.now();
    if (result.ok) {
      // Send lag: how long after it was due (this attempt's next_attempt_at) the message went.
      const lagSeconds = (now.getTime() - row.next_attempt_at.getTime()) / 1000;
      this.deps.metrics?.observe("outbox_send_lag_seconds", lagSeconds, { channel: row.channel });
      const recorded = await prisma.outboundMessage.updateMany({
        where: ours(row),
        data: {
          status: "sent",
          sent_at: now,
          provider_message_id: result.providerMessageId ?? null,
          locked_until: null,
          last_error: null,
          first_attempt_at: firstAttemptAt,
        },
      });
      if (recorded.count === 1 && row.sequence_event_id) {
        await prisma.sequenceEvent.update({
          where: { id: row.sequence_event_id },
          data: { delivery_status: "sent" },
        });
      }
      return;
    }
    if (result.retryable && result.retryAfterMs !== undefined) {
      if (result.holdChannel !== false) {
        this.limiter.pause(row.channel, now.getTime() + result.retryAfterMs);
        this.deps.metrics?.increment("channel_rate_limited_total", { channel: row.channel }); // the provider's 429
      }
      await prisma.outboundMessage.updateMany({
        where: ours(row),
        data: {
          status: "queued",
          attempts: { decrement: 1 },
          next_attempt_at: new Date(now.getTime() + result.retryAfterMs),
          locked_until: null,
          last_error: result.error,
        },
      });
      return;
    }
    let reason = result.error;
    if (result.retryable) {
      const decision = nextRetry({
        attempts: row.attempts,
        firstAttemptAt,
        now,
        random: this.random(),
        retryForMs: this.deps.config.outboxRetryForMs,
        lastError: result.error,
      });
      if (decision.retry) {
        await prisma.outboundMessage.updateMany({
          where: ours(row),
          data: {
            status: "queued",
            next_attempt_at: decision.at,
            first_attempt_at: firstAttemptAt,
            locked_until: null,
            last_error: result.error,
          },
        });
        return;
      }
      reason = decision.reason;
    }
    this.deps.log.warn(`outbound message ${row.id} failed for good on ${row.channel}: ${reason}`);
    await this.finalFailure(row, now, reason, "failed", firstAttemptAt);
  }

  /**
   * Record a row that will not be sent: failed for good (then the customer's next channel, in
   * the same transaction), or cancelled (the recipient opted out).
   */
  private async finalFailure(
    row: OutboundMessage,
    now: Date,
    reason: string,
    status: "failed" | "cancelled",
    firstAttemptAt: Date | null,
  ) {
    await giveUpOutbound(this.deps, row, { now, reason, status, firstAttemptAt });
  }
}
