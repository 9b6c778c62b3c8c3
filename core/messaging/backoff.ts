/**
 * When a failed outbound message is tried again, and when the outbox stops trying. Pure
 * functions of the row's counters and `now`, in the spirit of BullMQ's `backoffs.ts`: the
 * sender (jobs/outbox-sender.ts) supplies the random number, core draws none itself.
 */

/** First retry waits about this long; each later one doubles it. */
export const RETRY_BASE_MS = 5_000;
/** No single wait is longer than this, so a provider that comes back is used within the hour. */
export const RETRY_CAP_MS = 60 * 60_000;

/**
 * Delay before retry number `attempt` (1-based): exponential from `baseMs`, capped at `capMs`,
 * with "equal jitter" (half fixed, half random) so a burst of failures does not retry in step.
 * `random` is a number in [0, 1) supplied by the caller (core draws no randomness itself).
 */
export function retryDelayMs(attempt: number, random: number, baseMs = RETRY_BASE_MS, capMs = RETRY_CAP_MS): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(40, Math.max(0, attempt - 1)));
  const r = Math.min(1, Math.max(0, random));
  return Math.round(exp / 2 + (exp / 2) * r);
}

/** What to do with a message whose send just failed with a retryable error. */
export type RetryDecision = { retry: true; at: Date } | { retry: false; reason: string };

/**
 * Retry a retryable failure with exponential backoff until `retryForMs` (OUTBOX_RETRY_FOR,
 * default 24 h) has passed since the row's first real attempt; then give up with a reason the
 * Ops page shows. Time, not a count, decides: a short SMTP or Twilio outage must not turn
 * customer messages into `failed` for good (six quick tries used to be over in under three
 * minutes), while a channel that stays down for a day hands the message to the next channel
 * (failover) instead of holding it forever. The counters live in columns (`attempts`,
 * `first_attempt_at`), so a restarted worker continues the same schedule.
 */
export function nextRetry(input: {
  /** Attempts made so far, this one included (1 after the first failure). */
  attempts: number;
  firstAttemptAt: Date;
  now: Date;
  /** In [0, 1): the jitter, from an injected random source. */
  random: number;
  retryForMs: number;
  lastError: string;
  baseMs?: number;
  capMs?: number;
}): RetryDecision {
  const elapsedMs = input.now.getTime() - input.firstAttemptAt.getTime();
  if (elapsedMs >= input.retryForMs) {
    return {
      retry: false,
      reason: `gave up after ${input.attempts} attempts over ${formatSpan(elapsedMs)}: ${input.lastError}`,
    };
  }
  const delayMs = retryDelayMs(input.attempts, input.random, input.baseMs, input.capMs);
  return { retry: true, at: new Date(input.now.getTime() + delayMs) };
}

/** "26h 5m", "3m 20s": a short human span for the give-up reason. */
function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}
