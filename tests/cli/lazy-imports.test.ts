/**
 * The command line imports only what the command runs (issue 16: `--help` took 2.2 s loading every
 * adapter; Baileys and BullMQ stayed resident in an `npm start` that uses neither). Each process
 * here runs with a module-resolution hook that lists every module it loads.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli, stop, waitForServer } from "./cli-process.js";

let root: string;
let registerHook: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "leadrelay-cli-lazy-"));
  const hook = join(root, "hook.mjs");
  await writeFile(
    hook,
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.LOADED_MODULES_FILE, r.url + "\\n");
  return r;
}
`,
  );
  registerHook = join(root, "register.mjs");
  await writeFile(
    registerHook,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The packages (node_modules/<name>) and the main*.ts/js files a process loaded. */
function loaded(file: string): { packages: Set<string>; app: Set<string> } {
  const urls = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  const packages = new Set<string>();
  const app = new Set<string>();
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1]) packages.add(m[1]);
    const main = /\/(main(?:-[a-z-]+)?\.[jt]s)$/.exec(url); // the command line's own files
    if (!m && main?.[1]) app.add(main[1]);
  }
  return { packages, app };
}

describe("each command loads only its own modules", () => {
  it("--help loads the command line's grammar and no package at all", async () => {
    const file = join(root, "help.txt");
    const r = await runCli(["--help"], {
      cwd: root,
      env: { LOADED_MODULES_FILE: file },
      nodeArgs: ["--import", pathToFileURL(registerHook).href],
    });
    expect(r.code).toBe(0);
    const { packages, app } = loaded(file);
    expect([...packages].filter((p) => p !== "tsx" && p !== "esbuild")).toEqual([]); // tsx: LEADRELAY_CLI_TSX=1
    expect([...app].sort()).toEqual(
      process.env.LEADRELAY_CLI_TSX === "1" ? ["main-commands.ts", "main.ts"] : ["main-commands.js", "main.js"],
    );
  });

  it("`all` without WHATSAPP_ENABLED and REDIS_URL serves the web but never imports Baileys or BullMQ", async () => {
    const file = join(root, "all.txt");
    const dataDir = join(root, "data");
    const server = startCli(["all"], {
      cwd: root,
      env: { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOADED_MODULES_FILE: file },
      nodeArgs: ["--import", pathToFileURL(registerHook).href],
    });
    try {
      const lock = await waitForServer(dataDir, server);
      expect((await fetch(`http://127.0.0.1:${lock.httpPort}/healthz`)).status).toBe(200);
    } finally {
      await stop(server);
    }
    const { packages } = loaded(file);
    expect(packages.has("fastify")).toBe(true); // the web role did load (the list is complete)
    expect(packages.has("@electric-sql/pglite")).toBe(true);
    expect(packages.has("@whiskeysockets/baileys")).toBe(false);
    expect(packages.has("bullmq")).toBe(false);
  }, 180_000);
});
