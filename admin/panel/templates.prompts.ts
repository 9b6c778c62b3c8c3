import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ERROR_CODES } from "../../core/errors.js";
import {
  createPromptKey,
  getPromptTemplate,
  previewPrompt,
  savePromptVersion,
  setPromptActive,
} from "../../core/nurturing/prompt-template.service.js";
import { activeBody } from "./active-toggle.js";
import { actorOf } from "./audit.js";
import { render, renderError, renderPartial, wantsFragment } from "./render.js";
import { errorsByField, type FormBody, field, formOf, promptRow } from "./template-forms.js";
import type { PanelDeps } from "./types.js";

const idParams = z.object({ id: z.string().max(64) });

interface PromptForm {
  name: string;
  model: string;
  system_prompt: string;
  user_template: string;
}

/**
 * LLM prompt templates: an edit page with a live preview on sample data; saving writes the
 * next version of the key and makes it the active one; any version can be (de)activated.
 */
export function promptTemplateRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  const formOfBody = (b: FormBody): PromptForm => ({
    name: field(b, "name"),
    model: field(b, "model"),
    system_prompt: field(b, "system_prompt"),
    user_template: field(b, "user_template"),
  });

  async function show(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    s: { form?: PromptForm; errors: Record<string, string>; saved?: boolean },
    status = 200,
  ) {
    const found = await getPromptTemplate(deps, id);
    if (!found.ok) return renderError(req, reply, 404, "NOT_FOUND", "There is no such prompt template.");
    const { prompt, versions } = found.value;
    const form = s.form ?? {
      name: prompt.name,
      model: prompt.model ?? "",
      system_prompt: prompt.system_prompt,
      user_template: prompt.user_template,
    };
    const preview = await previewPrompt(deps, prompt.key, form);
    const data = { prompt, versions: versions.map(promptRow), form, errors: s.errors, saved: s.saved, preview };
    return render(req, reply, "pages/template-prompt", data, { status, title: `${prompt.name} — LeadRelay` });
  }

  function showNew(
    req: FastifyRequest,
    reply: FastifyReply,
    form: PromptForm & { key: string },
    errors = {},
    status = 200,
  ) {
    return render(
      req,
      reply,
      "pages/template-prompt-new",
      { form, errors },
      { status, title: "New prompt — LeadRelay" },
    );
  }

  return async (app) => {
    // A new prompt key: its first version, active at once (the key is fixed from then on).
    app.get("/templates/prompts/new", async (req, reply) =>
      showNew(req, reply, { key: "", name: "", model: "", system_prompt: "", user_template: "" }),
    );

    app.post("/templates/prompts/new", async (req, reply) => {
      const body = formOf(req.body);
      const form = { key: field(body, "key"), ...formOfBody(body) };
      const r = await createPromptKey(deps, form, actorOf(req));
      if (r.ok) return reply.redirect(`/admin/templates/prompts/${r.value.id}?saved=1`, 303);
      if (r.code !== "VALIDATION_FAILED" && r.code !== "CONFLICT") {
        return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      }
      return showNew(req, reply, form, errorsByField(r.details, r.message), 422);
    });

    app.get(
      "/templates/prompts/:id",
      { schema: { params: idParams, querystring: z.object({ saved: z.string().optional() }) } },
      async (req, reply) => show(req, reply, req.params.id, { errors: {}, saved: req.query.saved !== undefined }),
    );

    app.post("/templates/prompts/preview", { config: { audit: false } }, async (req, reply) => {
      const body = formOf(req.body);
      const form = formOfBody(body);
      const preview = await previewPrompt(deps, field(body, "key"), form);
      return renderPartial(req, reply, "partials/template-prompt-preview", { preview });
    });

    app.post("/templates/prompts/:id", { schema: { params: idParams } }, async (req, reply) => {
      const form = formOfBody(formOf(req.body));
      const result = await savePromptVersion(deps, req.params.id, form, actorOf(req));
      if (result.ok) return reply.redirect(`/admin/templates/prompts/${result.value.id}?saved=1`, 303);
      if (result.code !== "VALIDATION_FAILED")
        return renderError(req, reply, ERROR_CODES[result.code] ?? 400, result.code, result.message);
      return show(req, reply, req.params.id, { form, errors: errorsByField(result.details, result.message) }, 422);
    });

    app.post(
      "/templates/prompts/:id/active",
      { schema: { params: idParams, body: activeBody } },
      async (req, reply) => {
        const r = await setPromptActive(deps, req.params.id, req.body.active === "true", actorOf(req));
        if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
        if (!wantsFragment(req)) return reply.redirect(`/admin/templates/prompts/${r.value.id}`, 303);
        // Activating one version deactivates the others: the whole versions table is re-rendered.
        const found = await getPromptTemplate(deps, r.value.id);
        const versions = found.ok ? found.value.versions.map(promptRow) : [promptRow(r.value)];
        return renderPartial(req, reply, "partials/template-versions", { versions });
      },
    );
  };
}
