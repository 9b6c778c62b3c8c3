/**
 * Runs the app's command line as a child process — the compiled `dist/main.js` that `npm start`
 * runs (tests/support/global-setup.ts brings dist/ up to date first), or `main.ts` through tsx's
 * loader with LEADRELAY_CLI_TSX=1; one process either way, so its pid is the server's — with a
 * minimal environment: no DATABASE_URL or REDIS_URL leaks in from the test
 * run, so every command uses the embedded database of the DATA_DIR it is given.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "main.ts");
const DIST_MAIN = join(ROOT, "dist", "main.js");
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
/** Compiled JavaScript starts in about a second; tsx transpiles the whole app on every start. */
const COMMAND = process.env.LEADRELAY_CLI_TSX === "1" ? ["--import", TSX, MAIN] : [DIST_MAIN];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    LOG_LEVEL: "info",
    DEMO_DATA: "false",
    ...env,
  };
}

/** Starts `main.ts args…` in `cwd` (`nodeArgs`: flags for node itself); the caller reads or kills it. */
export function startCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; nodeArgs?: string[] },
): ChildProcess {
  return spawn(process.execPath, [...(opts.nodeArgs ?? []), ...COMMAND, ...args], {
    cwd: opts.cwd,
    env: cliEnv(opts.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs `main.ts args…` to the end (killed after `timeoutMs`). */
export function runCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; nodeArgs?: string[]; timeoutMs?: number },
): Promise<CliResult> {
  const child = startCli(args, opts);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface LockFile {
  pid: number;
  role: string;
  serving: boolean;
  httpPort: number | null;
  startedAt: string;
  socketDir: string | null;
}

/** The data folder's owner lock, or null. */
export async function readLock(dataDir: string): Promise<LockFile | null> {
  try {
    return JSON.parse(await readFile(join(dataDir, "pglite.lock"), "utf8")) as LockFile;
  } catch {
    return null;
  }
}

/** Waits until the server `pid` has written its web port into the lock of `dataDir`. */
export async function waitForServer(dataDir: string, child: ChildProcess, timeoutMs = 120_000): Promise<LockFile> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it listened`);
    const lock = await readLock(dataDir);
    if (lock !== null && lock.pid === child.pid && lock.httpPort !== null) return lock;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("server did not start in time");
}

/** Stops a child with SIGTERM and waits for it (SIGKILL after 20 s). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await closed;
  clearTimeout(timer);
}

/** The TCP ports process `pid` listens on (Linux: its socket fds matched against /proc/net/tcp*). */
export function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // the fd closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      const [local, state, inode] = [f[1], f[3], f[9]];
      if (state === "0A" && inode && inodes.has(inode) && local)
        ports.add(Number.parseInt(local.split(":")[1] ?? "", 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}
