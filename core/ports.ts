/**
 * The outside world as core sees it. Adapters implement these; tests pass fakes.
 * Core never reads the system clock, randomness or the environment directly.
 */
import type { ZodType } from "zod";

/** Wall-clock time. Tests use a fake clock that can jump two hours in a millisecond. */
export interface Clock {
  now(): Date;
}

/** Wakes a handler at a time. The deadline itself is always a database column. */
export interface Scheduler {
  /** Ask to be woken for `key` at `when` (idempotent per key; a later call replaces it). */
  at(key: string, when: Date): Promise<void>;
  /** Forget a wake-up (harmless if it already ran or never existed). */
  cancel(key: string): Promise<void>;
}

/** A message to deliver on one channel, as stored in the outbox. */
export interface OutboundEnvelope {
  id: string;
  channel: "telegram" | "whatsapp" | "email" | "sms" | "sandbox";
  to: string;
  subject?: string | null;
  body: string;
  payload?: unknown;
  /** The customer the message is for, if any (e-mail signs their unsubscribe link with it). */
  customerId?: string | null;
}

/** What a channel answered for one send. */
export type SendResult =
  | { ok: true; providerMessageId?: string }
  | {
      ok: false;
      retryable: boolean;
      error: string;
      retryAfterMs?: number;
      /** With retryAfterMs: false = only this message waits (a per-recipient cap), not the whole channel. */
      holdChannel?: boolean;
    };

/** Sends one outbound message on one channel. */
export interface Channel {
  send(message: OutboundEnvelope): Promise<SendResult>;
}

/** One structured-output request to a language model: prompts already rendered and masked. */
export interface LlmRequest<T> {
  /** The feature asking (e.g. "timeline_summary"), for the record and the schema's name. */
  feature: string;
  /** A model to use instead of the adapter's default (a prompt template's own model). */
  model?: string | null;
  system: string;
  user: string;
  /** The answer's shape (strict-mode: optional fields are nullable); the adapter parses against it. */
  schema: ZodType<T>;
}

/** Token counts a model reported for one call. */
export interface LlmTokens {
  input: number;
  output: number;
  cached: number;
}

/** What one model call gave: a parsed answer, or why not (retryable = worth one more try). */
export type LlmAnswer<T> =
  | { ok: true; value: T; model: string; tokens: LlmTokens }
  | {
      ok: false;
      reason: "timeout" | "error" | "invalid_output";
      retryable: boolean;
      detail: string;
      model: string;
      tokens: LlmTokens;
    };

/**
 * A large language model (any OpenAI-compatible endpoint). One call = one HTTP request, no
 * retries inside: core/ai decides on the one retry, the circuit breaker and the fallback.
 */
export interface Llm {
  /** The default model name, for the record. */
  readonly model: string;
  complete<T>(request: LlmRequest<T>): Promise<LlmAnswer<T>>;
}

/**
 * The measurements the product reports (Prometheus names are `leadrelay_<name>`, see
 * jobs/metrics.ts): histograms take a value per event, counters count events.
 * - `http_request_duration_seconds` {method, route, status_code} (histogram; its adapter counts requests too)
 * - `window_expiry_lateness_seconds` (histogram): how long after `response_window_ends_at` a window was expired
 * - `queue_job_lateness_seconds` {queue} (histogram): how long after its due time a queued job started
 * - `outbox_send_lag_seconds` {channel} (histogram): how long after it was due a message went out
 * - `channel_rate_limited_total` {channel} (counter): 429s (retry-after) answered by a channel
 * - `webhook_rejections_total` {route, status_code} (counter): webhooks refused (bad signature or secret)
 * - `llm_call_duration_seconds` {feature, outcome} (histogram; its adapter counts calls and failures too)
 */
export type MetricName =
  | "http_request_duration_seconds"
  | "window_expiry_lateness_seconds"
  | "queue_job_lateness_seconds"
  | "outbox_send_lag_seconds"
  | "channel_rate_limited_total"
  | "webhook_rejections_total"
  | "llm_call_duration_seconds";

/** Labels of one measurement (few distinct values each: a route pattern, never a raw URL). */
export type MetricLabels = Readonly<Record<string, string>>;

/** Where measurements go (Prometheus in production; nothing by default). Never throws. */
export interface Metrics {
  /** One event's value for a histogram (seconds for durations), or an amount added to a counter. */
  observe(name: MetricName, value: number, labels?: MetricLabels): void;
  /** One event for a counter (`observe(name, 1, labels)`). */
  increment(name: MetricName, labels?: MetricLabels): void;
}

/** Metrics that go nowhere: the default when none are configured (tests, one-off commands). */
export const noMetrics: Metrics = { observe() {}, increment() {} };

/** Random identifiers and secrets, so core stays deterministic in tests. */
export interface Ids {
  /** A URL-safe random token of `bytes` bytes of entropy. */
  token(bytes?: number): string;
}

/** Password hashing (Argon2id in production), kept outside core because it is native code. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
