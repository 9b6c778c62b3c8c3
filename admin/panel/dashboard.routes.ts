import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { coachingFor } from "../../core/ai/coaching.js";
import { platformDashboard, dmoPanel as readDmoPanel } from "../../core/kpi/dashboard.query.js";
import { openTickerCursor, pollTicker, tickerHead } from "../../core/kpi/ticker.query.js";
import { unansweredLeads } from "../../core/marketplace/unanswered.service.js";
import { dashboardCharts, trendMark } from "./dashboard.view.js";
import { render, renderPartial } from "./render.js";
import { panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

/** How often an open ticker stream looks for new events (real time: this is I/O pacing). */
const TICKER_POLL_MS = 2_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const TICKER_HEARTBEAT_MS = 15_000;
/**
 * A stream ends after this long and the browser reconnects (resuming from Last-Event-ID), so
 * the session guard looks at the person again: a signed-out or expired session stops the feed.
 */
const TICKER_MAX_STREAM_MS = 10 * 60_000;
/** How far back a stream may resume from (a reconnect after a short outage catches up). */
const TICKER_RESUME_MS = 10 * 60_000;

/** One marketer's id, or "all" for the platform sum. */
const dmoQuery = z.object({ marketer: z.union([z.guid(), z.literal("all")]).optional() });
const tickerQuery = z.object({ after: z.coerce.number().int().nonnegative().optional() });

/**
 * The dashboard: platform KPIs, charts, the DMO counters of one marketer, NBA suggestions and
 * a live ticker of events over server-sent events (GET /admin/ticker).
 */
export function dashboardRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const tz = deps.config.defaultTimezone;

    app.get("/", { schema: { querystring: dmoQuery } }, async (req, reply) => {
      const [d, unanswered] = await Promise.all([
        platformDashboard(deps, { tz, marketerId: req.query.marketer, scope: panelScope(req) }),
        unansweredLeads(deps.prisma),
      ]);
      const coaching = d.dmo.selected ? await coachingFor(deps, d.dmo.selected.id, deps.clock.now()) : null;
      return render(
        req,
        reply,
        "pages/dashboard",
        { d, unanswered, charts: dashboardCharts(d), trendMark, coaching },
        { title: "Dashboard — LeadRelay" },
      );
    });

    // The DMO card alone: the marketer select swaps it in place (without JS the form reloads /admin).
    app.get("/dashboard/dmo", { schema: { querystring: dmoQuery } }, async (req, reply) => {
      const dmo = await readDmoPanel(deps.prisma, deps.clock.now(), req.query.marketer, panelScope(req));
      const coaching = dmo.selected ? await coachingFor(deps, dmo.selected.id, deps.clock.now()) : null;
      return renderPartial(req, reply, "partials/dash-dmo", { dmo, coaching });
    });

    const streams = new Set<() => void>();
    // Open streams would keep app.close() waiting for their sockets: end them first.
    app.addHook("preClose", async () => {
      for (const end of [...streams]) end();
    });

    app.get("/ticker", { schema: { querystring: tickerQuery } }, async (req, reply) => {
      // Resume from the browser's Last-Event-ID (a reconnect), else from the page's head; a
      // cursor older than TICKER_RESUME_MS starts near the head rather than replaying history.
      const lastId = String(req.headers["last-event-id"] ?? "");
      const asked = /^\d{1,15}$/.test(lastId) ? Number(lastId) : req.query.after;
      const head = await tickerHead(deps.prisma, panelScope(req));
      const at = Math.max(asked ?? head, head - TICKER_RESUME_MS);
      const cursor = await openTickerCursor(deps.prisma, panelScope(req), at);
      streamTicker(req, reply, streams, async () => {
        const items = await pollTicker(deps.prisma, panelScope(req), cursor);
        if (items.length === 0) return null;
        const html = await app.view("partials/dash-ticker-items", { items: items.reverse(), now: deps.clock.now() });
        return { id: String(cursor.at), html };
      });
    });
  };
}

/** One SSE message: `id:` then the HTML, every line its own `data:` line (htmx swaps unnamed messages). */
export function sseMessage(id: string, html: string): string {
  const data = html
    .trim()
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join("\n");
  return `id: ${id}\n${data}\n\n`;
}

/**
 * Hold the response open as text/event-stream, calling `next` every TICKER_POLL_MS and writing
 * what it returns; a heartbeat comment when quiet. Stops on client disconnect, after
 * TICKER_MAX_STREAM_MS, or when the server closes.
 */
function streamTicker(
  req: FastifyRequest,
  reply: FastifyReply,
  streams: Set<() => void>,
  next: () => Promise<{ id: string; html: string } | null>,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
    "x-content-type-options": "nosniff",
  });
  res.write(`retry: ${TICKER_POLL_MS}\n: connected\n\n`);
  const opened = Date.now();
  let lastWrite = opened;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const end = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    streams.delete(end);
    if (!res.writableEnded) res.end();
  };
  streams.add(end);
  res.on("close", end);
  const tick = async () => {
    if (closed) return;
    try {
      const msg = await next();
      if (closed) return;
      if (msg) {
        res.write(sseMessage(msg.id, msg.html));
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite >= TICKER_HEARTBEAT_MS) {
        res.write(": heartbeat\n\n");
        lastWrite = Date.now();
      }
    } catch (err) {
      req.log.warn({ err }, "ticker poll failed");
    }
    if (Date.now() - opened >= TICKER_MAX_STREAM_MS) return end();
    if (!closed) timer = setTimeout(tick, TICKER_POLL_MS);
  };
  timer = setTimeout(tick, TICKER_POLL_MS);
}
