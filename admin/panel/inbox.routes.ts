import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { convertCustomer } from "../../core/crm/customer.service.js";
import {
  inboxCount,
  inboxFilterSchema,
  leadInbox,
  logInboxCall,
  SNOOZE_CHOICES_MS,
  snoozeLead,
} from "../../core/crm/lead-inbox.service.js";
import type { Failure } from "../../core/errors.js";
import { actorOf } from "./audit.js";
import { listQuery, pagerFor } from "./paging.js";
import { render, renderError, wantsFragment } from "./render.js";
import { isPanelAdmin, panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

/** A phone number as a `tel:` URI: digits and a leading plus only (nothing else reaches the href). */
export function telHref(phone: string | null | undefined): string | null {
  const digits = (phone ?? "").replace(/[^\d+]/g, "").replace(/(?!^)\+/g, "");
  return digits.replace(/\D/g, "").length >= 3 ? `tel:${digits}` : null;
}

/**
 * The navigation's inbox badge: on each full page (not an htmx fragment, which has no layout)
 * one indexed count of the leads waiting for the signed-in person, handed to the layout.
 */
export function inboxBadge(deps: PanelDeps): preHandlerAsyncHookHandler {
  return async (req, reply) => {
    if (req.method !== "GET" || !req.panelUser || wantsFragment(req)) return;
    const count = await inboxCount(deps.prisma, panelScope(req), deps.clock.now());
    reply.locals = { ...reply.locals, inboxCount: count };
  };
}

/**
 * The lead inbox (seed 002): new leads — customers with status `lead` that the person may see,
 * snoozed ones hidden until their time passes — with a quick Call (logs the call, then the
 * browser follows the `tel:` link: htmx through HX-Redirect, a plain form through the 303),
 * Convert in one click, and Snooze. Each action is its core use case, audited as the signed-in
 * person; htmx gets the row back (or its removal and the new badge count).
 */
export function inboxRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  /** After convert / snooze the lead leaves the inbox: htmx gets an empty row and the badge. */
  async function leaveInbox(req: FastifyRequest, reply: FastifyReply, id: string, note: string, until?: Date) {
    if (req.headers["hx-request"] !== "true") return reply.redirect("/admin/inbox", 303);
    const count = await inboxCount(deps.prisma, panelScope(req), deps.clock.now());
    return render(req, reply, "partials/inbox-gone", { id, note, until, count }, { fragment: true });
  }

  function refused(req: FastifyRequest, reply: FastifyReply, failure: Failure) {
    const status = failure.code === "NOT_FOUND" ? 404 : 422;
    return renderError(req, reply, status, failure.code, failure.message);
  }

  // Params and bodies are read in the handlers: the CSRF and role checks must answer first.
  return async (app) => {
    app.get("/inbox", async (req, reply) => {
      const raw = (req.query ?? {}) as Record<string, unknown>;
      const parsed = inboxFilterSchema.safeParse(raw);
      const error = parsed.success
        ? null
        : parsed.error.issues.map((i) => `${i.path.join(".") || "filter"}: ${i.message}`).join("; ");
      const result = parsed.success ? await leadInbox(deps, panelScope(req), parsed.data) : null;
      const pager = result ? pagerFor("/admin/inbox", raw, result) : null;
      const rows = result?.rows.map((r) => ({ ...r, tel: telHref(r.phone) })) ?? [];
      const data = {
        filter: listQuery(raw),
        result,
        rows,
        pager,
        error,
        ownerFilter: isPanelAdmin(req),
        snoozeChoices: Object.keys(SNOOZE_CHOICES_MS),
      };
      const status = error ? 400 : 200;
      if (wantsFragment(req)) return render(req, reply, "partials/inbox-table", data, { status, fragment: true });
      return render(req, reply, "pages/inbox", data, { title: "Lead inbox — LeadRelay", status });
    });

    app.post("/inbox/:id/call", async (req, reply) => {
      const { id } = req.params as { id: string };
      const r = await logInboxCall(deps, panelScope(req), id, actorOf(req));
      if (!r.ok) return refused(req, reply, r);
      const customer = await deps.prisma.customer.findUnique({ where: { id: r.value.customer_id } });
      const tel = telHref(customer?.phone);
      if (req.headers["hx-request"] === "true") {
        if (tel) reply.header("HX-Redirect", tel);
        return reply.code(200).header("Cache-Control", "no-store").send("");
      }
      return reply.redirect(tel ?? "/admin/inbox", 303);
    });

    app.post("/inbox/:id/convert", async (req, reply) => {
      const { id } = req.params as { id: string };
      const r = await convertCustomer(deps, panelScope(req), id, actorOf(req));
      if (!r.ok) return refused(req, reply, r);
      return leaveInbox(req, reply, r.value.id, `${r.value.name} is now a customer.`);
    });

    app.post("/inbox/:id/snooze", async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = (req.body ?? {}) as Record<string, unknown>;
      const choice = typeof b.for === "string" ? b.for : "";
      const r = await snoozeLead(deps, panelScope(req), id, choice, actorOf(req));
      if (!r.ok) return refused(req, reply, r);
      return leaveInbox(req, reply, r.value.id, "Snoozed", r.value.snoozed_until);
    });
  };
}
