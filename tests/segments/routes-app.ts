/**
 * A web app with only the KPI and segment routes on a test world, built the way admin/app.ts
 * builds the real one (zod compilers, the API error shape, routes under /api).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { installErrorHandlers } from "../../admin/api/errors.js";
import { kpiRoutes } from "../../admin/api/kpi.routes.js";
import { segmentRoutes } from "../../admin/api/segments.routes.js";
import type { TestWorld } from "../support/deps.js";

/** The KPI and segment routes, ready for `app.inject()`. */
export async function createRoutesApp(w: TestWorld): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  await app.register(kpiRoutes(w.deps), { prefix: "/api" });
  await app.register(segmentRoutes(w.deps), { prefix: "/api" });
  await app.ready();
  return app;
}
