/**
 * How long a panel sign-in must wait after failed tries — OWASP's authentication guidance:
 * slow guessing down with growing delays instead of locking the account, so an anonymous
 * attacker cannot turn the throttle into a lock-out of the real user. Pure rules: plain data
 * and `now` in, a wait in milliseconds out.
 */

/** One throttle: so many failures are free, then each further try waits base·2^k since the last one. */
export interface ThrottleRule {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Failures of one kind within the window, and when the latest happened. */
export interface FailureTally {
  count: number;
  lastAt: Date | null;
}

/** Failures are counted over this sliding window (a success clears its own pair's rows). */
export const LOGIN_FAILURE_WINDOW_MS = 24 * 60 * 60_000;

/** An address the account had a panel session from within this long counts as the user's own. */
export const KNOWN_CLIENT_MS = 30 * 24 * 60 * 60_000;

export const LOGIN_THROTTLE: {
  /** One account from one client address: the real user mistyping, or one attacker on one account. */
  pair: ThrottleRule;
  /** One client address over every account: password spraying from one place. */
  client: ThrottleRule;
  /** One account from every address (distributed guessing): slows, never locks; the user's known addresses skip it. */
  account: ThrottleRule;
} = {
  pair: { freeFailures: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000 },
  client: { freeFailures: 20, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000 },
  account: { freeFailures: 100, baseDelayMs: 1_000, maxDelayMs: 60_000 },
};

/**
 * The wait (ms, 0 = may try now) one throttle still imposes: nothing for the first
 * `freeFailures`, then the delay doubles with each further failure, capped at `maxDelayMs`, and
 * is counted from the latest failure — so waiting it out always lets the next try through.
 */
export function throttleWaitMs(tally: FailureTally, rule: ThrottleRule, now: Date): number {
  if (tally.count < rule.freeFailures || !tally.lastAt) return 0;
  const delay = Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** (tally.count - rule.freeFailures));
  return Math.max(0, tally.lastAt.getTime() + delay - now.getTime());
}

/**
 * The wait before a sign-in try for (account, client address): the longest of the pair's and the
 * client's throttles, and the account-wide one unless the address is one the user signed in from
 * (`knownClient`), so distributed guessing cannot keep the real user out from their own place.
 */
export function loginWaitMs(
  t: { pair: FailureTally; client: FailureTally; account: FailureTally; knownClient: boolean },
  now: Date,
): number {
  return Math.max(
    throttleWaitMs(t.pair, LOGIN_THROTTLE.pair, now),
    throttleWaitMs(t.client, LOGIN_THROTTLE.client, now),
    t.knownClient ? 0 : throttleWaitMs(t.account, LOGIN_THROTTLE.account, now),
  );
}
