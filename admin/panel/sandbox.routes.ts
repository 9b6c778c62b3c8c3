import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { isUuid } from "../../core/ids.js";
import { render, renderError, renderPartial } from "./render.js";
import { panelUserOf } from "./session.js";
import type { PanelDeps } from "./types.js";

const asField = z
  .string()
  .regex(/^(new|(contractor|marketer|customer):[0-9a-fA-F-]{36})$/, 'choose "new" or a person from the list');

/** Only admins: talking as any contractor or customer crosses every team's boundary (see docs/security.md). */
const ADMIN_ONLY = { roles: ["admin"] as const };

/**
 * The chat sandbox page: talk to the bot from the browser as a contractor, marketer, customer
 * or stranger — the same chat app Telegram and WhatsApp reach. Each panel user gets their own
 * sandbox session per persona, so two admins never read each other's conversation.
 * Admins only: a sandbox message acts as that person (bids, answers a lead and charges the
 * contractor, reaches a real customer), which a sales manager — limited to their team — and a
 * read-only user may not do. Where the sandbox is off (`SANDBOX_ENABLED`) the pages do not exist.
 */
export function sandboxPageRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  const sessionOf = (userId: string, as: string) => `panel-${userId.slice(0, 8)}-${as.replace(":", "-").slice(0, 60)}`;

  async function people() {
    const [users, customers] = await Promise.all([
      deps.prisma.user.findMany({
        where: { role: { in: ["contractor", "marketer"] } },
        orderBy: { name: "asc" },
        select: { id: true, name: true, company_name: true, role: true },
        take: 200,
      }),
      deps.prisma.customer.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true }, take: 200 }),
    ]);
    return [
      ...users.map((u) => ({ value: `${u.role}:${u.id}`, label: `${u.company_name ?? u.name} (${u.role})` })),
      ...customers.map((c) => ({ value: `customer:${c.id}`, label: `${c.name} (customer)` })),
    ];
  }

  return async (app) => {
    if (!deps.config.sandboxEnabled) return;
    app.get(
      "/sandbox",
      { schema: { querystring: z.object({ as: asField.optional() }) }, config: ADMIN_ONLY },
      async (req, reply) => {
        if (!deps.sandbox) {
          return renderError(req, reply, 503, "SANDBOX_OFF", "The chat sandbox runs with the bot role (npm start).");
        }
        const list = await people();
        const as = req.query.as ?? list[0]?.value ?? "new";
        const lines = await deps.sandbox.conversation(sessionOf(panelUserOf(req).id, as));
        return render(req, reply, "pages/sandbox", { people: list, as, lines }, { title: "Chat sandbox — LeadRelay" });
      },
    );

    app.get(
      "/sandbox/log",
      { schema: { querystring: z.object({ as: asField }) }, config: ADMIN_ONLY },
      async (req, reply) => {
        if (!deps.sandbox) return renderError(req, reply, 503, "SANDBOX_OFF", "The chat sandbox is not running here.");
        const lines = await deps.sandbox.conversation(sessionOf(panelUserOf(req).id, req.query.as));
        return renderPartial(req, reply, "partials/sandbox-log", { as: req.query.as, lines });
      },
    );

    app.post(
      "/sandbox/send",
      {
        schema: {
          body: z
            .object({
              as: asField,
              text: z.string().max(10_000).optional(),
              choice: z.string().max(64).optional(),
              _csrf: z.string().optional(),
            })
            .refine((b) => (b.text?.trim() ? 1 : 0) + (b.choice ? 1 : 0) === 1, {
              message: "type a message or press a button",
            }),
        },
        config: ADMIN_ONLY,
      },
      async (req, reply) => {
        if (!deps.sandbox) return renderError(req, reply, 503, "SANDBOX_OFF", "The chat sandbox is not running here.");
        const { as, text, choice } = req.body;
        const [, id] = as.split(":");
        if (id && !isUuid(id)) return renderError(req, reply, 400, "VALIDATION_FAILED", "unknown person");
        const session = sessionOf(panelUserOf(req).id, as);
        try {
          await deps.sandbox.send({ session, as, ...(choice ? { choice } : { text: text?.trim() }) });
        } catch (err) {
          return renderError(req, reply, 422, "SANDBOX_REFUSED", (err as Error).message);
        }
        const lines = await deps.sandbox.conversation(session);
        if (req.headers["hx-request"] === "true") {
          return renderPartial(req, reply, "partials/sandbox-log", { as, lines });
        }
        return reply.redirect(`/admin/sandbox?as=${encodeURIComponent(as)}`, 303);
      },
    );
  };
}
