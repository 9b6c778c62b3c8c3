// The shadow database for the schema engine: one in-memory PGlite per process, served over a
// local socket (port chosen by the OS) so that adapter-pg can reach it. Never the main database.
// Every shadow connection starts from an emptied database. A cold PGlite start (initdb) takes
// ≈ 2 s; starting from a cached snapshot of a fresh data directory takes ≈ 0.5 s.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Extension } from "@electric-sql/pglite";
import { PGlite } from "@electric-sql/pglite";
import { type PGliteServer, servePGlite } from "../pglite-server.js";

interface Shadow {
  db: PGlite;
  server: PGliteServer;
  url: string;
  extensions: string[];
}

let current: Promise<Shadow> | null = null;

/** SQL that empties the shadow: drops every user schema (with its extensions) and recreates public. */
export const RESET_SHADOW_SQL = `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT nspname FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
END $$;
CREATE SCHEMA public;`;

/** Names of the extensions that `CREATE EXTENSION` statements in `sql` ask for. */
export function extensionsIn(sql: string): string[] {
  const re = /create\s+extension\s+(?:if\s+not\s+exists\s+)?"?([\w-]+)"?/gi;
  return [...new Set([...sql.matchAll(re)].map((m) => (m[1] ?? "").toLowerCase()))].sort();
}

async function loadExtensions(names: string[]): Promise<Record<string, Extension>> {
  const out: Record<string, Extension> = {};
  for (const name of names) {
    const key = name.replaceAll("-", "_");
    if (key === "plpgsql") continue;
    try {
      const mod = (await import(`@electric-sql/pglite/contrib/${key}`)) as Record<string, Extension>;
      const ext = mod[key];
      if (ext) out[key] = ext;
    } catch {
      // Not bundled with PGlite: the migration's CREATE EXTENSION will fail with a clear error.
    }
  }
  return out;
}

/** <node_modules>/.cache/…/pglite-<version>-datadir.tar.gz, next to the installed PGlite. */
async function snapshotFile(): Promise<string> {
  const pkgDir = path.resolve(path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")), "..");
  const { version } = JSON.parse(await readFile(path.join(pkgDir, "package.json"), "utf8")) as { version: string };
  return path.resolve(pkgDir, "../../.cache/leadrelay-prisma-tools", `pglite-${version}-datadir.tar.gz`);
}

/** A PGlite started from the cached snapshot of a fresh data directory (made on first use). */
async function createPGlite(extensions: Record<string, Extension>): Promise<PGlite> {
  const file = await snapshotFile();
  const cached = await readFile(file).catch(() => null);
  if (cached) {
    const db = await PGlite.create({ loadDataDir: new Blob([cached]), extensions }).catch(() => null);
    if (db) return db;
  }
  const db = await PGlite.create({ extensions });
  try {
    const snapshot = Buffer.from(await (await db.dumpDataDir("gzip")).arrayBuffer());
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.${process.pid}`, snapshot);
    await rename(`${file}.${process.pid}`, file);
  } catch {
    // Read-only node_modules: no cache, every start is a cold one.
  }
  return db;
}

async function start(extensions: string[]): Promise<Shadow> {
  const db = await createPGlite(await loadExtensions(extensions));
  const server = await servePGlite(db, { host: "127.0.0.1", port: 0, maxConnections: 10 });
  const url = `postgresql://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`;
  return { db, server, url, extensions };
}

/** URL of the shared shadow PGlite, started (or restarted) with at least `extensions` loaded. */
export async function shadowUrl(extensions: string[] = []): Promise<string> {
  const running = current ? await current : null;
  if (running && extensions.every((e) => running.extensions.includes(e))) return running.url;
  const wanted = [...new Set([...(running?.extensions ?? []), ...extensions])].sort();
  if (running) await stopShadow();
  current = start(wanted);
  current.catch(() => {
    current = null;
  });
  return (await current).url;
}

/** Stops the shadow PGlite if it is running (lets the process exit promptly). */
export async function stopShadow(): Promise<void> {
  const running = current;
  current = null;
  if (!running) return;
  const { server, db } = await running;
  await server.stop();
  await db.close();
}
