import { defineConfig } from "vitest/config";

// Benchmarks never run here; browser end-to-end tests only with LEADRELAY_E2E=1.
const exclude = ["**/node_modules/**", "tests/bench/**", ...(process.env.LEADRELAY_E2E ? [] : ["tests/e2e/**"])];

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
