// Usage: npx tsx prisma/tools/new-migration.ts --name <snake_name> [--schema <file>] [--migrations <dir>]
//
// Offline replacement for `prisma migrate dev --create-only`: diffs the committed migrations
// (replayed on an in-memory PGlite shadow) against prisma/schema.prisma and writes
// prisma/migrations/<UTC YYYYMMDDHHMMSS>_<name>/migration.sql plus down.sql (the reverse diff).
//
// Hand-written SQL appended to earlier migration.sql files is replayed on the shadow too. What the
// next diff does with it (verified with Prisma 7.10 on this engine):
// - ignored, so kept: CHECK constraints (the differ never reads them), functions, triggers, views,
//   expression indexes (e.g. on lower(email)), and partial indexes while `partialIndexes` is off;
// - dropped: indexes on plain columns that the schema does not declare (e.g. a GIN index with
//   gin_trgm_ops), and partial indexes once `partialIndexes` is on. Declare those in schema.prisma.
// This tool warns about any DROP of an object created by hand-written SQL (migration-files.ts).
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { downScript, handWrittenDrops, migrationTimestamp } from "./migration-files.js";
import {
  closeEngine,
  DEFAULT_LOCK,
  DEFAULT_MIGRATIONS,
  DEFAULT_SCHEMA,
  diffMigrationsToSchema,
  diffSchemaToMigrations,
  readMigrations,
} from "./schema-engine.js";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { name: { type: "string" }, schema: { type: "string" }, migrations: { type: "string" } },
  });
  const name = values.name ?? "";
  if (!/^[a-z0-9]+(?:_[a-z0-9]+)*$/.test(name)) {
    console.error("Usage: new-migration.ts --name <snake_case_name>   (lowercase letters, digits, underscores)");
    return 2;
  }
  const migrationsDir = path.resolve(values.migrations ?? DEFAULT_MIGRATIONS);
  const opts = { migrationsDir, schemaPath: path.resolve(values.schema ?? DEFAULT_SCHEMA) };

  const up = await diffMigrationsToSchema(undefined, opts);
  if (!up) {
    console.log("No schema changes.");
    return 0;
  }
  // The reverse diff names tables "public"."X"; migration.sql leaves them unqualified: match it.
  const down = (await diffSchemaToMigrations(undefined, opts)).replaceAll('"public".', "");

  const dir = `${migrationTimestamp()}_${name}`;
  const target = path.join(migrationsDir, dir);
  if (existsSync(target)) throw new Error(`${target} already exists`);
  const existing = (await readMigrations(migrationsDir)).migrationDirectories.map((d) => d.path);
  const later = existing.filter((d) => d > dir);
  if (later.length) console.error(`warning: ${dir} sorts before ${later.join(", ")}: it will be applied before them.`);
  await mkdir(target, { recursive: true });
  const lock = path.join(migrationsDir, "migration_lock.toml");
  if (!existsSync(lock)) await writeFile(lock, DEFAULT_LOCK);
  await writeFile(path.join(target, "migration.sql"), up);
  await writeFile(path.join(target, "down.sql"), downScript(dir, down));

  const earlier = (await readMigrations(migrationsDir)).migrationDirectories
    .filter((d) => d.path !== dir)
    .map((d) => (d.migrationFile.content.tag === "ok" ? d.migrationFile.content.value : ""))
    .join("\n\n");
  for (const line of handWrittenDrops(earlier, up)) {
    console.error(`warning: drops an object created by hand-written SQL in an earlier migration: ${line.trim()}`);
  }
  console.log(path.relative(process.cwd(), path.join(target, "migration.sql")));
  return 0;
}

main()
  .catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    return 1;
  })
  .then(async (code) => {
    await closeEngine();
    process.exit(code);
  });
