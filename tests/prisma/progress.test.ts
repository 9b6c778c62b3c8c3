/**
 * Progress of the long CLI steps (prisma/tools/progress.ts): plain lines per phase off a
 * terminal, per-migration reports when an existing database is upgraded, and the seed's phases.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../../prisma/seed.js";
import { progressReporter } from "../../prisma/tools/progress.js";
import { applyMigrations, closeEngine } from "../../prisma/tools/schema-engine.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { createWorld, type TestWorld } from "../support/deps.js";

describe("progressReporter off a terminal", () => {
  it("writes one line when a phase starts and at each tenth of a long phase, nothing in between", () => {
    const lines: string[] = [];
    const p = progressReporter("seed", { unit: "phases", tty: false, write: (l) => lines.push(l) });
    p.update(0, 3, "people");
    p.update(0, 3, "people");
    p.update(1, 3, "customers");
    p.update(3, 3, "done");
    p.stop();
    expect(lines).toEqual(["[seed] 0/3 phases — people", "[seed] 1/3 phases — customers", "[seed] 3/3 phases — done"]);
    const many: string[] = [];
    const q = progressReporter("backtest", { unit: "requests", tty: false, write: (l) => many.push(l) });
    for (let i = 0; i <= 100; i++) q.update(i, 100, "replay");
    expect(many).toHaveLength(11); // 0 %, 10 %, …, 100 %
  });
});

describe("applyMigrations with a progress report", () => {
  let db: TestDatabase;
  let dir = "";
  const schema = `progress_${randomBytes(4).toString("hex")}`;
  const write = async (name: string, sql: string) => {
    await mkdir(path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), "leadrelay-progress-"));
  });
  afterAll(async () => {
    await closeEngine();
    await rm(dir, { recursive: true, force: true });
    await db?.close();
  });

  it("on a new database reports the whole set at once; on an upgrade names each pending migration in turn", async () => {
    await write("20250101000000_init", 'CREATE TABLE "Thing" ("id" SERIAL PRIMARY KEY);\n');
    const fresh: string[] = [];
    const first = await applyMigrations(db.url, {
      schema,
      migrationsDir: dir,
      onProgress: (d, t, phase) => fresh.push(`${d}/${t} ${phase}`),
    });
    expect(first.applied).toEqual(["20250101000000_init"]);
    expect(fresh).toEqual(["0/1 20250101000000_init", "1/1 done"]);

    await write("20250102000000_add_name", 'ALTER TABLE "Thing" ADD COLUMN "name" TEXT;\n');
    await write("20250103000000_add_note", 'ALTER TABLE "Thing" ADD COLUMN "note" TEXT;\n');
    const upgrade: string[] = [];
    const second = await applyMigrations(db.url, {
      schema,
      migrationsDir: dir,
      onProgress: (d, t, phase) => upgrade.push(`${d}/${t} ${phase}`),
    });
    expect(second.applied).toEqual(["20250102000000_add_name", "20250103000000_add_note"]);
    expect(upgrade).toEqual(["0/2 20250102000000_add_name", "1/2 20250103000000_add_note", "2/2 done"]);

    const none: string[] = [];
    const third = await applyMigrations(db.url, { schema, migrationsDir: dir, onProgress: (d) => none.push(`${d}`) });
    expect(third.applied).toEqual([]);
    expect(none).toEqual([]); // nothing pending: nothing to show
  }, 60_000);
});

describe("seedDemoData with a progress report", () => {
  let w: TestWorld;
  beforeAll(async () => {
    w = await createWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it("reports its ten phases in order and ends at 10/10; a second run (already seeded) reports none", async () => {
    const seen: string[] = [];
    await seedDemoData(w.prisma, w.clock.now(), (d, t, phase) => seen.push(`${d}/${t} ${phase}`));
    expect(seen).toHaveLength(11);
    expect(seen[0]).toBe("0/10 reference data");
    expect(seen[4]).toBe("4/10 marketplace");
    expect(seen.at(-1)).toBe("10/10 done");
    const again: string[] = [];
    await seedDemoData(w.prisma, w.clock.now(), (d) => again.push(`${d}`));
    expect(again).toEqual([]);
  }, 120_000);
});
