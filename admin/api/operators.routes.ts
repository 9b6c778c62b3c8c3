import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { apiKeyActor } from "../../core/audit.js";
import type { CoreDeps } from "../../core/context.js";
import {
  createAutomationRule,
  getAutomationRule,
  listAutomationRules,
  previewAutomationRule,
  updateAutomationRule,
} from "../../core/crm/automation-rule.service.js";
import { presentRule, RULE_TRIGGERS } from "../../core/crm/automation-rule-input.js";
import {
  createLeadSource,
  getLeadSource,
  listLeadSources,
  updateLeadSource,
} from "../../core/marketplace/lead-source.service.js";
import { getMarketplaceSettings, updateMarketplaceSettings } from "../../core/marketplace/settings.service.js";
import { pageOf } from "../../core/paging.js";
import { requireAdmin, requireApiKey, scopeOf } from "./auth.js";
import { idParam, listResponse, pageQuery, reply, row } from "./route-kit.js";

const slugParam = z.object({ slug: z.string().max(60).describe("lead source slug, e.g. website") });
/** Bodies are validated by core (one schema, field-named 400s); the route only requires an object. */
const anyBody = z.record(z.string(), z.unknown());

/**
 * What operators run the platform with (issue 15): lead sources, the marketplace settings and
 * the automation rules. Lead sources and settings need an admin key; a contractor key manages
 * only its own automation rules.
 */
export function operatorRoutes(deps: CoreDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireApiKey(deps));

    app.get(
      "/lead-sources",
      {
        schema: {
          tags: ["marketplace"],
          summary: "List lead sources (slug, name, bidding_window_seconds, base_lead_cost, retired)",
          querystring: z.object({ ...pageQuery, include_retired: z.enum(["true", "false"]).optional() }),
          response: listResponse(row),
        },
      },
      async (req) =>
        pageOf(await listLeadSources(deps, { includeRetired: req.query.include_retired === "true" }), req.query),
    );

    app.get(
      "/lead-sources/:slug",
      { schema: { tags: ["marketplace"], summary: "One lead source", params: slugParam } },
      async (req, res) => reply(res, await getLeadSource(deps, req.params.slug)),
    );

    app.post(
      "/lead-sources",
      {
        schema: {
          tags: ["marketplace"],
          summary: "Add a lead source (admin): slug, name, bidding_window_seconds (0 < s < 7 days), base_lead_cost",
          body: anyBody,
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await createLeadSource(deps, req.body, apiKeyActor(scopeOf(req))), 201);
      },
    );

    app.put(
      "/lead-sources/:slug",
      {
        schema: {
          tags: ["marketplace"],
          summary:
            "Edit a lead source (admin): name, bidding_window_seconds, base_lead_cost, retired; from the next lead",
          params: slugParam,
          body: anyBody,
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await updateLeadSource(deps, req.params.slug, req.body, apiKeyActor(scopeOf(req))));
      },
    );

    app.delete(
      "/lead-sources/:slug",
      {
        schema: {
          tags: ["marketplace"],
          summary: "Retire a lead source (admin): it takes no new leads; restore with PUT retired=false",
          params: slugParam,
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await updateLeadSource(deps, req.params.slug, { retired: true }, apiKeyActor(scopeOf(req))));
      },
    );

    app.get(
      "/settings/marketplace",
      { schema: { tags: ["marketplace"], summary: "Marketplace settings in force and their defaults (admin)" } },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return getMarketplaceSettings(deps);
      },
    );

    app.put(
      "/settings/marketplace",
      {
        schema: {
          tags: ["marketplace"],
          summary:
            "Change marketplace settings (admin): response_window_seconds, window_warning_seconds, strikes_to_ban, " +
            "discount_table [{min_rating, multiplier}] ascending; applies from the next lead",
          body: anyBody,
        },
      },
      async (req, res) => {
        if (!requireAdmin(req, res)) return;
        return reply(res, await updateMarketplaceSettings(deps, req.body, apiKeyActor(scopeOf(req))));
      },
    );

    app.get(
      "/automation-rules",
      {
        schema: {
          tags: ["crm"],
          summary: "List automation rules (event → reminders/status) with the product defaults beside them",
          querystring: z.object({
            ...pageQuery,
            owner_id: z.uuid().optional().describe("an admin key: this owner's and the platform's rules"),
            trigger: z.enum(RULE_TRIGGERS).optional(),
          }),
          response: listResponse(row, { defaults: z.array(row) }),
        },
      },
      async (req) => listAutomationRules(deps, scopeOf(req), req.query),
    );

    app.get(
      "/automation-rules/:id",
      { schema: { tags: ["crm"], summary: "One automation rule", params: idParam } },
      async (req, res) => reply(res, await getAutomationRule(deps, scopeOf(req), req.params.id), 200, presentRule),
    );

    app.post(
      "/automation-rules",
      {
        schema: {
          tags: ["crm"],
          summary:
            "Add a rule: owner_id (admin; none = platform), name, trigger, conditions, actions " +
            '([{type:"reminder", offset:"2h"|"1d"|"24h"|"48h"|"7d", message}, {type:"move_status", to}, ' +
            '{type:"next_action", text, after_ms}]), is_active. A default\'s name overrides that default',
          body: anyBody,
        },
      },
      async (req, res) =>
        reply(res, await createAutomationRule(deps, scopeOf(req), req.body, apiKeyActor(scopeOf(req))), 201),
    );

    app.post(
      "/automation-rules/preview",
      {
        schema: {
          tags: ["crm"],
          summary: "What a draft rule would do: the reminders, status move and next action the event would create",
          body: anyBody,
        },
      },
      async (req, res) => reply(res, await previewAutomationRule(deps, scopeOf(req), req.body)),
    );

    app.put(
      "/automation-rules/:id",
      {
        schema: {
          tags: ["crm"],
          summary: "Edit a rule or switch it off (is_active=false); in force from the next event",
          params: idParam,
          body: anyBody,
        },
      },
      async (req, res) =>
        reply(res, await updateAutomationRule(deps, scopeOf(req), req.params.id, req.body, apiKeyActor(scopeOf(req)))),
    );
  };
}
