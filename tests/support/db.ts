/**
 * A fresh, fully migrated, empty database per test file.
 *
 * - TEST_DATABASE_URL set (real PostgreSQL): a template database `leadrelay_tpl_<hash>` is built
 *   once from all migration.sql files; each call clones it with CREATE DATABASE … TEMPLATE.
 * - Otherwise (no services needed): global-setup.ts migrates one PGlite and dumps its data dir;
 *   each call loads that snapshot into a PGlite of its own (about half a second) and serves it on
 *   a loopback port. Every file has a whole database to itself, so raw SQL needs no schema names.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { inject } from "vitest";
import { embeddedUrl } from "../../prisma/embedded.js";
import { servePGlite } from "../../prisma/pglite-server.js";

export interface TestDatabase {
  url: string;
  /** Always unset now (each test file gets a whole database); kept so callers may pass it on. */
  schema?: string;
  close(): Promise<void>;
}

export interface Migration {
  name: string;
  sql: string;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Advisory lock key serialising template builds across vitest workers (any constant works). */
const TEMPLATE_LOCK_KEY = 7_411_730;
const KEEP_TEMPLATES = 4;
const templates = new Map<string, Promise<string>>();

/** Creates an isolated, migrated, empty database; call close() in afterAll. */
export async function createTestDatabase(opts: { migrationsDir?: string } = {}): Promise<TestDatabase> {
  const migrations = await readMigrations(opts.migrationsDir);
  const serverUrl = process.env.TEST_DATABASE_URL || undefined;
  if (serverUrl) return cloneTemplate(withDefaultUser(serverUrl), migrations);
  const snapshot = opts.migrationsDir ? undefined : inject("leadrelayPgliteSnapshot");
  return createPglite(snapshot, migrations);
}

/** The migrations directory: `dir`, else LEADRELAY_MIGRATIONS_DIR, else prisma/migrations. */
function migrationsDir(dir?: string): string {
  return resolve(REPO_ROOT, dir ?? process.env.LEADRELAY_MIGRATIONS_DIR ?? "prisma/migrations");
}

/** Reads `<dir>/<timestamp>_<name>/migration.sql` in name order; no prisma/migrations yet means none. */
export async function readMigrations(dir?: string): Promise<Migration[]> {
  const explicit = dir ?? process.env.LEADRELAY_MIGRATIONS_DIR;
  const root = migrationsDir(explicit);
  const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" && !explicit) return [];
    throw error;
  });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (names.length === 0 && !explicit) throw new Error(`No migrations in ${root}: a test database would be empty.`);
  return Promise.all(
    names.map(async (name) => ({ name, sql: await readFile(join(root, name, "migration.sql"), "utf8") })),
  );
}

/** A PGlite of its own for one test file: from the migrated snapshot, or migrated here. */
async function createPglite(snapshot: string | undefined, migrations: Migration[]): Promise<TestDatabase> {
  const db = snapshot
    ? await PGlite.create({ loadDataDir: new Blob([await readFile(snapshot)]) })
    : await migratedPglite(migrations);
  const server = await servePGlite(db, { maxConnections: 50 });
  return {
    url: embeddedUrl(server.port),
    close: once(async () => {
      await server.stop();
      await db.close();
    }),
  };
}

/** A fresh in-memory PGlite with `migrations` applied, each file in its own transaction. */
export async function migratedPglite(migrations: Migration[]): Promise<PGlite> {
  const db = await PGlite.create("memory://");
  for (const m of migrations) {
    try {
      await db.transaction(async (tx) => {
        await tx.exec(m.sql);
      });
    } catch (error) {
      await db.close();
      throw new Error(`Migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return db;
}

async function cloneTemplate(serverUrl: string, migrations: Migration[]): Promise<TestDatabase> {
  const template = await ensureTemplate(serverUrl, migrations);
  const name = `leadrelay_test_${randomBytes(6).toString("hex")}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const drop = () => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  return { url: withDatabase(serverUrl, name), close: once(drop) };
}

/** Builds the template for these migrations unless it exists; once per process and hash. */
function ensureTemplate(serverUrl: string, migrations: Migration[]): Promise<string> {
  const hash = createHash("sha256");
  for (const m of migrations) hash.update(`${m.name}\0${m.sql}\0`);
  const name = `leadrelay_tpl_${hash.digest("hex").slice(0, 16)}`;
  let ready = templates.get(name);
  if (!ready) {
    ready = buildTemplate(serverUrl, name, migrations).then(() => name);
    ready.catch(() => templates.delete(name));
    templates.set(name, ready);
  }
  return ready;
}

async function buildTemplate(serverUrl: string, name: string, migrations: Migration[]): Promise<void> {
  await withClient(serverUrl, async (admin) => {
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK_KEY]);
    try {
      const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (found.rowCount) return;
      // Build under another name and rename at the end, so a half-built template is never used.
      const wip = `${name}_wip`;
      await admin.query(`DROP DATABASE IF EXISTS "${wip}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${wip}"`);
      await withClient(withDatabase(serverUrl, wip), (c) => applyMigrations(c, migrations));
      await admin.query(`ALTER DATABASE "${wip}" RENAME TO "${name}"`);
      // Keep the newest few templates (other branches, fixture sets in use right now), drop older.
      const old = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'leadrelay\\_tpl\\_%' ORDER BY oid DESC OFFSET $1",
        [KEEP_TEMPLATES],
      );
      for (const { datname } of old.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {});
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK_KEY]);
    }
  });
}

async function applyMigrations(client: pg.Client, migrations: Migration[]): Promise<void> {
  for (const m of migrations) {
    try {
      await client.query(m.sql);
    } catch (error) {
      throw new Error(`Migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Adds the user psql would use when the URL has none (node-pg only reads $USER, often unset). */
function withDefaultUser(url: string): string {
  const u = new URL(url);
  if (!u.username) u.username = process.env.PGUSER || process.env.USER || userInfo().username;
  return u.toString();
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function once(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn().then(() => {}));
}
