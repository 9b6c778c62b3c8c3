// Usage: DATABASE_URL=postgresql://… npx tsx prisma/tools/migrate-status.ts [--migrations <dir>] [--schema <pg schema>] [--no-drift]
//
// Offline `prisma migrate status`, plus drift detection (the database compared with the end state
// of its applied migrations, replayed on an in-memory PGlite). Exit 0 when clean, 1 otherwise.
import path from "node:path";
import { parseArgs } from "node:util";
import { closeEngine, DEFAULT_MIGRATIONS, type MigrationStatus, migrationStatus } from "./schema-engine.js";

const list = (names: string[]) => names.map((n) => `  ${n}`).join("\n");

/** The human summary for a status, in the stock CLI's wording where it has one. */
export function describeStatus(s: MigrationStatus, dirLabel: string): { text: string; clean: boolean } {
  const total = s.applied.length + s.pending.length;
  const out = [`${total} migration${total === 1 ? "" : "s"} found in ${dirLabel}`, ""];
  if (s.failed.length) out.push(`Following migration(s) have failed:\n${list(s.failed)}\n`);
  if (s.pending.length) out.push(`Following migration(s) have not yet been applied:\n${list(s.pending)}\n`);
  if (s.edited.length)
    out.push(`The following migration(s) were modified after they were applied:\n${list(s.edited)}\n`);
  if (s.missingLocally.length) {
    out.push(`The migrations from the database are not found locally in ${dirLabel}:\n${list(s.missingLocally)}\n`);
  }
  if (s.drift)
    out.push(
      `Drift detected: the database schema differs from its applied migrations. To bring it back in line:\n\n${s.drift}`,
    );
  const clean = !s.failed.length && !s.pending.length && !s.edited.length && !s.missingLocally.length && !s.drift;
  if (clean) out.push("Database schema is up to date!");
  else if (s.pending.length) out.push("To apply migrations run: npm run migrate");
  return { text: out.join("\n").trimEnd(), clean };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { migrations: { type: "string" }, schema: { type: "string" }, "no-drift": { type: "boolean" } },
  });
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("migrate-status: DATABASE_URL is not set (e.g. DATABASE_URL=postgresql://127.0.0.1:5432/leadrelay).");
    return 1;
  }
  const migrationsDir = path.resolve(values.migrations ?? DEFAULT_MIGRATIONS);
  const status = await migrationStatus(url, { migrationsDir, schema: values.schema, drift: !values["no-drift"] });
  const { text, clean } = describeStatus(status, path.relative(process.cwd(), migrationsDir) || ".");
  console.log(text);
  return clean ? 0 : 1;
}

main()
  .catch((e: unknown) => {
    console.error(`migrate-status: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  })
  .then(async (code) => {
    await closeEngine();
    process.exit(code);
  });
