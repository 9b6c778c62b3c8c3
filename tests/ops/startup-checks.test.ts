/**
 * Start-up checks (main-startup.ts): a Redis that may evict keys and a PostgreSQL older than the
 * schema needs are refused with one line; a start-up lock held too long by another process is
 * refused the same way. The pure checks always run; a real Redis with `allkeys-lru` (a private
 * redis-server on a free port) when the binary is there; the lock on real PostgreSQL.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkRedis,
  MIN_POSTGRES_VERSION_NUM,
  postgresVersionProblem,
  redisPolicyProblem,
  STARTUP_LOCK_KEY,
  StartupCheckError,
  withStartupLock,
} from "../../main-startup.js";
import { runCli } from "../cli/cli-process.js";

const PG = process.env.TEST_DATABASE_URL;
const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

describe("the pure checks", () => {
  it("refuses a Redis whose maxmemory-policy is not noeviction, with one line", () => {
    const info = "# Memory\r\nused_memory:1024\r\nmaxmemory_policy:allkeys-lru\r\n";
    const line = redisPolicyProblem(info, "cache:6379");
    expect(line).toBe(
      'Redis at cache:6379 has maxmemory-policy "allkeys-lru"; BullMQ needs "noeviction" (an evicted key is a lost job). ' +
        "Set it in redis.conf or with `CONFIG SET maxmemory-policy noeviction`.",
    );
    expect(line).not.toContain("\n");
    expect(redisPolicyProblem("volatile-ttl", "r:6379")).toContain('"volatile-ttl"');
    expect(redisPolicyProblem("# Memory\r\nmaxmemory_policy:noeviction\r\n", "r:6379")).toBeNull();
  });

  it("refuses a PostgreSQL server older than the schema needs", () => {
    expect(MIN_POSTGRES_VERSION_NUM).toBe(140000);
    expect(postgresVersionProblem(130011, "db:5432/leadrelay")).toBe(
      "PostgreSQL at db:5432/leadrelay is version 13; LeadRelay needs 14 or newer. Upgrade the server or point DATABASE_URL at a newer one.",
    );
    expect(postgresVersionProblem(Number.NaN, "db:5432/x")).toContain("version unknown");
    expect(postgresVersionProblem(140000, "db:5432/x")).toBeNull();
    expect(postgresVersionProblem(170002, "db:5432/x")).toBeNull();
  });
});

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe.skipIf(!hasRedisServer)("a real Redis with allkeys-lru", () => {
  let redis: ChildProcess;
  let url: string;
  let cwd: string;

  beforeAll(async () => {
    const port = await freePort();
    cwd = await mkdtemp(join(tmpdir(), "leadrelay-redis-lru-"));
    redis = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", cwd],
      { stdio: "ignore" },
    );
    redis.unref();
    url = `redis://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await checkRedis(url);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const set = spawnSync("redis-cli", ["-p", String(port), "config", "set", "maxmemory-policy", "allkeys-lru"]);
    expect(set.status).toBe(0);
  });

  afterAll(async () => {
    redis?.kill("SIGKILL");
    await rm(cwd, { recursive: true, force: true });
  });

  it("checkRedis refuses it", async () => {
    await expect(checkRedis(url)).rejects.toThrow(StartupCheckError);
    await expect(checkRedis(url)).rejects.toThrow(/maxmemory-policy "allkeys-lru"; BullMQ needs "noeviction"/);
  });

  it("a worker started on it says so in one line and exits 1", async () => {
    const r = await runCli(["worker"], {
      cwd,
      env: { REDIS_URL: url, DATA_DIR: join(cwd, "data") },
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^leadrelay: Redis at 127\.0\.0\.1:\d+ has maxmemory-policy "allkeys-lru"/),
    ]);
  }, 60_000);

  it("an unreachable Redis is one line too", async () => {
    await expect(checkRedis(`redis://127.0.0.1:${await freePort()}`)).rejects.toThrow(
      /^Cannot reach Redis at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
  });
});

describe.skipIf(!PG)("the start-up lock on PostgreSQL", () => {
  const url = (() => {
    const u = new URL(PG ?? "postgresql://x/y");
    if (!u.username) u.username = "postgres";
    return u.toString();
  })();

  it("runs the steps of processes starting together one after the other", async () => {
    const log: string[] = [];
    const step = (name: string) =>
      withStartupLock(url, async () => {
        log.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 200));
        log.push(`${name} out`);
      });
    await Promise.all([step("a"), step("b")]);
    expect(log).toHaveLength(4);
    expect(log[0]?.slice(0, 1)).toBe(log[1]?.slice(0, 1)); // no interleaving
    expect(log[2]?.slice(0, 1)).toBe(log[3]?.slice(0, 1));
  });

  it("gives up with one line when another process holds it too long", async () => {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [STARTUP_LOCK_KEY]);
      let toldPid: number | null = null;
      const attempt = withStartupLock(url, async () => "ran", {
        waitMs: 300,
        onWait: (pid) => {
          toldPid = pid;
        },
      });
      await expect(attempt).rejects.toThrow(StartupCheckError);
      await expect(attempt).rejects.toThrow(/Another LeadRelay process has held the start-up lock on .+ for over 1 s/);
      const pid = await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      expect(toldPid).toBe(pid.rows[0]?.pid);
    } finally {
      await holder.end();
    }
    expect(await withStartupLock(url, async () => "ran")).toBe("ran"); // released with its session
  });
});
