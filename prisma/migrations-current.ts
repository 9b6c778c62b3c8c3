/**
 * A quick look before `migrate deploy`: when the database's `_prisma_migrations` already lists
 * exactly the migrations of the folder, each finished, none rolled back or failed, and each with
 * the checksum of its migration.sql (SHA-256, as Prisma stores it), applying them would do
 * nothing — so start-up skips loading and running the WASM migration engine (most of a restart's
 * migration step). Anything else — a new database, a pending, failed or edited migration, one
 * the folder lacks — answers false, and the engine runs and reports as before.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PrismaClient } from "./generated/client.js";

const MIGRATIONS = fileURLToPath(new URL("./migrations/", import.meta.url));

/** Whether every migration in `dir` is applied unchanged and nothing else is recorded. */
export async function migrationsCurrent(prisma: PrismaClient, dir = MIGRATIONS): Promise<boolean> {
  if (!existsSync(dir)) return false;
  const wanted = new Map<string, string>();
  for (const name of await readdir(dir)) {
    const sql = await readFile(path.join(dir, name, "migration.sql")).catch(() => null);
    if (sql) wanted.set(name, createHash("sha256").update(sql).digest("hex"));
  }
  let rows: Array<{ migration_name: string; checksum: string; finished: boolean; rolled_back: boolean }>;
  try {
    rows = await prisma.$queryRaw`SELECT migration_name, checksum, finished_at IS NOT NULL AS finished,
      rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations`;
  } catch {
    return false; // no bookkeeping table yet: a new database
  }
  const applied = new Map<string, string>();
  for (const r of rows) {
    if (r.rolled_back) continue;
    if (!r.finished) return false; // a failed migration: the engine says what to do
    applied.set(r.migration_name, r.checksum);
  }
  if (applied.size !== wanted.size) return false;
  for (const [name, sum] of wanted) if (applied.get(name) !== sum) return false;
  return true;
}
