import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { DateTime } from "luxon";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import type { AuditActor } from "../../core/audit.js";
import { customerCardView } from "../../core/crm/customer-admin.query.js";
import { createInteraction } from "../../core/crm/interaction.service.js";
import { completeReminder, createReminder } from "../../core/crm/reminder.service.js";
import type { Failure } from "../../core/errors.js";
import { isUuid } from "../../core/ids.js";
import { pause, resume, stop } from "../../core/nurturing/sequence.service.js";
import { actorOf } from "./audit.js";
import { cardExtras, type InlineError, inlineError } from "./customer-fields.js";
import { render, renderError } from "./render.js";
import { panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

type Section = "interactions" | "reminders" | "sequences";
type ShowCard = (
  req: FastifyRequest,
  reply: FastifyReply,
  id: string,
  extra: { errors?: Record<string, InlineError>; form?: unknown },
  status?: number,
) => Promise<unknown>;

/** The sequence buttons, each a core use case. */
const SEQUENCE_ACTIONS = {
  pause,
  resume,
  stop: (deps: PanelDeps, id: string, scope: ApiScope, actor: AuditActor) =>
    stop(deps, id, scope, "stopped in the panel", actor),
} as const;

const text = (v: unknown) => (typeof v === "string" ? v : "");

/**
 * The customer card's actions: log an interaction, add and complete reminders, pause / resume /
 * stop a nurturing sequence — each through its core use case (which audits). An htmx request
 * gets the section back (with the reason inline and 422 when refused); a plain form post is
 * sent back to the card (or gets the card with the reason).
 */
export function customerActionRoutes(deps: PanelDeps, showCard: ShowCard): FastifyPluginAsyncZod {
  async function answer(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    section: Section,
    failure: Failure | null,
    form: Record<string, unknown> = {},
  ) {
    if (failure?.code === "NOT_FOUND") return renderError(req, reply, 404, "NOT_FOUND", failure.message);
    const status = failure ? 422 : 200;
    const errors = failure ? { [section]: inlineError(failure) } : {};
    if (req.headers["hx-request"] !== "true") {
      if (!failure) return reply.redirect(`/admin/customers/${encodeURIComponent(id)}#${section}`, 303);
      return showCard(req, reply, id, { errors, form }, status);
    }
    const card = await customerCardView(deps, id, panelScope(req));
    if (!card.ok) return renderError(req, reply, 404, "NOT_FOUND", "There is no such customer.");
    return render(
      req,
      reply,
      `partials/customer-${section}`,
      { ...cardExtras(req, deps.clock.now()), card: card.value, errors, form: failure ? form : {} },
      { fragment: true, status },
    );
  }

  // Params and bodies are read in the handlers: the CSRF and role checks must answer first.
  return async (app) => {
    app.post("/customers/:id/interactions", async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = (req.body ?? {}) as Record<string, unknown>;
      const form = { type: text(b.type), direction: text(b.direction), content: text(b.content) };
      const failure: Failure | null = form.content.trim()
        ? null
        : { ok: false, code: "VALIDATION_FAILED", message: "write what was said or done" };
      const r = failure
        ? failure
        : await createInteraction(
            deps,
            panelScope(req),
            {
              customer_id: id,
              type: form.type,
              ...(form.direction ? { direction: form.direction } : {}),
              content: form.content.trim(),
            },
            actorOf(req),
          );
      return answer(req, reply, id, "interactions", r.ok ? null : r, form);
    });

    app.post("/customers/:id/reminders", async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = (req.body ?? {}) as Record<string, unknown>;
      const form = { type: text(b.type), scheduled_for: text(b.scheduled_for), message: text(b.message) };
      let scheduled: string | undefined;
      let failure: Failure | null = null;
      if (form.scheduled_for) {
        const at = DateTime.fromISO(form.scheduled_for, { zone: deps.config.defaultTimezone });
        if (at.isValid) scheduled = at.toISO() ?? undefined;
        else failure = { ok: false, code: "VALIDATION_FAILED", message: "pick a date and time" };
      }
      const r =
        failure ??
        (await createReminder(
          deps,
          panelScope(req),
          {
            customer_id: id,
            type: form.type || "custom",
            message: form.message,
            ...(scheduled ? { scheduled_for: scheduled } : {}),
          },
          actorOf(req),
        ));
      return answer(req, reply, id, "reminders", r.ok ? null : r, form);
    });

    app.post("/customers/:id/reminders/:reminderId/complete", async (req, reply) => {
      const { id, reminderId } = req.params as { id: string; reminderId: string };
      const mine =
        isUuid(reminderId) && isUuid(id)
          ? await deps.prisma.reminder.findFirst({ where: { id: reminderId, customer_id: id }, select: { id: true } })
          : null;
      if (!mine) return renderError(req, reply, 404, "NOT_FOUND", "There is no such reminder on this customer.");
      const r = await completeReminder(deps, panelScope(req), reminderId, actorOf(req));
      return answer(req, reply, id, "reminders", r.ok ? null : r);
    });

    app.post("/customers/:id/sequences/:sequenceId/:action", async (req, reply) => {
      const { id, sequenceId, action } = req.params as { id: string; sequenceId: string; action: string };
      const mine =
        isUuid(sequenceId) && isUuid(id)
          ? await deps.prisma.nurturingSequence.findFirst({
              where: { id: sequenceId, customer_id: id },
              select: { id: true },
            })
          : null;
      if (!mine) return renderError(req, reply, 404, "NOT_FOUND", "There is no such sequence on this customer.");
      if (!Object.hasOwn(SEQUENCE_ACTIONS, action)) {
        return renderError(req, reply, 404, "NOT_FOUND", "Sequences can be paused, resumed or stopped.");
      }
      const r = await SEQUENCE_ACTIONS[action as keyof typeof SEQUENCE_ACTIONS](
        deps,
        sequenceId,
        panelScope(req),
        actorOf(req),
      );
      return answer(req, reply, id, "sequences", r.ok ? null : r);
    });
  };
}
