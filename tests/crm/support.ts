import type { FastifyInstance } from "fastify";
import { crmHookRoutes, crmRoutes } from "../../admin/api/crm.routes.js";
import { buildApp } from "../../admin/app.js";
import type { TestWorld } from "../support/deps.js";

/**
 * The web app on a test world with the CRM routes mounted. Until admin/app.ts registers them
 * (the integrator's line), they are registered here; afterwards this is createTestApp.
 */
export async function createCrmApp(w: TestWorld): Promise<FastifyInstance> {
  const app = await buildApp({
    ...w.deps,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => {
      await w.prisma.$queryRaw`select 1`;
    },
  });
  if (!app.hasRoute({ method: "GET", url: "/api/customers" })) {
    await app.register(crmRoutes(w.deps), { prefix: "/api" });
  }
  if (!app.hasRoute({ method: "POST", url: "/api/hooks/dm" })) {
    await app.register(crmHookRoutes(w.deps), { prefix: "/api/hooks" });
  }
  await app.ready();
  return app;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
