import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiKeyActor } from "../../../core/audit.js";
import type { CoreDeps } from "../../../core/context.js";
import {
  createAppliance,
  deleteAppliance,
  getAppliance,
  listAppliances,
  updateAppliance,
} from "../../../core/service/appliance.service.js";
import { listReferrals, setPreferredTechnician, setReferredBy } from "../../../core/service/customer-links.service.js";
import {
  applianceCreateSchema,
  applianceListQuery,
  applianceUpdateSchema,
  pageQuery,
  preferredTechnicianSchema,
  referredBySchema,
  reviewCreateSchema,
  reviewListQuery,
  technicianRatingSchema,
} from "../../../core/service/record-input.js";
import {
  createReview,
  getReview,
  listReviews,
  listTechnicianRatings,
  rateTechnician,
} from "../../../core/service/review.service.js";
import { scopeOf } from "../auth.js";
import { idParam, listResponse, reply, row } from "../route-kit.js";

/** Appliances, reviews, technician ratings and preference, and referrals (seed 004). */
export function equipmentRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const appliances = { tags: ["appliances"] };
    app.get(
      "/appliances",
      {
        schema: {
          ...appliances,
          summary: "List appliances (?customer_id=, ?type=)",
          querystring: applianceListQuery,
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listAppliances(deps, scopeOf(req), req.query)),
    );
    app.get("/appliances/:id", { schema: { ...appliances, params: idParam } }, async (req, res) =>
      reply(res, await getAppliance(deps, scopeOf(req), req.params.id)),
    );
    app.post("/appliances", { schema: { ...appliances, body: applianceCreateSchema } }, async (req, res) =>
      reply(res, await createAppliance(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );
    app.put(
      "/appliances/:id",
      { schema: { ...appliances, params: idParam, body: applianceUpdateSchema } },
      async (req, res) =>
        reply(res, await updateAppliance(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );
    app.delete("/appliances/:id", { schema: { ...appliances, params: idParam } }, async (req, res) =>
      reply(res, await deleteAppliance(deps, scopeOf(req), req.params.id, apiKeyActor(scopeOf(req)))),
    );

    const reviews = { tags: ["reviews"] };
    app.get(
      "/reviews",
      {
        schema: {
          ...reviews,
          summary: "List reviews (?job_id=, ?customer_id=)",
          querystring: reviewListQuery,
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listReviews(deps, scopeOf(req), req.query)),
    );
    app.get("/reviews/:id", { schema: { ...reviews, params: idParam } }, async (req, res) =>
      reply(res, await getReview(deps, scopeOf(req), req.params.id)),
    );
    app.post(
      "/reviews",
      { schema: { ...reviews, summary: "A customer's 1–5 review of a job", body: reviewCreateSchema } },
      async (req, res) => reply(res, await createReview(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );

    const customers = { tags: ["customers"] };
    app.get(
      "/customers/:id/referrals",
      {
        schema: {
          ...customers,
          summary: "Who referred the customer, and whom they referred",
          params: idParam,
          querystring: pageQuery,
        },
      },
      async (req, res) => reply(res, await listReferrals(deps, scopeOf(req), req.params.id, req.query)),
    );
    app.put(
      "/customers/:id/referred-by",
      {
        schema: {
          ...customers,
          summary: "Set who referred the customer (no self-referral, no cycle)",
          params: idParam,
          body: referredBySchema,
        },
      },
      async (req, res) =>
        reply(res, await setReferredBy(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );
    app.put(
      "/customers/:id/preferred-technician",
      {
        schema: {
          ...customers,
          summary: "Set or clear the preferred technician",
          params: idParam,
          body: preferredTechnicianSchema,
        },
      },
      async (req, res) =>
        reply(
          res,
          await setPreferredTechnician(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req))),
        ),
    );
    app.get(
      "/customers/:id/technician-ratings",
      {
        schema: {
          ...customers,
          summary: "The customer's ratings of technicians",
          params: idParam,
          querystring: pageQuery,
        },
      },
      async (req, res) => reply(res, await listTechnicianRatings(deps, scopeOf(req), req.params.id, req.query)),
    );
    app.post(
      "/customers/:id/technician-rating",
      {
        schema: {
          ...customers,
          summary: "The customer rates a technician 1–5 for a job",
          params: idParam,
          body: technicianRatingSchema,
        },
      },
      async (req, res) =>
        reply(res, await rateTechnician(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req))), 201),
    );
  };
}
