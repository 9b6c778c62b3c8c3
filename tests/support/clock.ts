/**
 * A clock for tests that moves only when told to. It satisfies `Clock { now(): Date }`
 * (core/ports.ts) structurally.
 */
export class FakeClock {
  #ms: number;

  /** Starts at `start` (default 2026-01-05T09:00:00Z, a Monday morning UTC). */
  constructor(start: Date | string | number = "2026-01-05T09:00:00.000Z") {
    this.#ms = toMs(start);
  }

  /** The current fake time (a new Date each call, so callers cannot move the clock). */
  now(): Date {
    return new Date(this.#ms);
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() needs a finite ms >= 0, got ${ms}`);
    this.#ms += ms;
  }

  /** Jumps to `date` (backwards too). */
  set(date: Date | string | number): void {
    this.#ms = toMs(date);
  }
}

function toMs(date: Date | string | number): number {
  const ms = new Date(date).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`Invalid date: ${String(date)}`);
  return ms;
}
