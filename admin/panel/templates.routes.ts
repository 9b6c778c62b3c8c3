import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ERROR_CODES } from "../../core/errors.js";
import { listMessageTemplates } from "../../core/nurturing/message-template.service.js";
import { listPromptTemplates } from "../../core/nurturing/prompt-template.service.js";
import { listSequenceTemplates } from "../../core/nurturing/template.service.js";
import { deleteTemplate, isTemplateKind } from "../../core/nurturing/template-trash.service.js";
import { actorOf } from "./audit.js";
import { render, renderError } from "./render.js";
import { panelScope } from "./scope.js";
import { messageRow, promptRow, sequenceRow } from "./template-forms.js";
import { messageTemplateRoutes } from "./templates.messages.js";
import { promptTemplateRoutes } from "./templates.prompts.js";
import { sequenceTemplateRoutes } from "./templates.sequences.js";
import type { PanelDeps } from "./types.js";

/**
 * Templates: one page listing the three kinds (sequence, message and prompt templates), each
 * with its edit page, live preview and activate/deactivate (see templates.*.ts), and a soft
 * delete (hidden from the lists and switched off; audited; restorable).
 */
export function templateRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/templates", async (req, reply) => {
      const [sequences, messages, prompts] = await Promise.all([
        listSequenceTemplates(deps, panelScope(req)),
        listMessageTemplates(deps, panelScope(req)),
        listPromptTemplates(deps),
      ]);
      // One row per prompt key: the active version, else the newest (versions are on its page).
      const byKey = new Map<string, (typeof prompts)[number]>();
      for (const p of prompts) {
        const seen = byKey.get(p.key);
        if (!seen || (p.is_active && !seen.is_active)) byKey.set(p.key, p);
      }
      return render(
        req,
        reply,
        "pages/templates",
        {
          sequences: sequences.map(sequenceRow),
          messages: messages.map(messageRow),
          prompts: [...byKey.values()].map(promptRow),
        },
        { title: "Templates — LeadRelay" },
      );
    });
    // Params are read in the handler: the CSRF and role checks must answer first.
    app.post("/templates/:kind/:id/delete", async (req, reply) => {
      const { kind, id } = req.params as { kind: string; id: string };
      if (!isTemplateKind(kind)) return renderError(req, reply, 404, "NOT_FOUND", "There is no such template.");
      const r = await deleteTemplate(deps, kind, panelScope(req), id, actorOf(req));
      if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      // htmx removes the row (an empty answer swapped over it); a plain form goes back to the list.
      if (req.headers["hx-request"] === "true") return reply.code(200).header("Cache-Control", "no-store").send("");
      return reply.redirect("/admin/templates", 303);
    });

    await app.register(sequenceTemplateRoutes(deps));
    await app.register(messageTemplateRoutes(deps));
    await app.register(promptTemplateRoutes(deps));
  };
}
