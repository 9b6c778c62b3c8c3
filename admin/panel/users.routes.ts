import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PANEL_ROLES } from "../../core/accounts/panel-roles.js";
import {
  addTeamMembers,
  createTeam,
  listTeams,
  removeTeamMember,
  updateTeam,
} from "../../core/accounts/team.service.js";
import { createUser, listUsers, resetUserPassword, updateUser } from "../../core/accounts/user-admin.service.js";
import { PLATFORM_SCOPE } from "../../core/accounts/visibility.js";
import { ERROR_CODES, type Result } from "../../core/errors.js";
import { actorOf } from "./audit.js";
import { render } from "./render.js";
import { field, formOf } from "./template-forms.js";
import type { PanelDeps } from "./types.js";

/** Users and teams decide who sees what: admins only. */
const ADMIN_ONLY = { roles: ["admin"] as const };
const idParams = z.object({ id: z.string().max(64) });
const memberParams = z.object({ id: z.string().max(64), user_id: z.string().max(64) });
const ALL = { page: 1, per_page: 200 };

/** What the page shows after an action: a notice, a refusal, or a password to hand over once. */
interface Flash {
  notice?: string;
  error?: string;
  password?: { email: string | null; value: string };
}

function membersNotice(t: { name: string; member_ids: string[] }): string {
  const n = t.member_ids.length;
  return `Team "${t.name}" has ${n} member${n === 1 ? "" : "s"}.`;
}

/**
 * Users and teams (admins): the panel users with their roles — create or invite (the generated
 * password is shown once), change the role, disable or enable, reset a password — and the teams:
 * a sales manager and their contractors and marketers. Each form is one audited core call; a
 * refusal (an e-mail in use, the last admin, a manager who is not a sales manager) comes back
 * on the page with its status.
 */
export function userRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  async function page(req: FastifyRequest, reply: FastifyReply, flash: Flash = {}, status = 200) {
    const [users, teams, people] = await Promise.all([
      listUsers(deps, ALL),
      listTeams(deps, PLATFORM_SCOPE, ALL),
      deps.prisma.user.findMany({
        where: { role: { in: ["contractor", "marketer"] }, account_status: { not: "pending" } },
        select: { id: true, name: true, company_name: true, role: true, team_id: true },
        orderBy: [{ name: "asc" }, { id: "asc" }],
        take: 500,
      }),
    ]);
    const managers = users.data.filter((u) => u.role === "sales_manager");
    return render(
      req,
      reply,
      "pages/users",
      { users: users.data, teams: teams.data, people, managers, roles: PANEL_ROLES, flash },
      { title: "Users — LeadRelay", status },
    );
  }

  /** The page again after a core call: its notice on success, its refusal and status otherwise. */
  function after<T>(req: FastifyRequest, reply: FastifyReply, r: Result<T>, notice: (v: T) => Flash) {
    if (r.ok) return page(req, reply, notice(r.value));
    return page(req, reply, { error: r.message }, ERROR_CODES[r.code] ?? 400);
  }

  return async (app) => {
    app.get("/users", { config: ADMIN_ONLY }, async (req, reply) => page(req, reply));

    app.post("/users", { config: ADMIN_ONLY }, async (req, reply) => {
      const b = formOf(req.body);
      const password = field(b, "password");
      const input = {
        email: field(b, "email"),
        name: field(b, "name"),
        role: field(b, "role"),
        ...(password ? { password } : {}),
      };
      const r = await createUser(deps, deps.hasher, input, actorOf(req));
      return after(req, reply, r, (v) => ({
        notice: `${v.user.email} was added as ${v.user.role.replace("_", " ")}.`,
        ...(password ? {} : { password: { email: v.user.email, value: v.password } }),
      }));
    });

    app.post("/users/:id", { schema: { params: idParams }, config: ADMIN_ONLY }, async (req, reply) => {
      const b = formOf(req.body);
      const r = await updateUser(deps, req.params.id, { role: field(b, "role") }, actorOf(req));
      return after(req, reply, r, (v) => ({ notice: `${v.email} is now ${v.role.replace("_", " ")}.` }));
    });

    for (const [verb, disabled] of [
      ["disable", true],
      ["enable", false],
    ] as const) {
      app.post(`/users/:id/${verb}`, { schema: { params: idParams }, config: ADMIN_ONLY }, async (req, reply) => {
        const r = await updateUser(deps, req.params.id, { disabled }, actorOf(req));
        return after(req, reply, r, (v) => ({ notice: `${v.email} is ${disabled ? "disabled" : "enabled"}.` }));
      });
    }

    app.post("/users/:id/password", { schema: { params: idParams }, config: ADMIN_ONLY }, async (req, reply) => {
      const r = await resetUserPassword(deps, deps.hasher, req.params.id, actorOf(req));
      return after(req, reply, r, (v) => ({
        notice: `New password for ${v.user.email}; their sessions were signed out.`,
        password: { email: v.user.email, value: v.password },
      }));
    });

    app.post("/teams", { config: ADMIN_ONLY }, async (req, reply) => {
      const b = formOf(req.body);
      const manager = field(b, "manager_id");
      const r = await createTeam(deps, { name: field(b, "name"), manager_id: manager || null }, actorOf(req));
      return after(req, reply, r, (v) => ({ notice: `Team "${v.name}" was created.` }));
    });

    app.post("/teams/:id", { schema: { params: idParams }, config: ADMIN_ONLY }, async (req, reply) => {
      const b = formOf(req.body);
      const manager = field(b, "manager_id");
      const r = await updateTeam(
        deps,
        req.params.id,
        { name: field(b, "name"), manager_id: manager || null },
        actorOf(req),
      );
      return after(req, reply, r, (v) => ({ notice: `Team "${v.name}" was saved.` }));
    });

    app.post("/teams/:id/members", { schema: { params: idParams }, config: ADMIN_ONLY }, async (req, reply) => {
      const userId = field(formOf(req.body), "user_id");
      const r = await addTeamMembers(deps, req.params.id, { user_ids: userId ? [userId] : [] }, actorOf(req));
      return after(req, reply, r, (v) => ({ notice: membersNotice(v) }));
    });

    app.post(
      "/teams/:id/members/:user_id/remove",
      { schema: { params: memberParams }, config: ADMIN_ONLY },
      async (req, reply) => {
        const r = await removeTeamMember(deps, req.params.id, req.params.user_id, actorOf(req));
        return after(req, reply, r, (v) => ({ notice: membersNotice(v) }));
      },
    );
  };
}
