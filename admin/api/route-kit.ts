import type { FastifyReply } from "fastify";
import { z } from "zod";
import type { Result } from "../../core/errors.js";
import { PAGE_DEFAULTS } from "../../core/paging.js";
import { sendFailure } from "./errors.js";

/**
 * The small pieces every API route file shares: the `:id` parameter, the one page query and
 * list shape, and sending a core Result. One copy here, so the routes stay thin.
 */

/** `:id` path parameter (core answers NOT_FOUND for anything that is not a known UUID). */
export const idParam = z.object({ id: z.string().describe("UUID") });

/** The page query every list takes: `page` ≥ 1, `per_page` 1–200 (default 50). */
export const pageQuery = {
  page: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_DEFAULTS.maxPage)
    .default(PAGE_DEFAULTS.page)
    .describe("page number, from 1"),
  per_page: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_DEFAULTS.maxPerPage)
    .default(PAGE_DEFAULTS.perPage)
    .describe(`rows a page, 1–${PAGE_DEFAULTS.maxPerPage}`),
};

/** One row of a list, as the route presents it (fields as in the seeds, snake_case). */
export const row = z
  .unknown()
  .describe("one row (an object; its fields are listed in the route's summary and the seeds)");

/** `pageQuery` as a querystring schema, for lists with no other filter. */
export const pageOnlyQuery = z.object(pageQuery);

/**
 * The one list shape, `{ data, total, page, per_page }`, as a response schema (it documents the
 * list in the OpenAPI). `extra` names fields a list answers besides, e.g. `overdue`.
 */
export function listOf<I extends z.ZodType, E extends z.ZodRawShape = Record<never, never>>(item: I, extra?: E) {
  return z
    .object({
      data: z.array(item),
      total: z.number().int().min(0).describe("rows in the whole list"),
      page: z.number().int().min(1),
      per_page: z.number().int().min(1),
    })
    .extend((extra ?? {}) as E);
}

/** Response schemas of a list route: 200 with the list shape. */
export function listResponse<I extends z.ZodType, E extends z.ZodRawShape = Record<never, never>>(item: I, extra?: E) {
  return { 200: listOf(item, extra) };
}

/** Send a core Result: the value (or `present(value)`) with `status` on success, the mapped error otherwise. */
export function reply<T>(res: FastifyReply, r: Result<T>, status = 200, present?: (v: T) => unknown) {
  if (!r.ok) return sendFailure(res, r);
  return res.code(status).send(present ? present(r.value) : r.value);
}
