/**
 * Activate/deactivate buttons of the panel's lists (templates, automation rules): one body shape
 * and one answer — the updated row for an htmx swap, a redirect for a plain form post, and the
 * error page or fragment with its stable code when core refuses.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { ERROR_CODES, type Result } from "../../core/errors.js";
import { renderError, renderPartial, wantsFragment } from "./render.js";

/** The body of an activate/deactivate button (the CSRF token rides along in a plain form post). */
export const activeBody = z.object({ active: z.enum(["true", "false"]), _csrf: z.string().optional() });

/** How a toggled row is shown: where a plain form post goes back to, and the row's partial. */
export interface ToggleView<T> {
  redirect: (row: T) => string;
  partial: string;
  locals: (row: T) => Record<string, unknown>;
}

/**
 * Answer an activate/deactivate button: run the one core update of `is_active` and show its result.
 */
export async function toggleActive<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  active: "true" | "false",
  update: (input: { is_active: boolean }) => Promise<Result<T>>,
  view: ToggleView<T>,
) {
  const r = await update({ is_active: active === "true" });
  if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
  if (!wantsFragment(req)) return reply.redirect(view.redirect(r.value), 303);
  return renderPartial(req, reply, view.partial, view.locals(r.value));
}
