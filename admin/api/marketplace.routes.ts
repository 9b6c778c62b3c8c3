import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  contractorInputSchema,
  contractorUpdateSchema,
  createContractor,
  createLinkCode,
  updateContractor,
} from "../../core/accounts/contractor.service.js";
import { isAdmin, ownedBy, teamOf, visibleUsers } from "../../core/accounts/visibility.js";
import { apiKeyActor } from "../../core/audit.js";
import type { CoreDeps } from "../../core/context.js";
import { isUuid } from "../../core/ids.js";
import { createAppeal, decideAppeal } from "../../core/marketplace/appeal.service.js";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { recordConversion } from "../../core/marketplace/conversion.service.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { leadInputSchema } from "../../core/marketplace/lead-input.js";
import { getLeadTimeline, listLeads } from "../../core/marketplace/lead-query.js";
import { sendLeadMessage } from "../../core/marketplace/window.service.js";
import { paginate } from "../../core/paging.js";
import { LeadStatus } from "../../prisma/generated/enums.js";
import { actingAs, requireAdmin, requireApiKey, scopeOf } from "./auth.js";
import { sendError, sendFailure } from "./errors.js";
import { idParam, listResponse, pageOnlyQuery, pageQuery, reply, row } from "./route-kit.js";

/** The contractor a request acts for; null after a 403/400 has been sent. */
function contractorFor(req: FastifyRequest, res: FastifyReply, requested: string | undefined): string | null {
  const id = actingAs(req, requested);
  if (id === null) {
    if (!isAdmin(scopeOf(req)))
      void sendError(res, 403, "FORBIDDEN", "a contractor key can only act as its own contractor");
    else
      void sendError(res, 400, "VALIDATION_FAILED", "contractor_id is required with an admin key", [
        { field: "contractor_id" },
      ]);
  }
  return id;
}

/** Marketplace REST API (seed 001): categories, contractors, leads, bids, messages, appeals. */
export function marketplaceRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));

    app.get(
      "/categories",
      {
        schema: {
          tags: ["marketplace"],
          summary: "List categories",
          querystring: pageOnlyQuery,
          response: listResponse(row),
        },
      },
      async (req) =>
        paginate(
          req.query,
          () => deps.prisma.category.count(),
          (w) => deps.prisma.category.findMany({ orderBy: [{ display_name: "asc" }, { id: "asc" }], ...w }),
        ),
    );

    app.post(
      "/categories",
      {
        schema: {
          tags: ["marketplace"],
          summary: "Create a category (admin)",
          body: z
            .object({
              slug: z.string().regex(/^[a-z0-9-]{2,50}$/, "lower-case letters, digits and dashes"),
              display_name: z.string().trim().min(1).max(100),
              description: z.string().max(2000).optional(),
            })
            .strict(),
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        if (await deps.prisma.category.findUnique({ where: { slug: req.body.slug } })) {
          return sendError(res, 409, "CONFLICT", `category "${req.body.slug}" already exists`);
        }
        return res
          .code(201)
          .send(await deps.prisma.category.create({ data: { ...req.body, created_at: deps.clock.now() } }));
      },
    );

    app.post(
      "/contractors",
      {
        schema: {
          tags: ["contractors"],
          summary: "Create a contractor or marketer (admin)",
          body: contractorInputSchema,
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await createContractor(deps, req.body, apiKeyActor(scopeOf(req))), 201);
      },
    );

    app.get(
      "/contractors",
      {
        schema: {
          tags: ["contractors"],
          summary: "List contractors with metrics (admin; a team key: its members)",
          querystring: pageOnlyQuery,
          response: listResponse(row),
        },
      },
      async (req, res) => {
        const scope = scopeOf(req);
        if (teamOf(scope) === null && !requireAdmin(req, res)) return;
        const where = { role: { in: ["contractor" as const, "marketer" as const] }, ...visibleUsers(scope) };
        return paginate(
          req.query,
          () => deps.prisma.user.count({ where }),
          (w) =>
            deps.prisma.user.findMany({
              where,
              include: { metrics: true },
              omit: { password_hash: true },
              orderBy: [{ created_at: "asc" }, { id: "asc" }],
              ...w,
            }),
        );
      },
    );

    app.get("/contractors/:id", { schema: { tags: ["contractors"], params: idParam } }, async (req, res) => {
      if (contractorFor(req, res, req.params.id) === null) return;
      const user = isUuid(req.params.id)
        ? await deps.prisma.user.findUnique({
            where: { id: req.params.id },
            include: { metrics: true },
            omit: { password_hash: true },
          })
        : null;
      if (!user || (user.role !== "contractor" && user.role !== "marketer"))
        return sendError(res, 404, "NOT_FOUND", "contractor not found");
      return user;
    });

    app.patch(
      "/contractors/:id",
      { schema: { tags: ["contractors"], params: idParam, body: contractorUpdateSchema } },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await updateContractor(deps, req.params.id, req.body, apiKeyActor(scopeOf(req))));
      },
    );

    app.get("/contractors/:id/metrics", { schema: { tags: ["contractors"], params: idParam } }, async (req, res) => {
      if (contractorFor(req, res, req.params.id) === null) return;
      const m = isUuid(req.params.id)
        ? await deps.prisma.contractorMetrics.findUnique({ where: { contractor_id: req.params.id } })
        : null;
      return m ?? sendError(res, 404, "NOT_FOUND", "contractor not found");
    });

    app.post(
      "/contractors/:id/link-code",
      { schema: { tags: ["contractors"], summary: "One-time code to link a chat (/start CODE)", params: idParam } },
      async (req, res) => {
        if (contractorFor(req, res, req.params.id) === null) return;
        return reply(res, await createLinkCode(deps, req.params.id, apiKeyActor(scopeOf(req))), 201);
      },
    );

    app.post(
      "/leads",
      { schema: { tags: ["leads"], summary: "Take in a lead (admin)", body: leadInputSchema } },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        const r = await createLead(deps, req.body);
        if (!r.ok) return sendFailure(res, r);
        return res
          .code(r.value.deduplicated ? 200 : 201)
          .send({ ...r.value.lead, deduplicated: r.value.deduplicated, offered: r.value.offered });
      },
    );

    app.get(
      "/leads",
      {
        schema: {
          tags: ["leads"],
          summary: "List leads (a contractor key sees its offers and bids)",
          querystring: z.object({
            status: z.enum(LeadStatus).optional(),
            category: z.string().max(60).optional(),
            zip: z.string().max(10).optional(),
            ...pageQuery,
          }),
          response: listResponse(row),
        },
      },
      async (req) => listLeads(deps, scopeOf(req), req.query),
    );

    app.get(
      "/leads/:id",
      { schema: { tags: ["leads"], summary: "A lead with its full timeline", params: idParam } },
      async (req, res) => reply(res, await getLeadTimeline(deps, scopeOf(req), req.params.id)),
    );

    app.post(
      "/leads/:id/bids",
      {
        schema: {
          tags: ["leads"],
          summary: "Place or raise a bid",
          params: idParam,
          body: z.object({ contractor_id: z.string().optional(), bid_multiplier: z.number() }).strict(),
        },
      },
      async (req, res) => {
        const contractorId = contractorFor(req, res, req.body.contractor_id);
        if (contractorId === null) return;
        const r = await placeBid(deps, { leadId: req.params.id, contractorId, multiplier: req.body.bid_multiplier });
        return r.ok
          ? res.code(r.value.raised ? 200 : 201).send({ ...r.value.bid, raised: r.value.raised })
          : sendFailure(res, r);
      },
    );

    app.post(
      "/leads/:id/messages",
      {
        schema: {
          tags: ["leads"],
          summary: "Message the lead's customer (the first one inside the window is the contact)",
          params: idParam,
          body: z.object({ contractor_id: z.string().optional(), message_text: z.string() }).strict(),
        },
      },
      async (req, res) => {
        const contractorId = contractorFor(req, res, req.body.contractor_id);
        if (contractorId === null) return;
        return reply(
          res,
          await sendLeadMessage(deps, { leadId: req.params.id, contractorId, text: req.body.message_text }),
          201,
        );
      },
    );

    app.post(
      "/leads/:id/conversions",
      {
        schema: {
          tags: ["leads"],
          summary: "Record a booked or paid conversion",
          params: idParam,
          body: z
            .object({
              contractor_id: z.string().optional(),
              conversion_type: z.enum(["booked", "paid"]),
              revenue_usd: z.number().nullable().optional(),
            })
            .strict(),
        },
      },
      async (req, res) => {
        const contractorId = contractorFor(req, res, req.body.contractor_id);
        if (contractorId === null) return;
        const r = await recordConversion(deps, {
          leadId: req.params.id,
          contractorId,
          type: req.body.conversion_type,
          revenueUsd: req.body.revenue_usd,
        });
        return reply(res, r, 201);
      },
    );

    app.post(
      "/appeals",
      {
        schema: {
          tags: ["appeals"],
          summary: "Appeal a bidding ban",
          body: z.object({ contractor_id: z.string().optional(), appeal_reason: z.string() }).strict(),
        },
      },
      async (req, res) => {
        const contractorId = contractorFor(req, res, req.body.contractor_id);
        if (contractorId === null) return;
        const actor = apiKeyActor(scopeOf(req));
        return reply(res, await createAppeal(deps, { contractorId, reason: req.body.appeal_reason, actor }), 201);
      },
    );

    app.get(
      "/appeals",
      {
        schema: {
          tags: ["appeals"],
          querystring: z.object({ status: z.enum(["PENDING", "APPROVED", "REJECTED"]).optional(), ...pageQuery }),
          response: listResponse(row),
        },
      },
      async (req) => {
        const scope = scopeOf(req);
        const where = {
          ...(req.query.status ? { status: req.query.status } : {}),
          ...ownedBy(scope, "contractor_id"),
        };
        return paginate(
          req.query,
          () => deps.prisma.banAppeal.count({ where }),
          (w) => deps.prisma.banAppeal.findMany({ where, orderBy: [{ created_at: "asc" }, { id: "asc" }], ...w }),
        );
      },
    );

    for (const decision of ["approve", "reject"] as const) {
      app.post(
        `/appeals/:id/${decision}`,
        {
          schema: {
            tags: ["appeals"],
            summary: `${decision === "approve" ? "Approve (unban, reset strikes)" : "Reject"} an appeal (admin)`,
            params: idParam,
            body: z
              .object({ note: z.string().max(1000).optional() })
              .strict()
              .optional(),
          },
        },
        async (req, res) => {
          if (!requireAdmin(req, res)) return;
          const r = await decideAppeal(deps, {
            appealId: req.params.id,
            actor: apiKeyActor(scopeOf(req)),
            approve: decision === "approve",
            note: req.body?.note,
          });
          return reply(res, r);
        },
      );
    }
  };
}
