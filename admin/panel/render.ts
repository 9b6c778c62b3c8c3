import type { FastifyReply, FastifyRequest } from "fastify";

/** Whether htmx asked for a fragment (a targeted swap) rather than a whole page. */
export function wantsFragment(req: FastifyRequest): boolean {
  return req.headers["hx-request"] === "true" && req.headers["hx-request-type"] !== "full";
}

/** The data every template gets: who is signed in, their CSRF token, where they are. */
function baseData(req: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  return { user: req.panelUser ?? null, csrf: null, path: req.url.split("?")[0], ...(reply.locals ?? {}) };
}

/**
 * Render a page: the whole document (layout + page) for a normal request, only the page's own
 * markup for an htmx swap — the Hypermedia Systems way, one template for both.
 */
export function render(
  req: FastifyRequest,
  reply: FastifyReply,
  page: string,
  data: Record<string, unknown>,
  opts: { title?: string; status?: number; fragment?: boolean } = {},
) {
  const full = !(opts.fragment ?? wantsFragment(req));
  reply.code(opts.status ?? 200).header("Cache-Control", "no-store");
  const it = { ...baseData(req, reply), title: opts.title ?? "LeadRelay", ...data };
  return full ? reply.view(page, it, { layout: "layout" }) : reply.view(page, it);
}

/** Render only a partial (a table row, a card), whatever the request. */
export function renderPartial(
  req: FastifyRequest,
  reply: FastifyReply,
  partial: string,
  data: Record<string, unknown>,
) {
  return render(req, reply, partial, data, { fragment: true });
}

/** An error as a page or an inline fragment, with its stable code and a status that says what happened. */
export function renderError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  return render(req, reply, "partials/error", { status, code, message }, { status, title: "LeadRelay — error" });
}
