import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
// A unique name, so concurrent runs never delete each other's probe.
const probe = `core/__layering_probe_${process.pid}_${Date.now()}__.ts`;

async function cruise(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run("npx", ["depcruise", "--config", ".dependency-cruiser.cjs", "core"], {
      timeout: 120_000,
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe("layering (DESIGN.md: core imports no adapter)", () => {
  afterEach(async () => rm(probe, { force: true }));

  it("fails when core/ imports grammy", async () => {
    await writeFile(probe, 'import { Bot } from "grammy";\nexport const probe = Bot;\n');
    const r = await cruise();
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("core-imports-no-adapter-library");
  });

  it("fails when core/ does file I/O", async () => {
    await writeFile(probe, 'import { readFileSync } from "node:fs";\nexport const probe = readFileSync;\n');
    const r = await cruise();
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("core-no-io-builtins");
  });
});
