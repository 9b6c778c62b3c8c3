import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  addTeamMembers,
  createTeam,
  getTeam,
  listTeams,
  removeTeamMember,
  updateTeam,
} from "../../core/accounts/team.service.js";
import { apiKeyActor } from "../../core/audit.js";
import type { CoreDeps } from "../../core/context.js";
import { requireAdmin, requireApiKey, scopeOf } from "./auth.js";
import { idParam, listResponse, pageOnlyQuery, reply, row } from "./route-kit.js";

const anyBody = z.record(z.string(), z.unknown());
const tags = ["users"];

/**
 * Teams (issue 15): a sales manager and their contractors and marketers. Any key lists the teams
 * it may see (a team key its own); creating, renaming, setting the manager and changing members
 * need an admin key. A manager who is not a sales manager is a 400 naming `manager_id`.
 */
export function teamRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));

    app.get(
      "/teams",
      {
        schema: {
          tags,
          summary: "List teams (id, name, manager_id, manager, member_ids, members)",
          querystring: pageOnlyQuery,
          response: listResponse(row),
        },
      },
      async (req) => listTeams(deps, scopeOf(req), req.query),
    );

    app.get("/teams/:id", { schema: { tags, summary: "One team", params: idParam } }, async (req, res) =>
      reply(res, await getTeam(deps, scopeOf(req), req.params.id)),
    );

    app.post(
      "/teams",
      {
        schema: {
          tags,
          summary: "Create a team (admin): name, manager_id (a sales manager), member_ids",
          body: anyBody,
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await createTeam(deps, req.body, apiKeyActor(scopeOf(req))), 201);
      },
    );

    app.patch(
      "/teams/:id",
      {
        schema: {
          tags,
          summary: "Rename a team or set its manager (admin): name, manager_id (null clears)",
          params: idParam,
          body: anyBody,
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await updateTeam(deps, req.params.id, req.body, apiKeyActor(scopeOf(req))));
      },
    );

    app.post(
      "/teams/:id/members",
      {
        schema: {
          tags,
          summary: "Add contractors or marketers to a team (admin): user_ids",
          params: idParam,
          body: anyBody,
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await addTeamMembers(deps, req.params.id, req.body, apiKeyActor(scopeOf(req))));
      },
    );

    app.delete(
      "/teams/:id/members/:user_id",
      {
        schema: {
          tags,
          summary: "Take a member off a team (admin)",
          params: z.object({ id: z.string(), user_id: z.string() }),
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await removeTeamMember(deps, req.params.id, req.params.user_id, apiKeyActor(scopeOf(req))));
      },
    );
  };
}
