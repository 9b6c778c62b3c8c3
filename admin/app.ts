import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { CoreDeps } from "../core/context.js";
import { dmoKpis } from "../core/kpi/dmo.kpi.js";
import { crmHookRoutes, crmRoutes } from "./api/crm.routes.js";
import { emailRoutes } from "./api/email.routes.js";
import { installErrorHandlers } from "./api/errors.js";
import { hookRoutes } from "./api/hooks.routes.js";
import { kpiRoutes } from "./api/kpi.routes.js";
import { marketplaceRoutes } from "./api/marketplace.routes.js";
import { nurturingRoutes } from "./api/nurturing.routes.js";
import { segmentRoutes } from "./api/segments.routes.js";
import { trackingRoutes } from "./api/tracking.routes.js";
import { argon2Hasher } from "./panel/passwords.js";
import { panelPlugin } from "./panel/plugin.js";
import type { PanelDeps } from "./panel/types.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Every route registered (method + path), for tests that sweep all of them. */
    routeList: ReadonlyArray<{ method: string; url: string }>;
  }
}

/** What the web role needs besides core: how to report health. */
export interface WebDeps extends CoreDeps {
  version: string;
  dbMode: "embedded" | "postgres";
  queueMode: "embedded" | "redis";
  /** Resolves when every backing service answers; rejects with the one that does not. */
  checkReady(): Promise<void>;
  logger?: boolean | object;
  /** Password hashing for panel sign-in (Argon2id unless a test passes a cheaper one). */
  hasher?: PanelDeps["hasher"];
  /** The chat sandbox, handed in by main.ts (admin/ may not import bot/). */
  sandbox?: PanelDeps["sandbox"];
}

/** Build the web application (API, hooks, panel) without listening, so tests can inject. */
export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false, trustProxy: true, bodyLimit: 256 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  const routeList: Array<{ method: string; url: string }> = [];
  app.decorate("routeList", routeList);
  app.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) routeList.push({ method, url: r.url });
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: "LeadRelay API",
        version: deps.version,
        description:
          "Leads marketplace, CRM and nurturing. Authenticate with `Authorization: Bearer <key>` " +
          "(create one with `npm run cli -- api-key create`). Errors are `{ error: { code, message, details } }`.",
      },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs" });
  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  app.get("/healthz", { schema: { hide: true } }, async () => ({
    status: "ok",
    version: deps.version,
    db: deps.dbMode,
    queue: deps.queueMode,
    time: deps.clock.now().toISOString(),
  }));

  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    try {
      await deps.checkReady();
      return { status: "ready" };
    } catch (err) {
      return reply.code(503).send({ status: "unavailable", reason: (err as Error).message });
    }
  });

  await app.register(marketplaceRoutes(deps), { prefix: "/api" });
  await app.register(
    crmRoutes(deps, {
      // GET /customers/stats carries a marketer's daily-method (DMO) counters too (seed 003).
      statsExtension: async (scope, now) => {
        if (scope.kind !== "contractor") return {};
        const dmo = await dmoKpis(deps.prisma, scope.ownerId, now);
        return dmo.ok ? { dmo: dmo.value } : {};
      },
    }),
    { prefix: "/api" },
  );
  await app.register(nurturingRoutes(deps), { prefix: "/api" });
  await app.register(kpiRoutes(deps), { prefix: "/api" });
  await app.register(segmentRoutes(deps), { prefix: "/api" });
  await app.register(hookRoutes(deps), { prefix: "/api/hooks" });
  await app.register(crmHookRoutes(deps), { prefix: "/api/hooks" });
  await app.register(trackingRoutes(deps)); // /t/:token and /o/:token.gif, no auth
  await app.register(emailRoutes(deps)); // /u/:token one-click unsubscribe, /api/hooks/email/events
  await app.register(panelPlugin({ ...deps, hasher: deps.hasher ?? argon2Hasher, sandbox: deps.sandbox }), {
    prefix: "/admin",
  });
  return app;
}
