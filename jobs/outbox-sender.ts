import type { CoreDeps } from "../core/context.js";
import { retryDelayMs } from "../core/messaging/backoff.js";
import { SendRateLimiter } from "../core/messaging/rate-limit.js";
import type { Channel } from "../core/ports.js";
import type { ChannelKind, OutboundMessage } from "../prisma/generated/client.js";

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
  random?: () => number;
  /** Wait helper (real timers in production; tests may pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Sends the outbox: claims due rows (transactional lane first, `FOR UPDATE SKIP LOCKED` so
 * several workers never take the same row), paces them per channel and per chat, and records
 * each outcome — sent; retried later with exponential backoff and jitter; after `max_attempts`
 * a visible `failed`. A 429's `retry_after` is honoured without using up an attempt, and holds
 * the whole channel that long (the provider's limit is per bot, not per message). A sender
 * that dies mid-send leaves its rows claimed for a minute, then they are taken over.
 */
export class OutboxSender {
  private readonly limiter: SendRateLimiter;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly deps: Pick<CoreDeps, "prisma" | "clock" | "log">,
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
    const claimed = await this.claim(channels, now, this.opts.batchSize ?? 50);
    for (const row of claimed) await this.sendOne(row);
    return claimed.length;
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
      await prisma.outboundMessage.update({
        where: { id: row.id },
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
      });
    } catch (err) {
      result = { ok: false, retryable: true, error: (err as Error).message ?? String(err) };
    }
    const now = this.deps.clock.now();
    if (result.ok) {
      await prisma.outboundMessage.update({
        where: { id: row.id },
        data: {
          status: "sent",
          sent_at: now,
          provider_message_id: result.providerMessageId ?? null,
          locked_until: null,
          last_error: null,
        },
      });
      if (row.sequence_event_id) {
        await prisma.sequenceEvent.update({
          where: { id: row.sequence_event_id },
          data: { delivery_status: "sent" },
        });
      }
      return;
    }
    if (result.retryable && result.retryAfterMs !== undefined) {
      this.limiter.pause(row.channel, now.getTime() + result.retryAfterMs);
      await prisma.outboundMessage.update({
        where: { id: row.id },
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
    if (result.retryable && row.attempts < row.max_attempts) {
      await prisma.outboundMessage.update({
        where: { id: row.id },
        data: {
          status: "queued",
          next_attempt_at: new Date(now.getTime() + retryDelayMs(row.attempts, this.random())),
          locked_until: null,
          last_error: result.error,
        },
      });
      return;
    }
    this.deps.log.warn(`outbound message ${row.id} failed for good on ${row.channel}: ${result.error}`);
    await prisma.outboundMessage.update({
      where: { id: row.id },
      data: { status: "failed", failed_at: now, locked_until: null, last_error: result.error },
    });
    if (row.sequence_event_id) {
      await prisma.sequenceEvent.update({
        where: { id: row.sequence_event_id },
        data: { delivery_status: "failed", error_message: result.error },
      });
    }
  }
}
