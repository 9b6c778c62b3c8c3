/**
 * The deployment guide and the container set-up kept in step with the configuration: every
 * variable of the config schema is explained in docs/deploy.md and listed in .env.example; every
 * variable compose.yaml gives the app exists in the config; the roles the Dockerfile and
 * compose.yaml start exist on the command line; every drill in tests/drills has its line in the
 * guide's failure table.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, parseConfig } from "../../core/config/config.js";
import { ROLES } from "../../main-commands.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const deploy = read("docs/deploy.md");
const envExample = read(".env.example");
const compose = read("compose.yaml");
const dockerfile = read("Dockerfile");

/** The keys of the block that starts at `header` (a top-level `x-…: &anchor` mapping) in compose.yaml. */
function composeBlockKeys(header: string): string[] {
  const lines = compose.split("\n");
  const start = lines.findIndex((l) => l.startsWith(header));
  expect(start, `${header} in compose.yaml`).toBeGreaterThanOrEqual(0);
  const keys: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // the next top-level key
    const m = /^ {2}([A-Za-z_][A-Za-z0-9_]*):/.exec(line);
    if (m?.[1]) keys.push(m[1]);
  }
  return keys;
}

/** The services compose.yaml defines, with each one's block of text. */
function composeServices(): Map<string, string> {
  const body = compose.slice(compose.indexOf("\nservices:\n") + "\nservices:\n".length);
  const services = new Map<string, string>();
  let name: string | null = null;
  let block: string[] = [];
  for (const line of body.split("\n")) {
    if (/^\S/.test(line)) break; // volumes: …
    const m = /^ {2}([a-z][a-z0-9-]*):\s*$/.exec(line);
    if (m?.[1]) {
      if (name) services.set(name, block.join("\n"));
      name = m[1];
      block = [];
    } else block.push(line);
  }
  if (name) services.set(name, block.join("\n"));
  return services;
}

describe("deployment guide and container set-up", () => {
  it("the config schema's variable list is complete (the test reads the real schema)", () => {
    expect(CONFIG_VARIABLES).toContain("DATABASE_URL");
    expect(CONFIG_VARIABLES).toContain("METRICS_PORT");
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(40);
  });

  it("docs/deploy.md explains every configuration variable", () => {
    const missing = CONFIG_VARIABLES.filter((v) => !deploy.includes(`\`${v}\``));
    expect(missing).toEqual([]);
  });

  it(".env.example lists every configuration variable", () => {
    const missing = CONFIG_VARIABLES.filter((v) => !new RegExp(`^#? ?${v}=`, "m").test(envExample));
    expect(missing).toEqual([]);
  });

  it("compose.yaml gives the app only variables the configuration reads, and valid values", () => {
    const keys = composeBlockKeys("x-leadrelay-env:");
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((k) => !CONFIG_VARIABLES.includes(k))).toEqual([]);
    // Its literal values parse (the ${…} ones come from the operator's shell).
    const literal: Record<string, string> = {};
    for (const k of keys) {
      const m = new RegExp(`^ {2}${k}: (.*)$`, "m").exec(compose);
      const raw = (m?.[1] ?? "").trim().replace(/^"(.*)"$/, "$1");
      if (!raw.includes("${")) literal[k] = raw;
    }
    expect(() =>
      parseConfig({ ...literal, DATABASE_URL: "postgresql://leadrelay@postgres:5432/leadrelay" }),
    ).not.toThrow();
    expect(literal.REDIS_URL).toMatch(/^redis:\/\//);
  });

  it("compose.yaml runs web ×2, worker ×2, one bot, PostgreSQL and Redis with noeviction", () => {
    const services = composeServices();
    expect([...services.keys()].sort()).toEqual(["bot", "postgres", "redis", "web", "worker"]);
    const replicas = (name: string) => Number(/replicas: (\d+)/.exec(services.get(name) ?? "")?.[1]);
    expect([replicas("web"), replicas("worker"), replicas("bot")]).toEqual([2, 2, 1]);
    for (const role of ["web", "worker", "bot"]) {
      const block = services.get(role) ?? "";
      expect(block).toContain("<<: *leadrelay"); // the image and the shared environment
      const command = /command: \["([^"]+)"\]/.exec(block)?.[1];
      expect(command).toBe(role);
      expect(ROLES).toContain(command);
    }
    expect(composeBlockKeys("x-leadrelay:")).toContain("environment");
    expect(compose).toMatch(/^x-leadrelay:[\s\S]*environment: \*env/m);
    expect(services.get("redis")).toMatch(/"--maxmemory-policy", "noeviction"/);
  });

  it("the Dockerfile starts main.ts with a role the command line knows", () => {
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entry ?? "[]")).toEqual(["node", "--import", "tsx", "main.ts"]);
    const roles = JSON.parse(cmd ?? "[]") as string[];
    expect(roles).toHaveLength(1);
    expect(ROLES).toContain(roles[0]);
  });

  it("every drill has its line in the guide's failure table", () => {
    const drills = readdirSync(new URL("../drills/", import.meta.url)).filter((f) => f.endsWith(".test.ts"));
    expect(drills.length).toBeGreaterThanOrEqual(4);
    const table = deploy.slice(deploy.indexOf("## Failures"));
    expect(drills.filter((d) => !table.includes(`\`${d}`))).toEqual([]);
  });
});
