/**
 * `--help` and bad flags: answered from the command line alone, before configuration or any
 * database is opened (issue 11, finding 14: `api-key create --help` used to create ./data and
 * crash with a stack trace).
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli-process.js";

let cwd: string;
let dataDir: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "leadrelay-cli-help-"));
  dataDir = join(cwd, "data-folder");
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Nothing was created: neither DATA_DIR nor a ./data in the working directory. */
function expectNothingTouched() {
  expect(existsSync(dataDir)).toBe(false);
  expect(readdirSync(cwd)).toEqual([]);
}

describe("--help on every command", () => {
  it.each([
    [[], "Usage: npm run cli -- <command>"],
    [["all"], "Usage: npm run cli -- all"],
    [["web"], "Usage: npm run cli -- web"],
    [["bot"], "Usage: npm run cli -- bot"],
    [["worker"], "Usage: npm run cli -- worker"],
    [["migrate"], "Usage: npm run cli -- migrate"],
    [["seed"], "Usage: npm run cli -- seed"],
    [["api-key", "create"], "Usage: npm run cli -- api-key create --name NAME --scope"],
    [["admin-password"], "Usage: npm run cli -- admin-password --email EMAIL"],
  ])("%j --help prints that command's usage, exits 0 and touches no database", async (args, usage) => {
    const r = await runCli([...args, "--help"], { cwd, env: { DATA_DIR: dataDir } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(usage)).toBe(true);
    expectNothingTouched();
  });

  it("-h works too, even with an invalid configuration", async () => {
    const r = await runCli(["api-key", "create", "-h"], { cwd, env: { DATA_DIR: dataDir, PORT: "not-a-port" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--scope");
    expectNothingTouched();
  });
});

describe("bad flags and arguments", () => {
  it.each([
    [["api-key", "create", "--nme", "x", "--scope", "admin"], "leadrelay: api-key: Unknown option '--nme'."],
    [["api-key", "--name", "x", "--scope", "admin"], 'leadrelay: api-key: missing "create".'],
    [["admin-password"], "leadrelay: admin-password: --email is required."],
    [["migrate", "now"], 'leadrelay: migrate: unexpected argument "now".'],
    [["serve"], 'leadrelay: Unknown command "serve".'],
    [
      ["api-key", "create", "--name", "x", "--scope", "root"],
      'leadrelay: --scope must be "admin", "contractor:<uuid>" or "team:<uuid>"',
    ],
  ])("%j → one line and the usage, exit 2, no stack trace, nothing created", async (args, line) => {
    const r = await runCli(args, { cwd, env: { DATA_DIR: dataDir } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const [first, ...rest] = r.stderr.trimEnd().split("\n");
    expect(first?.startsWith(line)).toBe(true);
    if (rest.length > 0) expect(rest.join("\n")).toContain("Usage: npm run cli -- ");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expectNothingTouched();
  });
});
