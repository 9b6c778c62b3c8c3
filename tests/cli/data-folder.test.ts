/**
 * One owner per data folder, and an embedded database only its owner can reach (issue 11,
 * findings 8, 12 and 14): one real `main.ts all` on a temporary DATA_DIR, then a second server,
 * a one-off command sharing it, a one-off command on another folder, and a foreign user.
 */
import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliResult,
  type LockFile,
  listeningTcpPorts,
  runCli,
  startCli,
  stop,
  waitForServer,
} from "./cli-process.js";

let root: string;
let dataDir: string;
let server: ChildProcess;
let serverOut = "";
let lock: LockFile;
/** `api-key create` on another, new data folder: started with the server (both create a database). */
let elsewhere: Promise<CliResult>;
let otherDir: string;

/** The pid of a process that has exited (a crashed owner's lock names such a pid). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "leadrelay-cli-owner-"));
  await chmod(root, 0o755); // like a checkout: other users may enter the parent folder
  dataDir = join(root, "data");
  await mkdir(dataDir);
  // A crashed owner's lock: its process is gone, so it must not block the start.
  const stale = { pid: deadPid(), role: "all", serving: true, httpPort: 3000, startedAt: "2020-01-01T00:00:00.000Z" };
  await writeFile(join(dataDir, "pglite.lock"), JSON.stringify({ ...stale, socketDir: join(dataDir, "run") }));
  otherDir = join(root, "other-data");
  elsewhere = runCli(["api-key", "create", "--name", "elsewhere", "--scope", "admin"], {
    cwd: root,
    env: { DATA_DIR: otherDir },
    timeoutMs: 170_000,
  });
  server = startCli(["all"], { cwd: root, env: { DATA_DIR: dataDir, PORT: "0" } });
  server.stdout?.on("data", (d) => {
    serverOut += d;
  });
  server.stderr?.on("data", (d) => {
    serverOut += d;
  });
  lock = await waitForServer(dataDir, server).catch((err: Error) => {
    throw new Error(`${err.message}:\n${serverOut}`);
  });
}, 180_000);

afterAll(async () => {
  await elsewhere;
  if (server) await stop(server);
  await rm(root, { recursive: true, force: true });
}, 60_000);

async function api(path: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${lock.httpPort}${path}`, { headers });
  return res.status;
}

describe("one owner per data folder", () => {
  it("a stale lock (its process gone) does not block a start; the lock names the new owner", () => {
    expect(serverOut).toContain("removing stale lock");
    expect(lock).toMatchObject({ pid: server.pid, role: "all", serving: true });
    expect(lock.httpPort).toBeGreaterThan(0);
  });

  it("a second server on the same DATA_DIR (another port) exits non-zero with one line naming the holder", async () => {
    const r = await runCli(["web"], { cwd: root, env: { DATA_DIR: dataDir, PORT: "0" }, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`The data folder ${dataDir} is in use by another LeadRelay server`);
    expect(lines[0]).toContain(`pid ${server.pid} (all), web port ${lock.httpPort}, started at ${lock.startedAt}`);
    expect(await api("/healthz")).toBe(200); // the first one is untouched
  }, 90_000);

  it("a one-off command shares the running server's database and says so before acting", async () => {
    const r = await runCli(["api-key", "create", "--name", "shared", "--scope", "admin"], {
      cwd: root,
      env: { DATA_DIR: dataDir },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `leadrelay: writing to the embedded database in ${dataDir} (shared with the running server pid ${server.pid} (all)`,
    );
    const key = r.stdout.trimEnd().split("\n").at(-1) ?? "";
    expect(key).toMatch(/^lr_/);
    // The key is in the server's database: the running server accepts it.
    expect(await api("/api/leads", { authorization: `Bearer ${key}` })).toBe(200);
  }, 90_000);

  it("a one-off command on another DATA_DIR says which (new) database it writes to", async () => {
    const other = otherDir;
    const r = await elsewhere;
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")[0]).toBe(
      `leadrelay: writing to the embedded database in ${other} (new, no server running there)`,
    );
    const key = r.stdout.trimEnd().split("\n").at(-1) ?? "";
    expect(await api("/api/leads", { authorization: `Bearer ${key}` })).toBe(401); // not the server's database
    expect(existsSync(join(other, "pglite.lock"))).toBe(false); // released when done
  }, 180_000);
});

describe("the embedded database accepts only the owner's connections", () => {
  it("listens on no TCP port: the only one the server opens is its web port", () => {
    expect(listeningTcpPorts(server.pid as number)).toEqual([lock.httpPort]);
  });

  it("its socket is in a folder only the owner can enter", () => {
    expect(lock.socketDir).toBe(join(dataDir, "run"));
    expect(statSync(join(dataDir, "run")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, "pglite")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, "run", ".s.PGSQL.5432")).isSocket()).toBe(true);
  });

  const root_ = process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status === 0;
  it.skipIf(!root_)("another local user can neither connect nor read the data files", () => {
    const probe = `
      const net = require("node:net"), fs = require("node:fs");
      const out = {};
      try { fs.readFileSync(${JSON.stringify(join(dataDir, "pglite", "PG_VERSION"))}); out.read = "ok"; } catch (e) { out.read = e.code; }
      const s = net.connect(${JSON.stringify(join(dataDir, "run", ".s.PGSQL.5432"))});
      s.on("connect", () => { out.connect = "ok"; console.log(JSON.stringify(out)); process.exit(0); });
      s.on("error", (e) => { out.connect = e.code; console.log(JSON.stringify(out)); process.exit(0); });`;
    const r = spawnSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "-e", probe],
      { encoding: "utf8" },
    );
    expect(JSON.parse(r.stdout)).toEqual({ read: "EACCES", connect: "EACCES" });
  });
});
