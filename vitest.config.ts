import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Benchmarks never run here. Browser end-to-end tests (tests/e2e) run when Chromium is installed
// (CHROMIUM_PATH or /usr/bin/chromium) or LEADRELAY_E2E=1; LEADRELAY_E2E=0 turns them off.
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const e2e = process.env.LEADRELAY_E2E ? process.env.LEADRELAY_E2E !== "0" : existsSync(chromium);
const exclude = ["**/node_modules/**", "tests/bench/**", ...(e2e ? [] : ["tests/e2e/**"])];

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    exclude,
    globalSetup: ["tests/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores here; PGlite runs one statement at a time anyway, so more workers buy little.
    maxWorkers: 2,
  },
});
