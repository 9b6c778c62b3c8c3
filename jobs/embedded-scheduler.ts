import type { Scheduler } from "../core/ports.js";

/** setTimeout cannot wait longer than this; longer waits re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The in-process Scheduler for embedded mode: one timer per key, lost on restart —
 * which is fine, because every deadline is a column and the reconciler sweeps due rows.
 */
export class EmbeddedScheduler implements Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly handle: (key: string) => Promise<void>,
    private readonly now: () => number = Date.now,
    private readonly onError: (key: string, err: unknown) => void = () => {},
  ) {}

  async at(key: string, when: Date): Promise<void> {
    if (this.stopped) return;
    this.clear(key);
    const wait = Math.max(0, when.getTime() - this.now());
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        if (wait > MAX_TIMER_MS) return void this.at(key, when);
        this.handle(key).catch((err) => this.onError(key, err));
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(key, timer);
  }

  async cancel(key: string): Promise<void> {
    this.clear(key);
  }

  /** Number of pending wake-ups (for health and tests). */
  get size(): number {
    return this.timers.size;
  }

  /** Drop every timer; later calls are ignored. */
  stop(): void {
    this.stopped = true;
    for (const key of [...this.timers.keys()]) this.clear(key);
  }

  private clear(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }
}
