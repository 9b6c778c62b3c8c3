/**
 * The offline migration tooling (prisma/tools/schema-engine.ts) against a throwaway migrations
 * folder: real PostgreSQL (a uniquely named database, dropped afterwards) when 127.0.0.1:5432
 * answers, otherwise the shared PGlite server from global-setup.ts (or an own one), isolated by
 * PostgreSQL schema.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servePGlite } from "../../prisma/pglite-server.js";
import { pgTarget, quoteIdent } from "../../prisma/tools/pg-adapter.js";
import { applyMigrations, closeEngine, migrationStatus } from "../../prisma/tools/schema-engine.js";

const INIT = `-- CreateTable
CREATE TABLE "Lead" (
    "id" SERIAL NOT NULL,
    "status" TEXT NOT NULL,
    "note" TEXT,

    CONSTRAINT "Lead_pkey" PRIMARY KEY ("id")
);

-- hand-written: the engine must run this as one script ($$ bodies and ';' in literals)
ALTER TABLE "Lead" ADD CONSTRAINT "Lead_status_check" CHECK (status <> '');
CREATE FUNCTION lead_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := coalesce(NEW.note, 'a;b'); RETURN NEW; END $$;
`;
const ADD_EMAIL = `-- AlterTable
ALTER TABLE "Lead" ADD COLUMN "email" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Lead_email_key" ON "Lead"("email");
`;
const BROKEN = 'ALTER TABLE "Lead" ADD COLUMN "oops" NO_SUCH_TYPE;\n';

const cleanups: (() => Promise<unknown>)[] = [];
let url = "";
let schema = "public";
let migrationsDir = "";

async function writeMigrations(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

async function query<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: pgTarget(url).url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh database on the local server, or null when none answers. */
async function realPostgres(): Promise<string | null> {
  const admin = new pg.Client({
    connectionString: pgTarget("postgresql://127.0.0.1:5432/postgres").url,
    connectionTimeoutMillis: 1000,
  });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `leadrelay_migtest_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE DATABASE ${name}`);
  cleanups.push(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  return `postgresql://127.0.0.1:5432/${name}`;
}

/** An own in-memory PGlite server for this file. */
async function pgliteUrl(): Promise<string> {
  const db = await PGlite.create();
  const server = await servePGlite(db, { host: "127.0.0.1", port: 0, maxConnections: 10 });
  cleanups.push(async () => {
    await server.stop();
    await db.close();
  });
  return `postgresql://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`;
}

beforeAll(async () => {
  migrationsDir = await mkdtemp(path.join(tmpdir(), "leadrelay-migrations-"));
  cleanups.push(() => rm(migrationsDir, { recursive: true, force: true }));
  await writeMigrations(migrationsDir, { "20250101000000_init": INIT, "20250102000000_add_email": ADD_EMAIL });
  const real = process.env.MIGRATIONS_TEST_PGLITE ? null : await realPostgres();
  url = real ?? (await pgliteUrl());
  if (!real) {
    schema = `mig_${randomBytes(4).toString("hex")}`;
    cleanups.push(() => query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
  }
});

afterAll(async () => {
  await closeEngine();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("offline migrations (WASM schema engine)", () => {
  it("reports every migration as pending before the first apply", async () => {
    const status = await migrationStatus(url, { schema, migrationsDir });
    expect(status).toMatchObject({ applied: [], failed: [], drift: null });
    expect(status.pending).toEqual(["20250101000000_init", "20250102000000_add_email"]);
  });

  it("applies all migrations once; a second run applies nothing", async () => {
    const first = await applyMigrations(url, { schema, migrationsDir });
    expect(first.applied).toEqual(["20250101000000_init", "20250102000000_add_email"]);
    const second = await applyMigrations(url, { schema, migrationsDir });
    expect(second.applied).toEqual([]);
    const rows = await query<{ migration_name: string }>(
      `SELECT migration_name FROM ${quoteIdent(schema)}._prisma_migrations WHERE finished_at IS NOT NULL`,
    );
    expect(rows).toHaveLength(2);
  });

  it("is clean after applying, with the hand-written SQL in place", async () => {
    const status = await migrationStatus(url, { schema, migrationsDir });
    expect(status).toEqual({
      applied: ["20250101000000_init", "20250102000000_add_email"],
      pending: [],
      failed: [],
      drift: null,
      edited: [],
      missingLocally: [],
    });
    const checks = await query("SELECT 1 FROM pg_constraint WHERE conname = 'Lead_status_check'");
    expect(checks).toHaveLength(1);
  });

  it("reports drift after a manual change", async () => {
    await query(`ALTER TABLE ${quoteIdent(schema)}."Lead" ADD COLUMN "manual" INTEGER`);
    const status = await migrationStatus(url, { schema, migrationsDir });
    expect(status.pending).toEqual([]);
    expect(status.drift).toContain('DROP COLUMN "manual"');
  });

  it("records a failed migration and reports it", async () => {
    const failing = `${schema}_failing`;
    cleanups.push(() => query(`DROP SCHEMA IF EXISTS ${quoteIdent(failing)} CASCADE`));
    const dir = await writeMigrations(await mkdtemp(path.join(tmpdir(), "leadrelay-failing-")), {
      "20250101000000_init": INIT,
      "20250103000000_broken": BROKEN,
    });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await expect(applyMigrations(url, { schema: failing, migrationsDir: dir })).rejects.toThrow(/NO_SUCH_TYPE/i);
    const status = await migrationStatus(url, { schema: failing, migrationsDir: dir, drift: false });
    expect(status.applied).toEqual(["20250101000000_init"]);
    expect(status.failed).toEqual(["20250103000000_broken"]);
  });
});
