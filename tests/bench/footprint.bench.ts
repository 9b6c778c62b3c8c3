/**
 * `npm start`'s footprint (`npm run bench -- footprint`): runs `npm start` as a user does, on an
 * empty temporary data folder (embedded PostgreSQL, demo data, no Redis), and measures
 * - the time from spawning `npm start` until GET /healthz answers 200 (goal ≤ 5 s), and again
 *   for a second start on the now existing folder;
 * - the resident memory of the whole process tree (npm, node, anything they started) after it
 *   has been idle for BENCH_IDLE_SECONDS (60; goal ≤ 400 MB), read from /proc, per process.
 * Linux only (/proc). The tree is stopped with SIGINT (Ctrl-C) and must exit.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchResult } from "./events.bench.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const START_LIMIT_MS = 120_000;
const MB = 1024 * 1024;
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** pid → [parent pid, command name, RSS bytes] for every process visible in /proc. */
function processTable(): Map<number, { ppid: number; comm: string; rss: number }> {
  const out = new Map<number, { ppid: number; comm: string; rss: number }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, "utf8");
      const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, "m").exec(status)?.[1]?.trim() ?? "";
      out.set(Number(name), {
        ppid: Number(field("PPid")),
        comm: field("Name"),
        rss: Number.parseInt(field("VmRSS") || "0", 10) * 1024,
      });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The process `root` and all its descendants, with their RSS. */
function tree(root: number) {
  const table = processTable();
  const members: Array<{ pid: number; comm: string; rss: number; cmd: string }> = [];
  const visit = (pid: number) => {
    const p = table.get(pid);
    if (!p) return;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 60);
    } catch {}
    members.push({ pid, comm: p.comm, rss: p.rss, cmd });
    for (const [child, c] of table) if (c.ppid === pid) visit(child);
  };
  visit(root);
  return members;
}

async function untilHealthy(url: string, child: ChildProcess, started: number): Promise<number> {
  while (performance.now() - started < START_LIMIT_MS) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before /healthz answered`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (r.status === 200) return performance.now() - started;
    } catch {}
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`/healthz not healthy within ${START_LIMIT_MS / 1000} s`);
}

/** Start `npm start` on `dataDir`; time to a healthy /healthz; optionally the tree's RSS after idling. */
async function startOnce(dataDir: string, idleS: number | null) {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" };
  for (const k of ["DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL", "NODE_OPTIONS"]) delete env[k];
  const started = performance.now();
  const child = spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  try {
    const healthyMs = await untilHealthy(`http://127.0.0.1:${port}/healthz`, child, started);
    let members: ReturnType<typeof tree> = [];
    if (idleS !== null) {
      progress(`healthy after ${(healthyMs / 1000).toFixed(2)} s; idling ${idleS} s`);
      await new Promise((r) => setTimeout(r, idleS * 1000));
      members = tree(child.pid as number);
    }
    return { healthyMs, members };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- npm start output ---\n${output.slice(-3000)}`);
  } finally {
    const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
    try {
      process.kill(-(child.pid as number), "SIGINT");
    } catch {}
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {}
    }, 30_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function run(): Promise<BenchResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "leadrelay-footprint-"));
  try {
    const loadStart = loadavg()[0]?.toFixed(2);
    progress(`npm start on an empty ${dataDir}`);
    const first = await startOnce(dataDir, IDLE_S);
    progress("second start on the same folder");
    const second = await startOnce(dataDir, null);
    const total = first.members.reduce((s, m) => s + m.rss, 0);
    const mb = (b: number) => `${Math.round(b / MB)} MB`;
    const rows = [
      [
        "first start on an empty folder → healthy /healthz",
        `${(first.healthyMs / 1000).toFixed(2)} s`,
        "≤ 5 s",
        "incl. npm, prestart build check, migrations, demo data",
      ],
      ["second start (existing folder)", `${(second.healthyMs / 1000).toFixed(2)} s`, "", ""],
      [`process tree RSS after ${IDLE_S} s idle`, mb(total), "≤ 400 MB", `${first.members.length} processes`],
      ...first.members.map((m) => [`  ${m.comm} (pid ${m.pid})`, mb(m.rss), "", m.cmd]),
    ];
    return {
      title: "npm start footprint (embedded PostgreSQL, demo data, no Redis)",
      columns: ["measurement", "result", "goal", "notes"],
      rows,
      notes: [
        `Load average (1 min) at the start: ${loadStart}, at the end: ${loadavg()[0]?.toFixed(2)}. MB = 2^20 bytes.`,
      ],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  for (const row of r.rows) console.log(`| ${row.join(" | ")} |`);
  process.exit(0);
}
