/**
 * A circuit breaker per language model: after `failuresToOpen` consecutive failures the features
 * answer from rules without calling the model; after `coolDownMs` one probe call is let through
 * (half-open) and its outcome closes or re-opens the circuit. Time comes from the caller (the
 * injected clock), so tests jump over the cool-down instead of sleeping.
 */

export const FAILURES_TO_OPEN = 3;
export const COOL_DOWN_MS = 60_000;

export type CircuitState = "closed" | "open" | "half_open";

/** The breaker's state machine (in memory: one per model per process). */
export class CircuitBreaker {
  private failures = 0;
  private openedAtMs: number | null = null;
  private probing = false;

  constructor(
    readonly failuresToOpen = FAILURES_TO_OPEN,
    readonly coolDownMs = COOL_DOWN_MS,
  ) {}

  /** The state at `now` (open turns half-open once the cool-down has passed). */
  state(now: Date): CircuitState {
    if (this.openedAtMs === null) return "closed";
    return now.getTime() - this.openedAtMs >= this.coolDownMs ? "half_open" : "open";
  }

  /** May a call go out now? Half-open lets exactly one probe through at a time. */
  allow(now: Date): boolean {
    const s = this.state(now);
    if (s === "closed") return true;
    if (s === "open" || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** A call succeeded: the circuit closes. */
  success(): void {
    this.failures = 0;
    this.openedAtMs = null;
    this.probing = false;
  }

  /** A call failed: count it; a failed probe or the Nth failure in a row opens the circuit. */
  failure(now: Date): void {
    this.failures += 1;
    if (this.probing || this.failures >= this.failuresToOpen) this.openedAtMs = now.getTime();
    this.probing = false;
  }
}

const breakers = new WeakMap<object, CircuitBreaker>();

/** The breaker of one Llm instance (created closed on first use). */
export function breakerFor(llm: object): CircuitBreaker {
  let b = breakers.get(llm);
  if (!b) {
    b = new CircuitBreaker();
    breakers.set(llm, b);
  }
  return b;
}
