/**
 * vitest globalSetup: without TEST_DATABASE_URL, migrate one in-memory PGlite and dump its data
 * dir to a temp file; each test file loads that snapshot into a PGlite of its own (db.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { migratedPglite, readMigrations } from "./db.js";

declare module "vitest" {
  export interface ProvidedContext {
    leadrelayPgliteSnapshot?: string;
  }
}

/** Builds the migrated snapshot and returns its teardown. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // The suites that start real processes run the compiled app, as `npm start` does.
  execFileSync(process.execPath, [fileURLToPath(new URL("../../tools/build.mjs", import.meta.url))], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (process.env.TEST_DATABASE_URL) return undefined; // empty means unset, as in db.ts
  const db = await migratedPglite(await readMigrations());
  const dump = await db.dumpDataDir("none");
  await db.close();
  const dir = await mkdtemp(join(tmpdir(), "leadrelay-pglite-"));
  const file = join(dir, "snapshot.tar");
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide("leadrelayPgliteSnapshot", file);
  return async () => rm(dir, { recursive: true, force: true });
}
