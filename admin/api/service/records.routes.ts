import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { apiKeyActor } from "../../../core/audit.js";
import type { CoreDeps } from "../../../core/context.js";
import { createFollowUp, getFollowUp, listFollowUps, updateFollowUp } from "../../../core/service/follow-up.service.js";
import { createJob, getJob, listJobs, updateJob } from "../../../core/service/job.service.js";
import {
  followUpCreateSchema,
  followUpListQuery,
  followUpUpdateSchema,
  jobCreateSchema,
  jobListQuery,
  jobUpdateSchema,
  technicianCreateSchema,
  technicianListQuery,
  technicianUpdateSchema,
} from "../../../core/service/record-input.js";
import {
  createTechnician,
  getTechnician,
  listTechnicians,
  updateTechnician,
} from "../../../core/service/technician.service.js";
import { scopeOf } from "../auth.js";
import { idParam, listResponse, reply, row } from "../route-kit.js";

/** Technicians, jobs (create, update, list; close is the CRM's) and service follow-ups (seed 004). */
export function recordRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const technicians = { tags: ["technicians"] };
    app.get(
      "/technicians",
      {
        schema: {
          ...technicians,
          summary: "List technicians (?active=)",
          querystring: technicianListQuery,
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listTechnicians(deps, scopeOf(req), req.query)),
    );
    app.get("/technicians/:id", { schema: { ...technicians, params: idParam } }, async (req, res) =>
      reply(res, await getTechnician(deps, scopeOf(req), req.params.id)),
    );
    app.post("/technicians", { schema: { ...technicians, body: technicianCreateSchema } }, async (req, res) =>
      reply(res, await createTechnician(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );
    app.put(
      "/technicians/:id",
      {
        schema: {
          ...technicians,
          summary: "Update (is_active=false when they leave)",
          params: idParam,
          body: technicianUpdateSchema,
        },
      },
      async (req, res) =>
        reply(res, await updateTechnician(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );

    const jobs = { tags: ["jobs"] };
    app.get(
      "/jobs",
      {
        schema: {
          ...jobs,
          summary: "List jobs (?customer_id=, ?technician_id=, ?status=)",
          querystring: jobListQuery,
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listJobs(deps, scopeOf(req), req.query)),
    );
    app.get("/jobs/:id", { schema: { ...jobs, params: idParam } }, async (req, res) =>
      reply(res, await getJob(deps, scopeOf(req), req.params.id)),
    );
    app.post(
      "/jobs",
      { schema: { ...jobs, summary: "Book a job for a customer", body: jobCreateSchema } },
      async (req, res) => reply(res, await createJob(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );
    app.put("/jobs/:id", { schema: { ...jobs, params: idParam, body: jobUpdateSchema } }, async (req, res) =>
      reply(res, await updateJob(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );

    const followUps = { tags: ["follow-ups"] };
    app.get(
      "/follow-ups",
      {
        schema: {
          ...followUps,
          summary: "List service follow-ups (?status=, ?customer_id=, ?job_id=)",
          querystring: followUpListQuery,
          response: listResponse(row),
        },
      },
      async (req, res) => reply(res, await listFollowUps(deps, scopeOf(req), req.query)),
    );
    app.get("/follow-ups/:id", { schema: { ...followUps, params: idParam } }, async (req, res) =>
      reply(res, await getFollowUp(deps, scopeOf(req), req.params.id)),
    );
    app.post(
      "/follow-ups",
      { schema: { ...followUps, summary: "Record a follow-up after a job", body: followUpCreateSchema } },
      async (req, res) =>
        reply(res, await createFollowUp(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );
    app.put(
      "/follow-ups/:id",
      {
        schema: {
          ...followUps,
          summary: "Update status, time, satisfaction, feedback",
          params: idParam,
          body: followUpUpdateSchema,
        },
      },
      async (req, res) =>
        reply(res, await updateFollowUp(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );
  };
}
