import type { CoreLog } from "../../core/context.js";
import type { ChatApp } from "./app.js";

/**
 * The chat app's two sweeps: handle again what a crash left unprocessed (guaranteed intake),
 * and keep open windows' countdowns current. Each run waits for the previous one to finish.
 */
export function startChatTimers(
  chat: ChatApp,
  log: CoreLog,
  opts: { retryEveryMs?: number; countdownEveryMs?: number } = {},
): { stop(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  const every = (ms: number, name: string, task: () => Promise<unknown>) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const run = task()
        .catch((err: unknown) => log.warn(`chat: ${name} failed`, err))
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    }, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    every(opts.retryEveryMs ?? 30_000, "retry sweep", () => chat.retryUnprocessed()),
    every(opts.countdownEveryMs ?? 60_000, "countdown refresh", () => chat.refreshCountdowns()),
  ];
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all(running);
      await chat.idle();
    },
  };
}
