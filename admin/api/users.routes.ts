import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PANEL_ROLES } from "../../core/accounts/panel-roles.js";
import {
  createUser,
  getUser,
  listUsers,
  resetUserPassword,
  updateUser,
} from "../../core/accounts/user-admin.service.js";
import { apiKeyActor } from "../../core/audit.js";
import type { CoreDeps } from "../../core/context.js";
import type { PasswordHasher } from "../../core/ports.js";
import { requireAdmin, requireApiKey, scopeOf } from "./auth.js";
import { idParam, listResponse, pageQuery, reply, row } from "./route-kit.js";

/** Bodies are validated by core (one schema, field-named 400s); the route only requires an object. */
const anyBody = z.record(z.string(), z.unknown());
const tags = ["users"];

/**
 * Panel users (issue 15), admin key only: list, create or invite with a role, change the role,
 * disable or enable, reset a password (the new one is in the answer, once). The last admin
 * cannot be demoted or disabled (409).
 */
export function userRoutes(deps: CoreDeps, hasher: PasswordHasher): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));
    app.addHook("preHandler", async (req, res) => {
      if (!requireAdmin(req, res)) return res;
    });

    app.get(
      "/users",
      {
        schema: {
          tags,
          summary: "List panel users (id, email, name, role, account_status, disabled, last_login_at, team)",
          querystring: z.object({ ...pageQuery, role: z.enum(PANEL_ROLES).optional() }),
          response: listResponse(row),
        },
      },
      async (req) => listUsers(deps, req.query),
    );

    app.get("/users/:id", { schema: { tags, summary: "One panel user", params: idParam } }, async (req, res) =>
      reply(res, await getUser(deps, req.params.id)),
    );

    app.post(
      "/users",
      {
        schema: {
          tags,
          summary:
            "Create (or invite) a panel user: email, name, role (admin | sales_manager | read_only), optional password; answers the password once",
          body: anyBody,
        },
      },
      async (req, res) => reply(res, await createUser(deps, hasher, req.body, apiKeyActor(scopeOf(req))), 201),
    );

    app.patch(
      "/users/:id",
      {
        schema: {
          tags,
          summary: "Change a panel user: name, role, disabled (true revokes their sessions); the last admin stays",
          params: idParam,
          body: anyBody,
        },
      },
      async (req, res) => reply(res, await updateUser(deps, req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );

    app.post(
      "/users/:id/reset-password",
      {
        schema: {
          tags,
          summary: "Give a panel user a new password (answered once) and revoke their sessions",
          params: idParam,
        },
      },
      async (req, res) => reply(res, await resetUserPassword(deps, hasher, req.params.id, apiKeyActor(scopeOf(req)))),
    );
  };
}
