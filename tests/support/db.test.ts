import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./db.js";

// Prisma-style DDL (unqualified names, an enum type, a foreign key) plus a hand-written CHECK.
const INIT = `
CREATE SCHEMA IF NOT EXISTS "public";
CREATE TYPE "ProbeStatus" AS ENUM ('OPEN', 'DONE');
CREATE TABLE "Owner" ("id" TEXT NOT NULL, CONSTRAINT "Owner_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Probe" (
    "id" TEXT NOT NULL,
    "status" "ProbeStatus" NOT NULL DEFAULT 'OPEN',
    "ownerId" TEXT,
    CONSTRAINT "Probe_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "Probe" ADD CONSTRAINT "Probe_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner"("id") ON DELETE SET NULL ON UPDATE CASCADE;
`;
// A value added to an enum is only usable once committed, so each migration must commit on its own.
const MIGRATIONS: Record<string, string> = {
  "20260101000000_init": INIT,
  "20260102000000_archived": `ALTER TYPE "ProbeStatus" ADD VALUE 'ARCHIVED';`,
  "20260103000000_checks": `
ALTER TABLE "Probe" ADD CONSTRAINT "Probe_id_not_blank" CHECK (length(trim("id")) > 0);
ALTER TABLE "Probe" ADD CONSTRAINT "Probe_archived_has_owner" CHECK ("status" <> 'ARCHIVED' OR "ownerId" IS NOT NULL);`,
};

/** Runs one statement on `db`; `{t}` becomes the schema-qualified Probe table. */
async function sql(db: TestDatabase, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await client.query(text.replaceAll("{t}", db.schema ? `"${db.schema}"."Probe"` : `"Probe"`), values);
  } finally {
    await client.end();
  }
}

/** Whether the database behind `db` still exists (PostgreSQL) or still answers (PGlite). */
async function exists(db: TestDatabase): Promise<boolean> {
  if (!process.env.TEST_DATABASE_URL) {
    const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      return false;
    }
  }
  const adminUrl = new URL(db.url);
  adminUrl.pathname = new URL(process.env.TEST_DATABASE_URL).pathname;
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    const r = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [new URL(db.url).pathname.slice(1)]);
    return r.rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe(`createTestDatabase (${process.env.TEST_DATABASE_URL ? "PostgreSQL templates" : "a PGlite per file"})`, () => {
  let dir: string;
  let a: TestDatabase;
  let b: TestDatabase;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "leadrelay-migrations-"));
    for (const [name, sql] of Object.entries(MIGRATIONS)) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, "migration.sql"), sql);
    }
    [a, b] = await Promise.all([
      createTestDatabase({ migrationsDir: dir }),
      createTestDatabase({ migrationsDir: dir }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("applies every migration to an empty database", async () => {
    for (const db of [a, b]) {
      expect((await sql(db, "SELECT count(*)::int AS n FROM {t}")).rows[0].n).toBe(0);
      await expect(sql(db, "INSERT INTO {t} (id) VALUES (' ')")).rejects.toThrow(/Probe_id_not_blank/);
      await expect(sql(db, "INSERT INTO {t} (id, status) VALUES ('x', 'ARCHIVED')")).rejects.toThrow(/has_owner/);
    }
  });

  it("keeps rows of one database invisible to the other", async () => {
    await sql(a, "INSERT INTO {t} (id, status) VALUES ('a1', 'DONE')");
    await sql(b, "INSERT INTO {t} (id) VALUES ('b1'), ('b2')");
    expect((await sql(a, "SELECT id, status FROM {t}")).rows).toEqual([{ id: "a1", status: "DONE" }]);
    expect((await sql(b, "SELECT id FROM {t} ORDER BY id")).rows.map((r) => r.id)).toEqual(["b1", "b2"]);
  });

  it("removes the database on close()", async () => {
    const c = await createTestDatabase({ migrationsDir: dir });
    await sql(c, "INSERT INTO {t} (id) VALUES ('c1')");
    expect(await exists(c)).toBe(true);
    await c.close();
    await c.close(); // idempotent
    expect(await exists(c)).toBe(false);
    expect(await exists(a)).toBe(true);
  });

  it("uses the default migrations dir when none is given", async () => {
    const d = await createTestDatabase();
    expect(d.url).toMatch(/^postgresql:\/\//);
    await d.close();
  });
});
