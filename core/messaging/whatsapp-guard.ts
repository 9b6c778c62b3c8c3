/**
 * The WhatsApp health guard's rules, pure: pacing, the daily first-contact cap, pausing on rate
 * errors and ban signals. Unofficial WhatsApp clients are banned for behaving like a spammer:
 * bursts, many unsolicited first messages a day (reports put the line at 15–20), and carrying on
 * after WhatsApp said "too many". These functions take the stored state and `now` and say what
 * to do; whatsapp-guard.service.ts keeps the state in the database.
 */

/** Why sending on WhatsApp is paused. */
interface GuardPause {
  reason: string;
  /** `rate` (provider said slow down), `ban` (account restricted or banned), `manual` (an admin). */
  kind: "rate" | "ban" | "manual";
  since: string;
  /** ISO time the pause lifts on its own; null = until an admin resumes. */
  until: string | null;
}

/** The guard's state as stored (settings key `whatsapp.guard`). */
export interface GuardState {
  /** Earliest time (ms) the next message may leave: pacing with jitter. */
  nextSendAtMs: number;
  /** The UTC day (`YYYY-MM-DD`) `firstContacts` counts. */
  day: string;
  /** Addresses first-contacted on `day` (each counts once a day). */
  firstContacts: string[];
  /** Most first contacts per day; default DEFAULT_DAILY_FIRST_CONTACT_CAP. */
  dailyFirstContactCap: number;
  paused: GuardPause | null;
}

/** Default cap on first contacts a day, well under the 15–20 where bans are reported. */
const DEFAULT_DAILY_FIRST_CONTACT_CAP = 10;
/** Minimum gap between two messages (≤ 1 msg/s) and the random extra on top of it. */
export const MIN_GAP_MS = 1_000;
const JITTER_MS = 1_000;
/** While paused, how long the sender waits before asking again. */
const PAUSE_RECHECK_MS = 60_000;
/** How long a rate-limit answer pauses sending before it is tried again. */
const RATE_PAUSE_MS = 60 * 60_000;

/** A fresh state: nothing sent, not paused. */
export function initialGuardState(): GuardState {
  return {
    nextSendAtMs: 0,
    day: "",
    firstContacts: [],
    dailyFirstContactCap: DEFAULT_DAILY_FIRST_CONTACT_CAP,
    paused: null,
  };
}

/** A stored value (possibly older or partial) as a complete state. */
export function parseGuardState(raw: unknown): GuardState {
  const base = initialGuardState();
  if (!raw || typeof raw !== "object") return base;
  const r = raw as Partial<GuardState>;
  return {
    nextSendAtMs: typeof r.nextSendAtMs === "number" ? r.nextSendAtMs : base.nextSendAtMs,
    day: typeof r.day === "string" ? r.day : base.day,
    firstContacts: Array.isArray(r.firstContacts) ? r.firstContacts.filter((a) => typeof a === "string") : [],
    dailyFirstContactCap:
      typeof r.dailyFirstContactCap === "number" && r.dailyFirstContactCap >= 0
        ? r.dailyFirstContactCap
        : base.dailyFirstContactCap,
    paused: r.paused && typeof r.paused === "object" ? r.paused : null,
  };
}

/** The UTC day of `now`, the cap's counting period. */
function guardDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** What the guard decided for one message. */
export type SendDecision =
  | { action: "send"; state: GuardState }
  /**
   * Not now. `scope: "channel"` holds all WhatsApp sending `waitMs` (paused, pacing);
   * `scope: "message"` defers only this message (its recipient is over the day's cap).
   */
  | { action: "wait"; waitMs: number; scope: "channel" | "message"; reason: string; state: GuardState };

/**
 * May a message to `to` leave at `now`? Paused → wait (channel), a minute at a time, until the
 * pause lifts or is lifted. Pacing: a message is booked at least MIN_GAP_MS plus
 * `jitter` × JITTER_MS after the previous one, so sending is never bursty nor regular. A first
 * contact (someone who never wrote to us) takes one of the day's slots per address; with none
 * left it waits for the next UTC day — message scope, so replies keep flowing. Replies to
 * people who wrote (inside their 24-hour window or not) are never capped.
 */
export function decideSend(
  state: GuardState,
  input: { now: Date; to: string; firstContact: boolean; jitter: number },
): SendDecision {
  const nowMs = input.now.getTime();
  let s = state;
  if (s.paused?.until && Date.parse(s.paused.until) <= nowMs) s = { ...s, paused: null };
  if (s.paused) {
    // Checked again every minute at most, so a resume from the panel takes effect soon.
    const waitMs = Math.min(PAUSE_RECHECK_MS, s.paused.until ? Date.parse(s.paused.until) - nowMs : PAUSE_RECHECK_MS);
    return { action: "wait", waitMs, scope: "channel", reason: `whatsapp paused: ${s.paused.reason}`, state: s };
  }
  const day = guardDay(input.now);
  if (s.day !== day) s = { ...s, day, firstContacts: [] };
  if (nowMs < s.nextSendAtMs) {
    return { action: "wait", waitMs: s.nextSendAtMs - nowMs, scope: "channel", reason: "whatsapp pacing", state: s };
  }
  let firstContacts = s.firstContacts;
  if (input.firstContact && !firstContacts.includes(input.to)) {
    if (firstContacts.length >= s.dailyFirstContactCap) {
      const nextDayMs = Date.parse(`${day}T00:00:00.000Z`) + 24 * 60 * 60_000;
      const reason = `whatsapp daily first-contact cap (${s.dailyFirstContactCap}) reached`;
      return { action: "wait", waitMs: nextDayMs - nowMs, scope: "message", reason, state: s };
    }
    firstContacts = [...firstContacts, input.to];
  }
  const jitter = Math.min(Math.max(input.jitter, 0), 1);
  const nextSendAtMs = nowMs + MIN_GAP_MS + Math.floor(jitter * JITTER_MS);
  return { action: "send", state: { ...s, firstContacts, nextSendAtMs } };
}

/** What a failed send says about the account's health. */
export type ErrorSignal = "rate" | "ban" | null;

/**
 * Classify a WhatsApp error: 429 / "rate-overlimit" is a rate signal; 403 (forbidden), 463
 * (new-contact restriction), "banned", "reachout timelock" are ban signals. Anything else
 * (a network blip, a bad number) says nothing about the account.
 */
export function classifyWhatsappError(err: { status?: number; message?: string }): ErrorSignal {
  const msg = (err.message ?? "").toLowerCase();
  if (err.status === 429 || /rate-overlimit|rate overlimit|too many/.test(msg)) return "rate";
  if (err.status === 403 || err.status === 463 || /forbidden|banned|reachout|timelock|restricted/.test(msg))
    return "ban";
  return null;
}

/**
 * Pause on a bad signal: a rate signal for RATE_PAUSE_MS (sending resumes on its own), a ban
 * signal until an admin resumes. An existing pause without end is never shortened.
 */
export function pauseFor(state: GuardState, signal: "rate" | "ban" | "manual", reason: string, now: Date): GuardState {
  if (state.paused && state.paused.until === null) return state;
  const until = signal === "rate" ? new Date(now.getTime() + RATE_PAUSE_MS).toISOString() : null;
  return { ...state, paused: { reason, kind: signal, since: now.toISOString(), until } };
}
