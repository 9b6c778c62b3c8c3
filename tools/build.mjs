/**
 * `npm run build`: the app as plain JavaScript in dist/, so `npm start` runs `node dist/main.js`
 * with no TypeScript loader (and none of its esbuild helper processes) at run time. Every .ts
 * file of the app is transpiled on its own (no bundling, no type check — `npm run typecheck`
 * does that) to the same path under dist/; the other files the app reads next to its code
 * (views, static files, i18n, migrations, the schema) are copied; dist/node_modules points at
 * node_modules and dist/package.json is a copy, so paths the code derives from import.meta.url
 * resolve as they do in the source tree. Runs after `prisma generate` on install and before every
 * `npm start` (prestart): when nothing changed since the last build it only checks. Then it makes
 * sure the migrated template for new embedded data folders exists (prisma/embedded-template.ts).
 * Plain .mjs so that it needs no loader itself.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "dist");
/** What the running app is made of: main.ts and its main-*.ts modules, and the layers (tests, tools
 * and the bench stay TypeScript, run by tsx/vitest). */
const SOURCES = [
  ...readdirSync(ROOT).filter((f) => /^main(-[a-z-]+)?\.ts$/.test(f)),
  "admin",
  "bot",
  "core",
  "jobs",
  "prompts",
  "prisma",
];
const STAMP = path.join(OUT, ".build-stamp.json");

/** Every file under the sources, relative to ROOT. */
function listFiles() {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(ROOT, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs)) walk(path.join(rel, name));
    } else out.push(rel);
  };
  for (const s of SOURCES) walk(s);
  return out.sort();
}

/** The files and their modification times: the build is current when this equals the stamp. */
function fingerprint(files) {
  const pkg = statSync(path.join(ROOT, "package.json")).mtimeMs;
  return JSON.stringify({ pkg, files: files.map((f) => [f, statSync(path.join(ROOT, f)).mtimeMs]) });
}

const started = performance.now();
const force = process.argv.includes("--force");
const files = listFiles();
const print = fingerprint(files);
if (force || !existsSync(STAMP) || readFileSync(STAMP, "utf8") !== print) {
  await transpile(files, print);
}
// The migrated template new embedded data folders start from (made once per set of migrations).
const { ensureTemplate } = await import(pathToFileURL(path.join(OUT, "prisma/embedded-template.js")).href);
await ensureTemplate((line) => console.error(line));

/** Rebuild dist/ from scratch. */
async function transpile(files, print) {
  const { build } = await import("esbuild");
  // Built beside dist/ and swapped in at the end, so a server running from dist/ never sees it half-built.
  const tmp = `${OUT}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const ts = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  await build({
    entryPoints: ts.map((f) => path.join(ROOT, f)),
    outdir: tmp,
    outbase: ROOT,
    bundle: false,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning",
  });
  for (const f of files) {
    if (f.endsWith(".ts")) continue;
    mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
    copyFileSync(path.join(ROOT, f), path.join(tmp, f));
  }
  copyFileSync(path.join(ROOT, "package.json"), path.join(tmp, "package.json"));
  symlinkSync(path.join("..", "node_modules"), path.join(tmp, "node_modules"), "dir");
  writeFileSync(path.join(tmp, path.basename(STAMP)), print);
  const old = `${OUT}.old-${process.pid}`;
  if (existsSync(OUT)) renameSync(OUT, old);
  renameSync(tmp, OUT);
  rmSync(old, { recursive: true, force: true });
  const ms = Math.round(performance.now() - started);
  console.error(`build: ${ts.length} files → dist/ in ${ms} ms`);
}
