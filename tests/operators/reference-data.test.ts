/**
 * Reference data on every start (issue 15): categories and lead sources come with `migrate` and
 * every start whatever DEMO_DATA says, so a real installation (DEMO_DATA=false) takes in a lead
 * at once; the demo adds only demo people and activity.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "../../prisma/database.js";
import { applyReferenceData, LEAD_SOURCES } from "../../prisma/seed/reference.js";
import { runCli } from "../cli/cli-process.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createTestDatabase } from "../support/db.js";
import { createWorld, type TestWorld } from "../support/deps.js";

const NOW = new Date("2026-04-01T15:00:00Z");
const lead = {
  category: "hvac",
  lead_source: "website",
  title: "AC blowing warm air",
  customer_name: "Dana Reyes",
  customer_phone: "+1 602 555 0142",
  customer_zip_code: "85004",
};

describe("a real installation (DEMO_DATA=false) takes in a lead at once", () => {
  let w: TestWorld;
  let app: FastifyInstance;
  let admin: { authorization: string };

  beforeAll(async () => {
    w = await createWorld({ DEMO_DATA: "false" });
    w.clock.set(NOW);
    app = await createTestApp(w);
    admin = await apiKey(w);
  });
  afterAll(async () => {
    await app?.close();
    await w?.close();
  });

  it("without the reference data the lead source is unknown (what issue 15 found)", async () => {
    const res = await app.inject({ method: "POST", url: "/api/leads", headers: admin, payload: lead });
    expect(res.statusCode).toBe(422); // the category is looked up first: nothing there at all
    expect(await w.prisma.lead.count()).toBe(0);
  });

  it("after the start-up step POST /api/leads with lead_source website answers 201", async () => {
    const added = await applyReferenceData(w.prisma, NOW);
    expect(added.leadSources).toBe(Object.keys(LEAD_SOURCES).length);
    expect(added.categories).toBeGreaterThanOrEqual(10);
    const res = await app.inject({ method: "POST", url: "/api/leads", headers: admin, payload: lead });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ lead_source: "website", status: "ACTIVE" });
    // Reference data only: no demo people or activity came with it.
    expect(await w.prisma.user.count({ where: { role: { in: ["contractor", "marketer"] } } })).toBe(0);
    expect(await w.prisma.customer.count()).toBe(0);
  });

  it("is idempotent and keeps what an admin changed", async () => {
    await w.prisma.leadSource.update({
      where: { slug: "website" },
      data: { bidding_window_seconds: 120, retired_at: NOW },
    });
    const again = await applyReferenceData(w.prisma, NOW);
    expect(again).toEqual({ categories: 0, leadSources: 0 });
    const website = await w.prisma.leadSource.findUniqueOrThrow({ where: { slug: "website" } });
    expect(website.bidding_window_seconds).toBe(120);
    expect(website.retired_at).not.toBeNull();
  });
});

describe("`migrate` applies the reference data", () => {
  it("a fresh database has the lead sources and categories after `main.ts migrate` with DEMO_DATA=false", async () => {
    // An empty database (no migrations applied), as a new installation has.
    const cwd = await mkdtemp(join(tmpdir(), "leadrelay-ref-"));
    const db = await createTestDatabase({ migrationsDir: cwd });
    const prisma = createPrisma(db.url, { poolSize: 1 });
    try {
      const run = await runCli(["migrate"], { cwd, env: { DATABASE_URL: db.url, DEMO_DATA: "false" } });
      expect(run.code, run.stderr).toBe(0);
      const slugs = (await prisma.leadSource.findMany({ select: { slug: true } })).map((s) => s.slug).sort();
      expect(slugs).toEqual(Object.keys(LEAD_SOURCES).sort());
      expect(await prisma.category.count({ where: { slug: "hvac" } })).toBe(1);
      expect(await prisma.user.count()).toBe(0);
    } finally {
      await prisma.$disconnect();
      await db.close();
      await rm(cwd, { recursive: true, force: true });
    }
  }, 90_000);
});
