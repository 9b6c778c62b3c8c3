import type { FastifyPluginAsync } from "fastify";
import { aiPanelRoutes } from "./ai.routes.js";
import { appealRoutes } from "./appeals.routes.js";
import { automationRoutes } from "./automation.routes.js";
import { channelRoutes } from "./channels.routes.js";
import { contractorRoutes } from "./contractors.routes.js";
import { customerRoutes } from "./customers.routes.js";
import { dashboardRoutes } from "./dashboard.routes.js";
import { inboxBadge, inboxRoutes } from "./inbox.routes.js";
import { leadRoutes } from "./leads.routes.js";
import { opportunityRoutes } from "./opportunities.routes.js";
import { opsRoutes } from "./ops.routes.js";
import { pipelineRoutes } from "./pipelines.routes.js";
import { sandboxPageRoutes } from "./sandbox.routes.js";
import { segmentRoutes } from "./segments.routes.js";
import { sequenceBoardRoutes } from "./sequences.routes.js";
import { settingsRoutes } from "./settings.routes.js";
import { technicianRoutes } from "./technicians.routes.js";
import { templateRoutes } from "./templates.routes.js";
import type { PanelDeps } from "./types.js";
import { userRoutes } from "./users.routes.js";

/** Every area of the panel; each file owns its pages, fragments and actions. */
export function areaRoutes(deps: PanelDeps): FastifyPluginAsync {
  return async (app) => {
    // The navigation's lead-inbox badge, counted once per full page.
    app.addHook("preHandler", inboxBadge(deps));
    for (const area of [
      dashboardRoutes,
      leadRoutes,
      inboxRoutes,
      contractorRoutes,
      appealRoutes,
      customerRoutes,
      sequenceBoardRoutes,
      technicianRoutes,
      opportunityRoutes,
      pipelineRoutes,
      templateRoutes,
      segmentRoutes,
      channelRoutes,
      sandboxPageRoutes,
      opsRoutes,
      settingsRoutes,
      automationRoutes,
      userRoutes,
      aiPanelRoutes,
    ]) {
      await app.register(area(deps));
    }
  };
}
