/**
 * The outside world as core sees it. Adapters implement these; tests pass fakes.
 * Core never reads the system clock, randomness or the environment directly.
 */

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

/** A large language model behind a prompt key; returns text (JSON when asked). */
export interface Llm {
  complete(input: { system: string; user: string; json?: boolean }): Promise<string>;
}

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
