import type { FastifyPluginAsync } from "fastify";
import { appealRoutes } from "./appeals.routes.js";
import { channelRoutes } from "./channels.routes.js";
import { contractorRoutes } from "./contractors.routes.js";
import { customerRoutes } from "./customers.routes.js";
import { dashboardRoutes } from "./dashboard.routes.js";
import { leadRoutes } from "./leads.routes.js";
import { opsRoutes } from "./ops.routes.js";
import { pipelineRoutes } from "./pipelines.routes.js";
import { sandboxPageRoutes } from "./sandbox.routes.js";
import { segmentRoutes } from "./segments.routes.js";
import { templateRoutes } from "./templates.routes.js";
import type { PanelDeps } from "./types.js";

/** Every area of the panel; each file owns its pages, fragments and actions. */
export function areaRoutes(deps: PanelDeps): FastifyPluginAsync {
  return async (app) => {
    for (const area of [
      dashboardRoutes,
      leadRoutes,
      contractorRoutes,
      appealRoutes,
      customerRoutes,
      pipelineRoutes,
      templateRoutes,
      segmentRoutes,
      channelRoutes,
      sandboxPageRoutes,
      opsRoutes,
    ]) {
      await app.register(area(deps));
    }
  };
}
