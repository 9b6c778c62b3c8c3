import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { soleOwner } from "../core/accounts/visibility.js";
import type { CoreDeps } from "../core/context.js";
import { dmoKpis } from "../core/kpi/dmo.kpi.js";
import { aiRoutes } from "./api/ai.routes.js";
import { crmHookRoutes, crmRoutes } from "./api/crm.routes.js";
import { emailRoutes } from "./api/email.routes.js";
import { frameworkErrors, installErrorHandlers } from "./api/errors.js";
import { hookRoutes } from "./api/hooks.routes.js";
import { kpiRoutes } from "./api/kpi.routes.js";
import { marketplaceRoutes } from "./api/marketplace.routes.js";
import { installWebMetrics, type MetricsScrape } from "./api/metrics.routes.js";
import { nurturingRoutes } from "./api/nurturing.routes.js";
import { operatorRoutes } from "./api/operators.routes.js";
import { opportunityRoutes } from "./api/opportunities.routes.js";
import { installRateLimits, type RateLimitRedis } from "./api/rate-limits.js";
import { segmentRoutes } from "./api/segments.routes.js";
import { serviceRoutes } from "./api/service.routes.js";
import { teamRoutes } from "./api/teams.routes.js";
import { trackingRoutes } from "./api/tracking.routes.js";
import { userRoutes } from "./api/users.routes.js";
import { installBoundaryGuard } from "./boundary.js";
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
  /** fastify logger options when no process logger is given (never `false`: 5xx must be logged). */
  logger?: { level: string };
  /** The process logger (pino): every request logs through a child carrying its `reqId`. */
  loggerInstance?: FastifyBaseLogger;
  /** Password hashing for panel sign-in (Argon2id unless a test passes a cheaper one). */
  hasher?: PanelDeps["hasher"];
  /** The chat sandbox, handed in by main.ts (admin/ may not import bot/). */
  sandbox?: PanelDeps["sandbox"];
  /** Scaled mode: the Redis the rate limits share across web processes (closed with the app). */
  rateLimitRedis?: RateLimitRedis;
  /** Prometheus text for `GET /metrics`, handed in by main.ts (no route without it). */
  scrapeMetrics?: () => Promise<MetricsScrape>;
}

/** TRUST_PROXY for fastify: a hop count becomes "trust the first N hops" (fastify's types take no number). */
function trustProxyOption(
  tp: WebDeps["config"]["trustProxy"],
): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof tp === "number" ? (_addr, hop) => hop < tp : tp;
}

/** Build the web application (API, hooks, panel) without listening, so tests can inject. */
export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Never without a logger: a 5xx is always logged with its request id. Without the process
    // logger (tests, tools) fastify's own pino logs errors only.
    ...(deps.loggerInstance ? { loggerInstance: deps.loggerInstance } : { logger: deps.logger ?? { level: "error" } }),
    trustProxy: trustProxyOption(deps.config.trustProxy),
    bodyLimit: 256 * 1024,
    // Router errors (`%ff` in a path, an over-long id) in the API's error shape.
    frameworkErrors,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  installBoundaryGuard(app);
  installWebMetrics(app, {
    metrics: deps.metrics,
    scrape: deps.scrapeMetrics,
    token: deps.config.metrics.token,
    telegramWebhookPath: deps.config.telegram.webhookUrl ? new URL(deps.config.telegram.webhookUrl).pathname : null,
  });
  await installRateLimits(app, deps); // /api/hooks/* per address, /api/* per key: before any route
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
        const ownerId = soleOwner(scope);
        if (ownerId === undefined) return {};
        const dmo = await dmoKpis(deps.prisma, ownerId, now);
        return dmo.ok ? { dmo: dmo.value } : {};
      },
    }),
    { prefix: "/api" },
  );
  await app.register(nurturingRoutes(deps), { prefix: "/api" });
  await app.register(opportunityRoutes(deps), { prefix: "/api" });
  await app.register(kpiRoutes(deps), { prefix: "/api" });
  await app.register(segmentRoutes(deps), { prefix: "/api" });
  await app.register(serviceRoutes(deps), { prefix: "/api" }); // seed 004 service records
  await app.register(operatorRoutes(deps), { prefix: "/api" }); // lead sources, settings, automation rules
  await app.register(userRoutes(deps, deps.hasher ?? argon2Hasher), { prefix: "/api" }); // panel users
  await app.register(teamRoutes(deps), { prefix: "/api" }); // sales managers' teams
  await app.register(aiRoutes(deps), { prefix: "/api" }); // seed 004 AI features (core/ai)
  await app.register(hookRoutes(deps), { prefix: "/api/hooks" });
  await app.register(crmHookRoutes(deps), { prefix: "/api/hooks" });
  await app.register(trackingRoutes(deps)); // /t/:token and /o/:token.gif, no auth
  await app.register(emailRoutes(deps)); // /u/:token one-click unsubscribe, /api/hooks/email/events
  await app.register(panelPlugin({ ...deps, hasher: deps.hasher ?? argon2Hasher, sandbox: deps.sandbox }), {
    prefix: "/admin",
  });
  return app;
}
