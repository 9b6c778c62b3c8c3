import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { CoreDeps } from "../../core/context.js";
import { recordClick, recordOpen, trackedLinkUrl } from "../../core/nurturing/tracking.service.js";

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/**
 * Link-preview fetchers (chat apps unfurling a link, search crawlers): they are redirected like
 * anyone but do not count as the customer clicking, or every WhatsApp preview would look like
 * high interest.
 */
const PREVIEW_AGENTS =
  /bot\b|crawler|spider|facebookexternalhit|whatsapp|telegrambot|slackbot|discordbot|skypeuripreview|linkedinbot|twitterbot|embedly|preview/i;

const NOT_FOUND_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link not found</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem">
<h1>Link not found</h1><p>This link is not valid or is no longer available.</p></body></html>`;

function notFound(res: FastifyReply) {
  return res.code(404).header("cache-control", "no-store").type("text/html; charset=utf-8").send(NOT_FOUND_PAGE);
}

/** Only http(s) targets are ever redirected to (the stored URL, never one from the request). */
function safeTarget(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : null;
  } catch {
    return null;
  }
}

const tokenParam = z.object({ token: z.string().max(64) });

/**
 * Public tracking endpoints, no authentication: `GET /t/:token` counts a click and redirects
 * (302) to the link's stored URL — an unknown token is a 404 page, never an open redirect —
 * and `GET /o/:token.gif` records an e-mail open and answers a 1×1 GIF whatever the token.
 */
export function trackingRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/t/:token", { schema: { hide: true, params: tokenParam } }, async (req, res) => {
      const counted = req.method === "GET" && !PREVIEW_AGENTS.test(req.headers["user-agent"] ?? "");
      let url: string | null;
      if (counted) {
        const r = await recordClick(deps, req.params.token);
        url = r.ok ? r.value.url : null;
      } else {
        url = await trackedLinkUrl(deps, req.params.token);
      }
      const target = safeTarget(url);
      if (!target) return notFound(res);
      return res
        .code(302)
        .header("location", target)
        .header("cache-control", "no-store, private")
        .header("referrer-policy", "no-referrer")
        .send();
    });

    app.get("/o/:token.gif", { schema: { hide: true, params: tokenParam } }, async (req, res) => {
      if (req.method === "GET") await recordOpen(deps, req.params.token);
      return res
        .code(200)
        .header("cache-control", "no-store, no-cache, must-revalidate, private")
        .type("image/gif")
        .send(PIXEL);
    });
  };
}
