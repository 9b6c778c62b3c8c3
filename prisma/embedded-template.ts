/**
 * A migrated, empty embedded database to start new data folders from. Creating a PGlite data
 * folder runs initdb and then every migration — most of a first `npm start`'s time and a
 * high-water mark of memory the process keeps afterwards. The build (tools/build.mjs, run on
 * `npm install` and before `npm start`) makes this template once per PGlite version and set of
 * migrations, in node_modules/.cache; a new data folder is then loaded from it (the migrations
 * after it still run as usual, so a missing or unreadable template only costs time).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { servePGlite } from "./pglite-server.js";

/** PostgreSQL settings of the embedded database (see EMBEDDED_SETTINGS in embedded.ts). */
export const EMBEDDED_START_PARAMS = [
  ...PGlite.defaultStartParams,
  // shared_buffers lives in PGlite's WASM heap, in this process: PostgreSQL's default of 128 MB
  // kept ~145 MB more resident at idle than 16 MB does (same data folder); the files sit in the
  // OS's page cache anyway, and an embedded installation's working set is small. Index builds
  // (migrations) likewise grow the heap up to maintenance_work_mem, and it never shrinks.
  "-c",
  "shared_buffers=16MB",
  "-c",
  "maintenance_work_mem=16MB",
];

const MIGRATIONS = fileURLToPath(new URL("./migrations/", import.meta.url));

/** node_modules/.cache/leadrelay-embedded/pglite-<version>-<migrations hash>.tar.gz */
async function templateFile(): Promise<string> {
  const pkgDir = path.resolve(path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")), "..");
  const { version } = JSON.parse(await readFile(path.join(pkgDir, "package.json"), "utf8")) as { version: string };
  const hash = createHash("sha256");
  const names = existsSync(MIGRATIONS) ? (await readdir(MIGRATIONS)).sort() : [];
  for (const name of names) {
    const sql = await readFile(path.join(MIGRATIONS, name, "migration.sql"), "utf8").catch(() => null);
    if (sql !== null) hash.update(`${name}\0${sql}\0`);
  }
  const key = hash.digest("hex").slice(0, 16);
  return path.resolve(pkgDir, "../../.cache/leadrelay-embedded", `pglite-${version}-${key}.tar.gz`);
}

/** The template for the current migrations, or null when none was made. */
export async function readTemplate(): Promise<Blob | null> {
  const bytes = await readFile(await templateFile()).catch(() => null);
  return bytes ? new Blob([bytes]) : null;
}

/**
 * Make the template unless it exists: a fresh in-memory PGlite, migrated, dumped. Failures are
 * reported and swallowed — without a template a new data folder is simply created the slow way.
 */
export async function ensureTemplate(log: (line: string) => void = () => {}): Promise<void> {
  const file = await templateFile();
  if (existsSync(file)) return;
  const started = performance.now();
  // Loaded here only: the migration engine is heavy and the build needs it only for this.
  const { applyMigrations } = await import("./tools/schema-engine.js");
  const db = await PGlite.create({ startParams: EMBEDDED_START_PARAMS });
  try {
    const server = await servePGlite(db, { host: "127.0.0.1", port: 0, maxConnections: 4 });
    try {
      await applyMigrations(`postgresql://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`);
    } finally {
      await server.stop();
    }
    const dump = Buffer.from(await (await db.dumpDataDir("gzip")).arrayBuffer());
    await mkdir(path.dirname(file), { recursive: true });
    // Older templates (other migrations) are of no further use.
    for (const old of await readdir(path.dirname(file))) {
      if (old.endsWith(".tar.gz")) await rm(path.join(path.dirname(file), old), { force: true });
    }
    await writeFile(`${file}.${process.pid}`, dump);
    await rename(`${file}.${process.pid}`, file);
    log(`embedded database template: ${path.basename(file)} in ${Math.round(performance.now() - started)} ms`);
  } catch (err) {
    log(`embedded database template not made (${(err as Error).message}); new data folders start without it`);
  } finally {
    await db.close();
  }
}
