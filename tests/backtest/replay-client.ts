/**
 * The backtest's client in its own process, so that making requests never steals the server's
 * event loop: `forkReplay` starts this file (under tsx) as a child, which generates the same
 * dataset (same contacts, seed and duplicate rate: generation is deterministic) and replays it
 * over HTTP to the server's POST /api/events (replay.ts). The server's process keeps the fake
 * clock, the wake-ups and the database: the child asks it, over the fork's private IPC channel
 * (no HTTP route, nothing another process can reach), to move the clock to a wave (`advance`),
 * to fire what is due (`due`) and to refresh the planner's statistics (`maintain`). The child
 * answers its ReplayResult and exits.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generateDataset } from "./generate.js";
import { JsonClient } from "./http.js";
import { type ReplayResult, replay } from "./replay.js";

/** What the client needs to know; all plain data (it crosses the IPC channel). */
export interface ReplaySpec {
  baseUrl: string;
  authorization: string;
  contacts: number;
  seed: number;
  duplicateRate?: number;
  concurrency: number;
  /** Nothing new starts after this (ms since epoch). */
  deadline: number;
}

/** What the server does for the client: the clock, the wake-ups, ANALYZE. */
export interface ServerSide {
  advanceTo(at: number): Promise<number>;
  runDue(): Promise<number>;
  maintain(): Promise<void>;
  onProgress?: (done: number, total: number, phase: string) => void;
}

type Op = "advance" | "due" | "maintain";
type ChildMessage =
  | { type: "ready" }
  | { type: "call"; id: number; op: Op; at?: number }
  | { type: "progress"; done: number; total: number; phase: string }
  | { type: "done"; result: WireResult }
  | { type: "failed"; error: string };
type ParentMessage =
  | { type: "start"; spec: ReplaySpec }
  | { type: "reply"; id: number; value?: number; error?: string };

/** ReplayResult over IPC: the customer-id map as entries; `generateMs` is the child's. */
type WireResult = Omit<ReplayResult, "customerIds"> & { customerIds: Array<[number, string]>; generateMs: number };

/** A started client process: `run` sends the spec and settles with the replay's result. */
export interface ReplayClient {
  run(spec: ReplaySpec, server: ServerSide): Promise<ReplayResult & { generateMs: number }>;
  /** Ends the child if it still runs (after a failure). */
  kill(): void;
}

/**
 * Start the client process and wait until it is ready (tsx has loaded it): the start-up stays
 * out of the measured time, like the web app's.
 */
export async function forkReplay(): Promise<ReplayClient> {
  const child = fork(fileURLToPath(import.meta.url), ["--child"], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`replay client exited (${signal ?? code}) before answering`)),
    );
  });
  exited.catch(() => {});
  const ready = new Promise<void>((resolve) => {
    child.once("message", (m: ChildMessage) => {
      if (m.type === "ready") resolve();
    });
  });
  await Promise.race([ready, exited]);
  return {
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
    run: (spec, server) => {
      const done = new Promise<ReplayResult & { generateMs: number }>((resolve, reject) => {
        const send = (m: ParentMessage) => child.send(m);
        child.on("message", (m: ChildMessage) => {
          if (m.type === "call") {
            const call =
              m.op === "advance"
                ? server.advanceTo(m.at as number)
                : m.op === "due"
                  ? server.runDue()
                  : server.maintain().then(() => 0);
            call.then(
              (value) => send({ type: "reply", id: m.id, value }),
              (err: unknown) => send({ type: "reply", id: m.id, error: String((err as Error)?.stack ?? err) }),
            );
          } else if (m.type === "progress") server.onProgress?.(m.done, m.total, m.phase);
          else if (m.type === "done") {
            resolve({ ...m.result, customerIds: new Map(m.result.customerIds) });
            child.disconnect();
          } else if (m.type === "failed") {
            reject(new Error(`replay client: ${m.error}`));
            child.disconnect();
          }
        });
        send({ type: "start", spec });
      });
      return Promise.race([done, exited]);
    },
  };
}

/** The child: replay the dataset against the server, asking it for clock moves over IPC. */
async function runChild(spec: ReplaySpec): Promise<WireResult> {
  const pending = new Map<number, { resolve(v: number): void; reject(e: Error): void }>();
  let nextId = 0;
  process.on("message", (m: ParentMessage) => {
    if (m.type !== "reply") return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`server: ${m.error}`));
    else p?.resolve(m.value ?? 0);
  });
  const call = (op: Op, at?: number) =>
    new Promise<number>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      process.send?.({ type: "call", id, op, at } satisfies ChildMessage);
    });
  const t0 = performance.now();
  const data = generateDataset(spec.contacts, spec.seed, { duplicateRate: spec.duplicateRate });
  const generateMs = performance.now() - t0;
  const client = new JsonClient(spec.baseUrl, { authorization: spec.authorization }, { sockets: spec.concurrency });
  let lastProgress = 0;
  try {
    const r = await replay(data, {
      client,
      advanceTo: (at) => call("advance", at),
      runDue: () => call("due"),
      maintain: async () => {
        await call("maintain");
      },
      concurrency: spec.concurrency,
      deadline: spec.deadline,
      onProgress: (done, total, phase) => {
        // At most ~10 progress messages a second, plus every phase change (done = 0).
        const now = performance.now();
        if (done !== 0 && done !== total && now - lastProgress < 100) return;
        lastProgress = now;
        process.send?.({ type: "progress", done, total, phase } satisfies ChildMessage);
      },
    });
    return { ...r, customerIds: [...r.customerIds], generateMs };
  } finally {
    client.close();
  }
}

if (process.argv[2] === "--child") {
  process.once("message", (m: ParentMessage) => {
    if (m.type !== "start") return;
    runChild(m.spec).then(
      (result) => process.send?.({ type: "done", result } satisfies ChildMessage),
      (err: unknown) =>
        process.send?.({ type: "failed", error: String((err as Error)?.stack ?? err) } satisfies ChildMessage),
    );
  });
  process.send?.({ type: "ready" } satisfies ChildMessage);
}
