// Usage: npx tsx prisma/tools/generate.ts [any `prisma generate` flags, e.g. --schema <file>]
//
// `prisma generate` that works offline (npm postinstall). Every prisma CLI command looks for its
// native schema-engine binary first and tries to download it; generate never runs it, so any
// existing executable will do. Also turns off the CLI's telemetry ping and update check.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cli = path.join(root, "node_modules/.bin/prisma");
const args = process.argv.slice(2);

const anyExecutable = ["/bin/true", "/usr/bin/true"].find((p) => existsSync(p)) ?? process.execPath;
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? anyExecutable,
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://user:password@localhost:5432/unused",
};

if (!args.includes("--schema") && !existsSync(path.join(root, "prisma/schema.prisma"))) {
  console.log("prisma generate: skipped, prisma/schema.prisma does not exist yet.");
  process.exit(0);
}

const started = Date.now();
const run = spawnSync(process.execPath, [cli, "generate", ...args], { cwd: root, env, encoding: "utf8" });
if (run.status !== 0) {
  process.stderr.write(`${run.stdout ?? ""}${run.stderr ?? ""}${run.error ? `${run.error.message}\n` : ""}`);
  process.exit(run.status ?? 1);
}
const done = /Generated Prisma Client[^\n]*/.exec(run.stdout)?.[0]?.trim();
console.log(`prisma generate: ${done ?? "done"} (${Date.now() - started} ms total)`);
