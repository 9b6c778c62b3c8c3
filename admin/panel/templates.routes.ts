import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { listMessageTemplates } from "../../core/nurturing/message-template.service.js";
import { listPromptTemplates } from "../../core/nurturing/prompt-template.service.js";
import { listSequenceTemplates } from "../../core/nurturing/template.service.js";
import { render } from "./render.js";
import { messageRow, promptRow, sequenceRow } from "./template-forms.js";
import { messageTemplateRoutes } from "./templates.messages.js";
import { promptTemplateRoutes } from "./templates.prompts.js";
import { sequenceTemplateRoutes } from "./templates.sequences.js";
import type { PanelDeps } from "./types.js";

const SCOPE: ApiScope = { kind: "admin" };

/**
 * Templates: one page listing the three kinds (sequence, message and prompt templates), each
 * with its edit page, live preview and activate/deactivate (see templates.*.ts).
 */
export function templateRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/templates", async (req, reply) => {
      const [sequences, messages, prompts] = await Promise.all([
        listSequenceTemplates(deps, SCOPE),
        listMessageTemplates(deps, SCOPE),
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
    await app.register(sequenceTemplateRoutes(deps));
    await app.register(messageTemplateRoutes(deps));
    await app.register(promptTemplateRoutes(deps));
  };
}
