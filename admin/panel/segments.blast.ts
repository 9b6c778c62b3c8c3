import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ERROR_CODES } from "../../core/errors.js";
import { isUuid } from "../../core/ids.js";
import { blastAudience } from "../../core/segments/campaign.query.js";
import { sendBlast } from "../../core/segments/campaign.service.js";
import { validateFilter } from "../../core/segments/filter.js";
import type { ChannelKind } from "../../prisma/generated/client.js";
import { actorOf } from "./audit.js";
import { render, renderError } from "./render.js";
import { panelScope } from "./scope.js";
import type { PanelDeps } from "./types.js";

const CHANNELS = ["email", "sms", "telegram", "whatsapp", "sandbox"] as const;
const idParams = z.object({ id: z.string().max(64) });
const choice = z.object({
  message_template_id: z.string().max(64).optional().default(""),
  channel: z
    .enum(["", ...CHANNELS])
    .optional()
    .default(""),
});

/** The active message templates a segment's owner may blast: the platform's and their own. */
export function blastTemplates(deps: PanelDeps, ownerId: string) {
  return deps.prisma.messageTemplate.findMany({
    where: { is_active: true, OR: [{ owner_id: null }, ...(isUuid(ownerId) ? [{ owner_id: ownerId }] : [])] },
    orderBy: [{ key: "asc" }, { language: "asc" }],
    select: { id: true, key: true, name: true, language: true, channel: true, subject: true, body: true },
  });
}

/**
 * Blasting a segment: a confirmation step (GET, works without JavaScript) shows the template
 * and how many customers will receive it now — opted-out and unreachable ones counted apart,
 * by the send's own rules — and only the confirmed POST sends it through the outbox (bulk lane).
 */
export function blastRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/segments/:id/blast", { schema: { params: idParams, querystring: choice } }, async (req, reply) => {
      const segment = isUuid(req.params.id)
        ? await deps.prisma.segment.findUnique({ where: { id: req.params.id } })
        : null;
      if (!segment) return renderError(req, reply, 404, "NOT_FOUND", "There is no such segment.");
      const templates = await blastTemplates(deps, segment.owner_id);
      const template = templates.find((t) => t.id === req.query.message_template_id) ?? null;
      const base = { segment, templates, template, channels: CHANNELS, choice: req.query };
      const title = `Blast ${segment.name} — LeadRelay`;
      if (!template) {
        const errors = { message_template_id: "choose a message template" };
        return render(req, reply, "pages/segment-blast", { ...base, errors, audience: null }, { status: 422, title });
      }
      const filter = validateFilter(segment.filter);
      if (!filter.ok) return renderError(req, reply, 422, filter.code, filter.message);
      const channel: ChannelKind | null = req.query.channel || template.channel || null;
      const audience = await blastAudience(deps.prisma, {
        ownerId: segment.owner_id,
        filter: filter.value,
        channel,
        now: deps.clock.now(),
      });
      return render(req, reply, "pages/segment-blast", { ...base, errors: {}, audience, channel }, { title });
    });

    app.post(
      "/segments/:id/blast",
      {
        schema: {
          params: idParams,
          body: choice.extend({
            confirm: z.literal("yes").optional(),
            name: z.string().max(255).optional(),
            _csrf: z.string().optional(),
          }),
        },
      },
      async (req, reply) => {
        const { message_template_id, channel, confirm, name } = req.body;
        if (confirm !== "yes") {
          const q = new URLSearchParams({ message_template_id, channel });
          return reply.redirect(`/admin/segments/${encodeURIComponent(req.params.id)}/blast?${q}`, 303);
        }
        const input = {
          segment_id: req.params.id,
          message_template_id,
          ...(channel ? { channel } : {}),
          ...(name?.trim() ? { name: name.trim() } : {}),
        };
        const result = await sendBlast(deps, panelScope(req), input, actorOf(req));
        if (!result.ok) return renderError(req, reply, ERROR_CODES[result.code] ?? 400, result.code, result.message);
        return reply.redirect(`/admin/segments/${req.params.id}?sent=${result.value.campaign.id}`, 303);
      },
    );
  };
}
