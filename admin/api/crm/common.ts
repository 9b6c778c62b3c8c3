import type { FastifyReply } from "fastify";
import { z } from "zod";
import type { Result } from "../../../core/errors.js";
import { sendFailure } from "../errors.js";

export const idParam = z.object({ id: z.string().describe("UUID") });
export const page = {
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  per_page: z.coerce.number().int().min(1).max(200).default(50),
};

/** Send a core Result: the value with `status` on success, the mapped error otherwise. */
export function reply<T>(res: FastifyReply, r: Result<T>, status = 200, present?: (v: T) => unknown) {
  if (!r.ok) return sendFailure(res, r);
  return res.code(status).send(present ? present(r.value) : r.value);
}
