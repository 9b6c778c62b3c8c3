import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ERROR_CODES } from "../../core/errors.js";
import { isUuid } from "../../core/ids.js";
import { CUSTOMER_PLACEHOLDERS, NOTICE_PLACEHOLDERS } from "../../core/messaging/templates.js";
import { previewMessage } from "../../core/nurturing/message-preview.js";
import { createMessageTemplate, updateMessageTemplate } from "../../core/nurturing/message-template.service.js";
import { activeBody, toggleActive } from "./active-toggle.js";
import { actorOf } from "./audit.js";
import { render, renderError, renderPartial } from "./render.js";
import { panelScope } from "./scope.js";
import { errorsByField, type FormBody, field, formOf, messageRow } from "./template-forms.js";
import type { PanelDeps } from "./types.js";

const idParams = z.object({ id: z.string().max(64) });
const CHANNELS = ["telegram", "whatsapp", "email", "sms", "sandbox"] as const;

interface MessageForm {
  key: string;
  name: string;
  channel: string;
  language: string;
  subject: string;
  body: string;
}

/**
 * Message templates (chat notices, nurture e-mails, blasts): list rows, an edit page with a
 * live preview (sample values for every placeholder; the e-mail HTML as it will be sent),
 * inline validation (422, nothing written) and activate/deactivate.
 */
export function messageTemplateRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  const formOfBody = (b: FormBody): MessageForm => ({
    key: field(b, "key").trim(),
    name: field(b, "name"),
    channel: field(b, "channel"),
    language: field(b, "language").trim(),
    subject: field(b, "subject"),
    body: field(b, "body"),
  });

  function show(
    req: FastifyRequest,
    reply: FastifyReply,
    s: { id: string | null; form: MessageForm; active: boolean; errors: Record<string, string>; saved?: boolean },
    status = 200,
  ) {
    const data = {
      ...s,
      action: s.id ? `/admin/templates/messages/${s.id}` : "/admin/templates/messages",
      channels: CHANNELS,
      placeholders: { customer: CUSTOMER_PLACEHOLDERS, notice: NOTICE_PLACEHOLDERS },
      preview: previewMessage(deps, s.form),
    };
    const title = `${s.form.name || "New message template"} — LeadRelay`;
    return render(req, reply, "pages/template-message", data, { status, title });
  }

  async function submit(req: FastifyRequest, reply: FastifyReply, id: string | null) {
    const existing = id ? (isUuid(id) ? await deps.prisma.messageTemplate.findUnique({ where: { id } }) : null) : null;
    if (id && !existing) return renderError(req, reply, 404, "NOT_FOUND", "There is no such message template.");
    const form = formOfBody(formOf(req.body));
    const input = {
      key: form.key,
      name: form.name,
      channel: form.channel === "" ? null : form.channel,
      language: form.language,
      subject: form.subject.trim() === "" ? null : form.subject,
      body: form.body,
    };
    const result = id
      ? await updateMessageTemplate(deps, panelScope(req), id, input, actorOf(req))
      : await createMessageTemplate(deps, panelScope(req), input, actorOf(req));
    if (!result.ok) {
      const state = { id, form, active: existing?.is_active ?? true };
      if (result.code === "VALIDATION_FAILED")
        return show(req, reply, { ...state, errors: errorsByField(result.details, result.message) }, 422);
      if (result.code === "CONFLICT") return show(req, reply, { ...state, errors: { key: result.message } }, 422);
      return renderError(req, reply, ERROR_CODES[result.code] ?? 400, result.code, result.message);
    }
    return reply.redirect(`/admin/templates/messages/${result.value.id}?saved=1`, 303);
  }

  return async (app) => {
    app.get("/templates/messages/new", async (req, reply) =>
      show(req, reply, {
        id: null,
        form: { key: "", name: "", channel: "", language: "en", subject: "", body: "" },
        active: true,
        errors: {},
      }),
    );

    app.get(
      "/templates/messages/:id",
      { schema: { params: idParams, querystring: z.object({ saved: z.string().optional() }) } },
      async (req, reply) => {
        const t = isUuid(req.params.id)
          ? await deps.prisma.messageTemplate.findUnique({ where: { id: req.params.id } })
          : null;
        if (!t) return renderError(req, reply, 404, "NOT_FOUND", "There is no such message template.");
        const form = {
          key: t.key,
          name: t.name,
          channel: t.channel ?? "",
          language: t.language,
          subject: t.subject ?? "",
          body: t.body,
        };
        return show(req, reply, {
          id: t.id,
          form,
          active: t.is_active,
          errors: {},
          saved: req.query.saved !== undefined,
        });
      },
    );

    app.post("/templates/messages/preview", { config: { audit: false } }, async (req, reply) => {
      const preview = previewMessage(deps, formOfBody(formOf(req.body)));
      return renderPartial(req, reply, "partials/template-message-preview", { preview });
    });

    app.post("/templates/messages", async (req, reply) => submit(req, reply, null));
    app.post("/templates/messages/:id", { schema: { params: idParams } }, async (req, reply) =>
      submit(req, reply, req.params.id),
    );

    app.post("/templates/messages/:id/active", { schema: { params: idParams, body: activeBody } }, async (req, reply) =>
      toggleActive(
        req,
        reply,
        req.body.active,
        (input) => updateMessageTemplate(deps, panelScope(req), req.params.id, input, actorOf(req)),
        {
          redirect: () => "/admin/templates#messages",
          partial: "partials/template-row",
          locals: (t) => ({ row: messageRow(t) }),
        },
      ),
    );
  };
}
