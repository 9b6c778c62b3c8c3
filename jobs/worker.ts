import type { ConnectionOptions, Queue } from "bullmq";
import type { CoreDeps } from "../core/context.js";
import { recordJobRun } from "../core/ops/ops.query.js";
import type { Channel } from "../core/ports.js";
import { handleWakeup, reconcileAll } from "../core/wakeups.js";
import type { ChannelKind } from "../prisma/generated/client.js";
import { OutboxSender } from "./outbox-sender.js";

const MAINTENANCE_QUEUE = "leadrelay-maintenance";

export interface WorkerOptions {
  deps: CoreDeps;
  channels: Partial<Record<ChannelKind, Channel>>;
  /** Scaled mode: wake-ups and the reconciler run through BullMQ on this Redis. */
  redis?: ConnectionOptions;
  /** How often the outbox is polled when idle. */
  outboxIdleMs?: number;
  /** BullMQ queue names (tests use unique ones); default WAKEUP_QUEUE and MAINTENANCE_QUEUE. */
  queues?: { wakeups?: string; maintenance?: string };
}

/** The deps of one job: its log lines carry the job's id and key (when the log can make children). */
export function jobDeps(deps: CoreDeps, bindings: Record<string, string>): CoreDeps {
  return deps.log.child ? { ...deps, log: deps.log.child(bindings) } : deps;
}

export interface RunningWorker {
  stop(): Promise<void>;
  /** One reconcile pass now (tests, and the embedded interval). */
  reconcile(): Promise<void>;
  /** The queues this worker owns besides the scheduler's (scaled mode), for the metrics. */
  queues: Queue[];
}

/**
 * The worker role: wake-up handling, the reconciler (every RECONCILE_EVERY) and the outbox
 * sender. In scaled mode BullMQ delivers wake-ups and runs the reconciler as a job scheduler
 * (one run per tick across all workers); in embedded mode an interval does it.
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { deps } = opts;
  const stops: Array<() => Promise<void>> = [];
  const queues: Queue[] = [];
  let reconciling = false;
  const reconcileWith = async (d: CoreDeps) => {
    if (reconciling) return;
    reconciling = true;
    try {
      const r = await recordJobRun(d, "reconcile", () => reconcileAll(d));
      if (r.handled > 0 || r.archived > 0) d.log.info("reconciled", r);
    } finally {
      reconciling = false;
    }
  };
  const reconcile = () => reconcileWith(deps);

  if (opts.redis) {
    // BullMQ (~16 MB resident) is imported only in scaled mode: an embedded install never needs it.
    const [bullmq, { observeJobLateness, startWakeupWorker }] = await Promise.all([
      import("bullmq"),
      import("./bullmq-scheduler.js"),
    ]);
    const maintenanceQueue = opts.queues?.maintenance ?? MAINTENANCE_QUEUE;
    const wakeups = startWakeupWorker(opts.redis, (key, job) => handleWakeup(jobDeps(deps, { job, key }), key), {
      queueName: opts.queues?.wakeups,
      metrics: deps.metrics,
    });
    const queue = new bullmq.Queue(maintenanceQueue, { connection: opts.redis });
    queues.push(queue);
    const every = deps.config.reconcileEveryMs;
    await queue.upsertJobScheduler("reconcile", { every }, { name: "reconcile" });
    const maintenance = new bullmq.Worker(
      maintenanceQueue,
      async (job) => {
        observeJobLateness(deps.metrics, job);
        await reconcileWith(jobDeps(deps, { job: job.id ?? "", key: job.name }));
      },
      { connection: opts.redis, concurrency: 1 },
    );
    for (const w of [wakeups, maintenance]) w.on("error", (err) => deps.log.warn("queue worker error", err));
    // The reconciler's schedule lives in Redis too: a flushed (or replaced) Redis would stop it for
    // good, and with it the safety net. Put it back whenever it is missing.
    const watchdog = setInterval(() => {
      void (async () => {
        if (await queue.getJobScheduler("reconcile")) return;
        await queue.upsertJobScheduler("reconcile", { every }, { name: "reconcile" });
        deps.log.warn("the reconcile schedule was missing from Redis (flushed?); re-created it");
      })().catch((err) => deps.log.warn("reconcile schedule check failed", err));
    }, every);
    watchdog.unref();
    stops.push(
      async () => clearInterval(watchdog),
      () => wakeups.close(),
      () => maintenance.close(),
      () => queue.close(),
    );
  } else {
    const timer = setInterval(() => {
      reconcile().catch((err) => deps.log.warn("reconcile failed", err));
    }, deps.config.reconcileEveryMs);
    timer.unref();
    stops.push(async () => clearInterval(timer));
  }

  stops.push(startOutboxLoop(deps, opts.channels, opts.outboxIdleMs));

  // Catch up at once on whatever fell due while no worker ran.
  await reconcile().catch((err) => deps.log.warn("initial reconcile failed", err));

  return {
    reconcile,
    queues,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch((err) => deps.log.warn("worker stop failed", err));
    },
  };
}

/**
 * Send the outbox on these channels until stopped: a tick, and a short idle wait when nothing was
 * due. The worker runs it for every channel; the bot role runs one for the channels only it holds
 * (WhatsApp's socket lives in the bot process).
 */
export function startOutboxLoop(
  deps: WorkerOptions["deps"],
  channels: WorkerOptions["channels"],
  idleMs = 250,
): () => Promise<void> {
  const sender = new OutboxSender(deps, { channels });
  let running = true;
  const loop = (async () => {
    while (running) {
      let handled = 0;
      try {
        handled = await sender.tick();
      } catch (err) {
        deps.log.warn("outbox tick failed", err);
      }
      if (handled === 0 && running) await new Promise((r) => setTimeout(r, idleMs));
    }
  })();
  return async () => {
    running = false;
    sender.stop(); // finish the message in flight, give the rest of the batch back
    await loop;
  };
}
