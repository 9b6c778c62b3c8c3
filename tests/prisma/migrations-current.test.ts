/**
 * prisma/migrations-current.ts: start-up skips the migration engine only when the database has
 * exactly the folder's migrations, unchanged; anything else runs the engine.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "../../prisma/database.js";
import { EMBEDDED_START_PARAMS } from "../../prisma/embedded-template.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { migrationsCurrent } from "../../prisma/migrations-current.js";
import { type PGliteServer, servePGlite } from "../../prisma/pglite-server.js";
import { applyMigrations } from "../../prisma/tools/schema-engine.js";

const MIGRATIONS = fileURLToPath(new URL("../../prisma/migrations/", import.meta.url));
let db: PGlite;
let server: PGliteServer;
let prisma: PrismaClient;
let dir: string;
/** A database migrated by the real migration engine (so `_prisma_migrations` is Prisma's own). */
beforeAll(async () => {
  db = await PGlite.create({ startParams: EMBEDDED_START_PARAMS });
  server = await servePGlite(db, { host: "127.0.0.1", port: 0, maxConnections: 4 });
  const url = `postgresql://postgres@127.0.0.1:${server.port}/postgres?sslmode=disable`;
  await applyMigrations(url);
  prisma = createPrisma(url, { poolSize: 1 });
  dir = mkdtempSync(path.join(tmpdir(), "migrations-current-"));
}, 120_000);
afterAll(async () => {
  await prisma?.$disconnect();
  await server?.stop();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("migrationsCurrent", () => {
  it("is true for a migrated database, false for a pending, edited or failed migration", async () => {
    expect(await migrationsCurrent(prisma)).toBe(true);
    const copy = path.join(dir, "m");
    cpSync(MIGRATIONS, copy, { recursive: true });
    expect(await migrationsCurrent(prisma, copy)).toBe(true);
    // A new migration in the folder: pending.
    cpSync(path.join(MIGRATIONS, "20261122020706_init"), path.join(copy, "99990101000000_next"), { recursive: true });
    writeFileSync(path.join(copy, "99990101000000_next", "migration.sql"), "SELECT 1;\n");
    expect(await migrationsCurrent(prisma, copy)).toBe(false);
    rmSync(path.join(copy, "99990101000000_next"), { recursive: true });
    // An applied migration edited since.
    writeFileSync(path.join(copy, "20261122020706_init", "migration.sql"), "-- edited\n");
    expect(await migrationsCurrent(prisma, copy)).toBe(false);
    // A failed migration recorded in the database.
    await prisma.$executeRaw`INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
      VALUES ('failed-one', 'x', '99990101000000_failed', now(), 0)`;
    expect(await migrationsCurrent(prisma)).toBe(false);
  });
});
