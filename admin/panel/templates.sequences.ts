import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ERROR_CODES } from "../../core/errors.js";
import { isUuid } from "../../core/ids.js";
import { CUSTOMER_PLACEHOLDERS } from "../../core/messaging/templates.js";
import { STEP_CHANNELS } from "../../core/nurturing/template.js";
import { createSequenceTemplate, previewSteps, updateSequenceTemplate } from "../../core/nurturing/template.service.js";
import { activeBody, toggleActive } from "./active-toggle.js";
import { actorOf } from "./audit.js";
import { render, renderError, renderPartial, wantsFragment } from "./render.js";
import { panelScope } from "./scope.js";
import {
  applyStepOp,
  blankStep,
  errorsByField,
  type FormBody,
  field,
  formOf,
  type StepRow,
  sequenceRow,
  stepRowsFromJson,
  stepRowsOf,
  stepsOf,
} from "./template-forms.js";
import type { PanelDeps } from "./types.js";

/** The panel acts for the platform: every template is visible and editable by its staff. */
const idParams = z.object({ id: z.string().max(64) });

interface EditorState {
  id: string | null;
  form: { name: string; trigger_type: string; description: string };
  rows: StepRow[];
  active: boolean;
  errors: Record<string, string>;
  saved?: boolean;
}

/**
 * Sequence templates: the steps editor (delay, channel, text per step; add, remove, move up
 * and down — with htmx in place, without JavaScript by resubmitting the form), a live preview
 * with sample data, save with inline errors (422, nothing written), activate/deactivate.
 */
export function sequenceTemplateRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  const action = (id: string | null) => (id ? `/admin/templates/sequences/${id}` : "/admin/templates/sequences");

  function editorData(s: EditorState) {
    return {
      ...s,
      action: action(s.id),
      channels: STEP_CHANNELS,
      placeholders: CUSTOMER_PLACEHOLDERS,
      preview: previewSteps(deps, stepsOf(s.rows)),
    };
  }

  function show(req: FastifyRequest, reply: FastifyReply, s: EditorState, status = 200) {
    const data = editorData(s);
    if (wantsFragment(req)) return render(req, reply, "partials/template-sequence-editor", data, { status });
    const title = `${s.form.name || "New sequence template"} — LeadRelay`;
    return render(req, reply, "pages/template-sequence", data, { status, title });
  }

  function formState(body: FormBody, id: string | null, active: boolean): EditorState {
    return {
      id,
      form: {
        name: field(body, "name"),
        trigger_type: field(body, "trigger_type"),
        description: field(body, "description"),
      },
      rows: stepRowsOf(body),
      active,
      errors: {},
    };
  }

  /** Create (id null) or save: an editor operation re-renders; a save validates, writes and redirects. */
  async function submit(req: FastifyRequest, reply: FastifyReply, id: string | null) {
    const existing = id ? (isUuid(id) ? await deps.prisma.sequenceTemplate.findUnique({ where: { id } }) : null) : null;
    if (id && !existing) return renderError(req, reply, 404, "NOT_FOUND", "There is no such sequence template.");
    const body = formOf(req.body);
    const state = formState(body, id, existing?.is_active ?? true);
    const op = field(body, "_op");
    const edited = op && op !== "save" ? applyStepOp(state.rows, op) : null;
    if (edited) return show(req, reply, { ...state, rows: edited });
    const input = {
      name: state.form.name,
      trigger_type: state.form.trigger_type,
      description: state.form.description.trim() || null,
      steps: stepsOf(state.rows),
    };
    const result = id
      ? await updateSequenceTemplate(deps, panelScope(req), id, input, actorOf(req))
      : await createSequenceTemplate(deps, panelScope(req), input, actorOf(req));
    if (!result.ok) {
      if (result.code !== "VALIDATION_FAILED") {
        return renderError(req, reply, ERROR_CODES[result.code] ?? 400, result.code, result.message);
      }
      return show(req, reply, { ...state, errors: errorsByField(result.details, result.message) }, 422);
    }
    return reply.redirect(`/admin/templates/sequences/${result.value.id}?saved=1`, 303);
  }

  return async (app) => {
    app.get("/templates/sequences/new", async (req, reply) =>
      show(req, reply, {
        id: null,
        form: { name: "", trigger_type: "", description: "" },
        rows: [{ ...blankStep(), delay: "0m" }],
        active: true,
        errors: {},
      }),
    );

    app.get(
      "/templates/sequences/:id",
      { schema: { params: idParams, querystring: z.object({ saved: z.string().optional() }) } },
      async (req, reply) => {
        const t = isUuid(req.params.id)
          ? await deps.prisma.sequenceTemplate.findUnique({ where: { id: req.params.id } })
          : null;
        if (!t) return renderError(req, reply, 404, "NOT_FOUND", "There is no such sequence template.");
        return show(req, reply, {
          id: t.id,
          form: { name: t.name, trigger_type: t.trigger_type, description: t.description ?? "" },
          rows: stepRowsFromJson(t.steps),
          active: t.is_active,
          errors: {},
          saved: req.query.saved !== undefined,
        });
      },
    );

    app.post("/templates/sequences/preview", { config: { audit: false } }, async (req, reply) => {
      const preview = previewSteps(deps, stepsOf(stepRowsOf(formOf(req.body))));
      return renderPartial(req, reply, "partials/template-sequence-preview", { preview });
    });

    app.post("/templates/sequences", async (req, reply) => submit(req, reply, null));
    app.post("/templates/sequences/:id", { schema: { params: idParams } }, async (req, reply) =>
      submit(req, reply, req.params.id),
    );

    app.post(
      "/templates/sequences/:id/active",
      { schema: { params: idParams, body: activeBody } },
      async (req, reply) =>
        toggleActive(
          req,
          reply,
          req.body.active,
          (input) => updateSequenceTemplate(deps, panelScope(req), req.params.id, input, actorOf(req)),
          {
            redirect: () => "/admin/templates",
            partial: "partials/template-row",
            locals: (t) => ({ row: sequenceRow(t) }),
          },
        ),
    );
  };
}
