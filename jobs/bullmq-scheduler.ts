import { type ConnectionOptions, type Job, Queue, Worker } from "bullmq";
import type { Metrics, Scheduler } from "../core/ports.js";

const WAKEUP_QUEUE = "leadrelay-wakeups";

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
    const data: WakeData = { key, dueAtMs: when.getTime() };
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      if ((await existing.getState()) === "delayed") {
        await existing.changeDelay(delay);
        await existing.updateData(data); // the due time its lateness is measured from
        return;
      }
      await existing.remove().catch(() => {});
    }
    await this.queue.add("wake", data, { jobId, delay });
  }

  async cancel(key: string): Promise<void> {
    await this.queue.remove(jobIdFor(key)).catch(() => 0);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** A wake-up job's data: the deadline key, and when it was due (absent on jobs queued before). */
interface WakeData {
  key: string;
  dueAtMs?: number;
}

/**
 * Record how late a job started (`leadrelay_queue_job_lateness_seconds{queue}`): from its due time
 * (a wake-up's `dueAtMs`; else when it was added plus its delay, as for the reconciler's repeats).
 */
export function observeJobLateness(metrics: Metrics | undefined, job: Job, startedAtMs = Date.now()): void {
  if (!metrics) return;
  const due = (job.data as Partial<WakeData> | undefined)?.dueAtMs ?? job.timestamp + (job.delay ?? 0);
  metrics.observe("queue_job_lateness_seconds", (startedAtMs - due) / 1000, { queue: job.queueName });
}

/**
 * Run wake-up jobs from the queue; several processes may run this side by side. `handle` gets the
 * key and the job's id (for its log lines). Many jobs run at once (100 by default): a window's
 * expiry wake-up mostly waits to join the process's next expiry batch, so a burst gathers into a
 * few large transactions; the database pool bounds how many transactions really run.
 */
export function startWakeupWorker(
  connection: ConnectionOptions,
  handle: (key: string, jobId: string) => Promise<void>,
  opts: { concurrency?: number; queueName?: string; metrics?: Metrics } = {},
): Worker {
  return new Worker(
    opts.queueName ?? WAKEUP_QUEUE,
    async (job) => {
      observeJobLateness(opts.metrics, job);
      await handle((job.data as WakeData).key, job.id ?? "");
    },
    { connection, concurrency: opts.concurrency ?? 100 },
  );
}
