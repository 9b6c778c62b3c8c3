import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { isAdmin, narrowTo, soleOwner } from "../../core/accounts/visibility.js";
import type { CoreDeps } from "../../core/context.js";
import { EVENT_NAMES } from "../../core/crm/event-envelope.js";
import { isUuid } from "../../core/ids.js";
import { activityPage, tickerPage } from "../../core/kpi/activity.kpi.js";
import { dmoKpis } from "../../core/kpi/dmo.kpi.js";
import { zoneFor } from "../../core/kpi/kpi-scope.js";
import { marketplaceKpis } from "../../core/kpi/marketplace.kpi.js";
import { pulseMetrics, valueVsRevenue, weeklyStats } from "../../core/kpi/nurturing.kpi.js";
import { requireApiKey, scopeOf } from "./auth.js";
import { sendError, sendFailure } from "./errors.js";
import { listResponse, pageQuery, row } from "./route-kit.js";

const DAY_MS = 86_400_000;
const ownerQuery = { owner_id: z.string().optional().describe("admin only: one contractor's figures") };

/**
 * The scope whose figures a request reads: a contractor key its own (naming another owner is
 * 403); an admin key the whole platform, or one owner's with `owner_id`. Null once replied.
 */
function viewScope(req: FastifyRequest, res: FastifyReply, ownerId: string | undefined): ApiScope | null {
  const scope = scopeOf(req);
  const narrowed = narrowTo(scope, ownerId);
  if (narrowed === null) {
    void sendError(res, 403, "FORBIDDEN", "owner_id: you can only read your own (or your team's) figures");
    return null;
  }
  if (ownerId !== undefined && isAdmin(scope) && !isUuid(ownerId)) {
    void sendError(res, 404, "NOT_FOUND", "owner not found");
    return null;
  }
  return narrowed;
}

/** Dashboard KPIs (seeds 000, 001, 003): pulse, weekly stats, activity, value, DMO, marketplace. */
export function kpiRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));
    const tags = ["kpi"];

    app.get(
      "/kpi/pulse",
      {
        schema: {
          tags,
          summary: "Pulse: enrolled 7 days, active now, engaged 24 h, converted",
          querystring: z.object(ownerQuery),
        },
      },
      async (req, res) => {
        const scope = viewScope(req, res, req.query.owner_id);
        if (!scope) return;
        return pulseMetrics(deps.prisma, scope, deps.clock.now());
      },
    );

    app.get(
      "/kpi/weekly",
      {
        schema: {
          tags,
          summary: "This week's jobs booked, entered revenue, from automation, trend vs last week",
          querystring: z.object(ownerQuery),
        },
      },
      async (req, res) => {
        const scope = viewScope(req, res, req.query.owner_id);
        if (!scope) return;
        const tz = await zoneFor(deps.prisma, scope, deps.config.defaultTimezone);
        return weeklyStats(deps.prisma, scope, deps.clock.now(), tz);
      },
    );

    app.get(
      "/kpi/activity",
      {
        schema: {
          tags,
          summary: "Recent activity: opened, clicked, booked, started, stopped",
          querystring: z.object({ ...pageQuery, ...ownerQuery }),
          response: listResponse(row),
        },
      },
      async (req, res) => {
        const scope = viewScope(req, res, req.query.owner_id);
        if (!scope) return;
        return activityPage(deps.prisma, scope, deps.clock.now(), req.query);
      },
    );

    app.get(
      "/kpi/value",
      {
        schema: {
          tags,
          summary: "Est. value of opportunities vs revenue closed",
          querystring: z.object({
            days: z.coerce
              .number()
              .int()
              .min(1)
              .max(3650)
              .optional()
              .describe("only sequences started in the last N days"),
            ...ownerQuery,
          }),
        },
      },
      async (req, res) => {
        const scope = viewScope(req, res, req.query.owner_id);
        if (!scope) return;
        const since = req.query.days ? new Date(deps.clock.now().getTime() - req.query.days * DAY_MS) : null;
        return valueVsRevenue(deps.prisma, scope, since);
      },
    );

    app.get(
      "/kpi/dmo",
      {
        schema: {
          tags,
          summary: "A marketer's daily method: invites, follow-ups, funnel, overdue, streak (their time zone)",
          querystring: z.object({ user_id: z.string().optional().describe("admin only: whose DMO") }),
        },
      },
      async (req, res) => {
        const scope = narrowTo(scopeOf(req), req.query.user_id);
        if (scope === null) return sendError(res, 403, "FORBIDDEN", "a contractor key can only read its own DMO");
        const userId = soleOwner(scope);
        if (userId === undefined) {
          return sendError(res, 400, "VALIDATION_FAILED", "user_id: required unless the key is one contractor's", [
            { field: "user_id", message: "required" },
          ]);
        }
        const r = await dmoKpis(deps.prisma, userId, deps.clock.now());
        return r.ok ? r.value : sendFailure(res, r);
      },
    );

    app.get(
      "/kpi/ticker",
      {
        schema: {
          tags,
          summary: "Dashboard ticker: the newest Frazer events",
          querystring: z.object({
            event: z.enum(EVENT_NAMES).optional(),
            ...pageQuery,
            ...ownerQuery,
          }),
          response: listResponse(row),
        },
      },
      async (req, res) => {
        const scope = viewScope(req, res, req.query.owner_id);
        if (!scope) return;
        const eventNames = req.query.event ? [req.query.event] : undefined;
        return tickerPage(deps.prisma, scope, deps.clock.now(), req.query, eventNames);
      },
    );

    app.get(
      "/kpi/marketplace",
      {
        schema: {
          tags,
          summary: "Contact rate, time to contact, human first-response time, leads by status, revenue per week",
          querystring: z.object({ weeks: z.coerce.number().int().min(1).max(104).default(12), ...ownerQuery }),
        },
      },
      async (req, res) => {
        const scope = viewScope(req, res, req.query.owner_id);
        if (!scope) return;
        const tz = await zoneFor(deps.prisma, scope, deps.config.defaultTimezone);
        return marketplaceKpis(deps.prisma, scope, deps.clock.now(), tz, req.query.weeks);
      },
    );
  };
}
