/**
 * The seed-003 backtest kit under `npm test`: 100 synthetic contacts replayed through the real
 * web app over loopback HTTP on a fake clock, with every backtest check (reminders on schedule
 * and once, NBA present, KPI/DMO counters equal to a recount, one event row per event_id,
 * duplicates answered with the original, changed payloads with 409). `npm run backtest` runs
 * the same code with more contacts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { type BacktestReport, runBacktest } from "./backtest.js";
import { generateDataset } from "./generate.js";
import { expectedOutcome } from "./model.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe("backtest kit (seed 003)", () => {
  it("generates the same data for the same seed, across stages and sources", () => {
    const a = generateDataset(300, 7);
    const b = generateDataset(300, 7);
    expect([...a.events.keys()]).toEqual([...b.events.keys()]);
    expect(a.deliveries).toEqual(b.deliveries);
    expect(generateDataset(300, 8).deliveries).not.toEqual(a.deliveries);
    const exp = expectedOutcome(a);
    // Every stage and every source is represented, and the funnel narrows.
    for (const name of ["DM_STARTED", "INVITE_SENT", "VIDEO_SENT", "MEETING_BOOKED", "NO_SHOW", "MEETING_HELD"]) {
      expect(exp.byName[name], name).toBeGreaterThan(0);
    }
    expect(exp.byName.DM_STARTED).toBe(300);
    expect(exp.byName.INVITE_SENT).toBeLessThan(300);
    expect(Object.keys(exp.bySource).sort()).toEqual(["ads", "ig", "manual", "messenger", "web", "whatsapp"]);
    const dupes = a.deliveries.filter((d) => d.kind === "duplicate").length;
    expect(dupes / a.events.size).toBeGreaterThan(0.12);
    expect(dupes / a.events.size).toBeLessThan(0.28);
  });

  it("replays 100 contacts over HTTP and every check passes", { timeout: 180_000 }, async () => {
    const kind = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";
    const report: BacktestReport = await runBacktest(db.url, kind, { contacts: 100, seed: 42, timeoutMs: 150_000 });
    expect(report.failures).toEqual([]);
    expect(report.events).toBeGreaterThan(300);
    expect(report.duplicates).toBeGreaterThan(0);
    expect(report.answered409).toBe(report.conflicts);
    expect(report.figures.reminders).toBeGreaterThan(0);
    expect(report.figures.remindersNotified).toBe(report.figures.reminders);
    expect(report.figures.nbaChecked).toBe(100);
  });
});
