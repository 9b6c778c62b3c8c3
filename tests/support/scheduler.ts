import type { Scheduler } from "../../core/ports.js";

/** A Scheduler that only remembers: tests fire due keys themselves on their fake clock. */
export class RecordingScheduler implements Scheduler {
  readonly pending = new Map<string, Date>();
  readonly calls: Array<{ op: "at" | "cancel"; key: string; when?: Date }> = [];

  async at(key: string, when: Date): Promise<void> {
    this.pending.set(key, when);
    this.calls.push({ op: "at", key, when });
  }

  async cancel(key: string): Promise<void> {
    this.pending.delete(key);
    this.calls.push({ op: "cancel", key });
  }

  /** Keys due at `now`, earliest first, removed from the pending set. */
  takeDue(now: Date): string[] {
    const due = [...this.pending.entries()]
      .filter(([, when]) => when.getTime() <= now.getTime())
      .sort((a, b) => a[1].getTime() - b[1].getTime())
      .map(([key]) => key);
    for (const key of due) this.pending.delete(key);
    return due;
  }
}
