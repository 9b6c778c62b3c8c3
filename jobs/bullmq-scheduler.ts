import { type ConnectionOptions, Queue, Worker } from "bullmq";
import type { Scheduler } from "../core/ports.js";

export const WAKEUP_QUEUE = "leadrelay-wakeups";

/** BullMQ job ids may not contain ":"; keys do. */
const jobIdFor = (key: string) => key.replaceAll(":", "_");

/** Parse redis://host:port/db into BullMQ connection options. */
export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === "rediss:" ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/**
 * The Scheduler for scaled mode: one delayed BullMQ job per deadline key (the key is the job
 * id, so a key is scheduled once). Rescheduling replaces the job. Jobs carry only the key; the
 * handler re-reads the row, so a duplicate or stale job does nothing.
 */
export class BullmqScheduler implements Scheduler {
  readonly queue: Queue;

  constructor(connection: ConnectionOptions, queueName = WAKEUP_QUEUE) {
    this.queue = new Queue(queueName, {
      connection,
      defaultJobOptions: {
        removeOnComplete: true,
        removeOnFail: 1000,
        attempts: 5,
        backoff: { type: "exponential", delay: 1000 },
      },
    });
  }

  async at(key: string, when: Date): Promise<void> {
    const jobId = jobIdFor(key);
    const delay = Math.max(0, when.getTime() - Date.now());
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      if ((await existing.getState()) === "delayed") {
        await existing.changeDelay(delay);
        return;
      }
      await existing.remove().catch(() => {});
    }
    await this.queue.add("wake", { key }, { jobId, delay });
  }

  async cancel(key: string): Promise<void> {
    await this.queue.remove(jobIdFor(key)).catch(() => 0);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** Run wake-up jobs from the queue; several processes may run this side by side. */
export function startWakeupWorker(
  connection: ConnectionOptions,
  handle: (key: string) => Promise<void>,
  opts: { concurrency?: number; queueName?: string } = {},
): Worker {
  return new Worker(
    opts.queueName ?? WAKEUP_QUEUE,
    async (job) => {
      await handle((job.data as { key: string }).key);
    },
    { connection, concurrency: opts.concurrency ?? 20 },
  );
}
