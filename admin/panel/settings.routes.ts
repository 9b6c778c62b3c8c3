import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ERROR_CODES, type Failure } from "../../core/errors.js";
import {
  createLeadSource,
  getLeadSource,
  type LeadSourceView,
  listLeadSources,
  updateLeadSource,
} from "../../core/marketplace/lead-source.service.js";
import { getMarketplaceSettings, updateMarketplaceSettings } from "../../core/marketplace/settings.service.js";
import { actorOf } from "./audit.js";
import { render, renderError, wantsFragment } from "./render.js";
import { errorsByField, type FormBody, field, formOf } from "./template-forms.js";
import type { PanelDeps } from "./types.js";

/** Settings change how the whole platform charges and strikes: admins only. */
const ADMIN_ONLY = { roles: ["admin"] as const };
const slugParams = z.object({ slug: z.string().max(60) });
const DISCOUNT_ROWS = 6;

/** A number typed into a form as a number (so core can say "must be 1–100"); anything else as typed. */
function num(raw: string): number | string | undefined {
  const s = raw.trim();
  if (s === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
}

/** "2h 30m" for 9000 seconds: windows read at a glance beside the number. */
export function humanSeconds(total: number): string {
  const parts: string[] = [];
  let s = total;
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join(" ") || "0s";
}

function sourceForm(b: FormBody) {
  return {
    slug: field(b, "slug").trim(),
    name: field(b, "name"),
    bidding_window_seconds: field(b, "bidding_window_seconds"),
    base_lead_cost: field(b, "base_lead_cost"),
  };
}

function sourceInput(f: ReturnType<typeof sourceForm>, withSlug: boolean) {
  return {
    ...(withSlug ? { slug: f.slug } : {}),
    name: f.name,
    bidding_window_seconds: num(f.bidding_window_seconds),
    base_lead_cost: f.base_lead_cost.trim(),
  };
}

/** The marketplace form as typed: the three numbers and the discount rows (blank rows dropped). */
function settingsForm(b: FormBody) {
  const rows = Array.from({ length: DISCOUNT_ROWS }, (_, i) => ({
    min_rating: field(b, `discount.${i}.min_rating`),
    multiplier: field(b, `discount.${i}.multiplier`),
  }));
  return {
    response_window_seconds: field(b, "response_window_seconds"),
    window_warning_seconds: field(b, "window_warning_seconds"),
    strikes_to_ban: field(b, "strikes_to_ban"),
    rows,
  };
}

function settingsInput(f: ReturnType<typeof settingsForm>) {
  return {
    response_window_seconds: num(f.response_window_seconds),
    window_warning_seconds: num(f.window_warning_seconds),
    strikes_to_ban: num(f.strikes_to_ban),
    discount_table: f.rows
      .filter((r) => r.min_rating.trim() !== "" || r.multiplier.trim() !== "")
      .map((r) => ({ min_rating: num(r.min_rating) ?? "", multiplier: num(r.multiplier) ?? "" })),
  };
}

/**
 * Settings (admins): the lead sources table — add, edit and retire inline with htmx, plain
 * forms without JavaScript — and the marketplace settings form (response window, warning,
 * strikes to ban, the rating discount table). Each change is one audited core call; a change
 * applies from the next lead.
 */
export function settingsRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  async function settingsData() {
    const s = await getMarketplaceSettings(deps);
    const rows = Array.from({ length: DISCOUNT_ROWS }, (_, i) => ({
      min_rating: s.discount_table[i] ? String(s.discount_table[i]?.min_rating) : "",
      multiplier: s.discount_table[i] ? String(s.discount_table[i]?.multiplier) : "",
    }));
    return {
      form: {
        response_window_seconds: String(s.response_window_seconds),
        window_warning_seconds: String(s.window_warning_seconds),
        strikes_to_ban: String(s.strikes_to_ban),
        rows,
      },
      defaults: s.defaults,
    };
  }

  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    over: { sources?: object; market?: object } = {},
    status = 200,
  ) {
    const sources = await listLeadSources(deps, { includeRetired: true });
    const data = {
      sourcesSection: { sources, newForm: null, errors: {}, human: humanSeconds, ...over.sources },
      market: { ...(await settingsData()), errors: {}, saved: false, human: humanSeconds, ...over.market },
    };
    return render(req, reply, "pages/settings", data, { title: "Settings — LeadRelay", status });
  }

  const refusal = (r: Failure) => errorsByField(r.details, r.message);

  function row(req: FastifyRequest, reply: FastifyReply, source: LeadSourceView, extra: object = {}, status = 200) {
    return render(
      req,
      reply,
      "partials/lead-source-row",
      { source, editing: false, errors: {}, human: humanSeconds, ...extra },
      { fragment: true, status },
    );
  }

  return async (app) => {
    app.get(
      "/settings",
      { schema: { querystring: z.object({ saved: z.string().max(5).optional() }) }, config: ADMIN_ONLY },
      async (req, reply) => page(req, reply, req.query.saved ? { market: { saved: true } } : {}),
    );

    app.post("/settings/lead-sources", { config: ADMIN_ONLY }, async (req, reply) => {
      const form = sourceForm(formOf(req.body));
      const r = await createLeadSource(deps, sourceInput(form, true), actorOf(req));
      if (!r.ok && r.code !== "VALIDATION_FAILED" && r.code !== "CONFLICT")
        return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      const over = r.ok ? {} : { newForm: form, errors: refusal(r) };
      const status = r.ok ? 200 : r.code === "CONFLICT" ? 409 : 422;
      if (!wantsFragment(req)) {
        if (r.ok) return reply.redirect("/admin/settings", 303);
        return page(req, reply, { sources: over }, status);
      }
      const sources = await listLeadSources(deps, { includeRetired: true });
      return render(
        req,
        reply,
        "partials/lead-sources",
        { sources, newForm: null, errors: {}, human: humanSeconds, ...over },
        { fragment: true, status },
      );
    });

    app.get(
      "/settings/lead-sources/:slug",
      { schema: { params: slugParams }, config: ADMIN_ONLY },
      async (req, reply) => {
        const r = await getLeadSource(deps, req.params.slug);
        if (!r.ok) return renderError(req, reply, 404, r.code, "There is no such lead source.");
        if (!wantsFragment(req)) return reply.redirect("/admin/settings", 303);
        return row(req, reply, r.value);
      },
    );

    app.get(
      "/settings/lead-sources/:slug/edit",
      { schema: { params: slugParams }, config: ADMIN_ONLY },
      async (req, reply) => {
        const r = await getLeadSource(deps, req.params.slug);
        if (!r.ok) return renderError(req, reply, 404, r.code, "There is no such lead source.");
        return row(req, reply, r.value, { editing: true });
      },
    );

    app.post(
      "/settings/lead-sources/:slug",
      { schema: { params: slugParams }, config: ADMIN_ONLY },
      async (req, reply) => {
        const form = sourceForm(formOf(req.body));
        const r = await updateLeadSource(deps, req.params.slug, sourceInput(form, false), actorOf(req));
        if (r.ok) return wantsFragment(req) ? row(req, reply, r.value) : reply.redirect("/admin/settings", 303);
        if (r.code !== "VALIDATION_FAILED")
          return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
        const current = await getLeadSource(deps, req.params.slug);
        if (!current.ok) return renderError(req, reply, 404, current.code, "There is no such lead source.");
        const edited = {
          ...current.value,
          name: form.name,
          bidding_window_seconds: form.bidding_window_seconds,
          base_lead_cost: form.base_lead_cost,
        };
        if (!wantsFragment(req)) return renderError(req, reply, 422, r.code, r.message);
        return row(req, reply, edited as unknown as LeadSourceView, { editing: true, errors: refusal(r) }, 422);
      },
    );

    app.post(
      "/settings/lead-sources/:slug/retire",
      {
        schema: {
          params: slugParams,
          body: z.object({ retired: z.enum(["true", "false"]), _csrf: z.string().optional() }),
        },
        config: ADMIN_ONLY,
      },
      async (req, reply) => {
        const r = await updateLeadSource(deps, req.params.slug, { retired: req.body.retired === "true" }, actorOf(req));
        if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
        return wantsFragment(req) ? row(req, reply, r.value) : reply.redirect("/admin/settings", 303);
      },
    );

    app.post("/settings/marketplace", { config: ADMIN_ONLY }, async (req, reply) => {
      const form = settingsForm(formOf(req.body));
      const r = await updateMarketplaceSettings(deps, settingsInput(form), actorOf(req));
      if (!r.ok && r.code !== "VALIDATION_FAILED")
        return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      const market = r.ok
        ? { ...(await settingsData()), errors: {}, saved: true, human: humanSeconds }
        : { form, defaults: (await settingsData()).defaults, errors: refusal(r), saved: false, human: humanSeconds };
      const status = r.ok ? 200 : 422;
      if (!wantsFragment(req)) {
        if (r.ok) return reply.redirect("/admin/settings?saved=1", 303);
        return page(req, reply, { market }, status);
      }
      return render(req, reply, "partials/marketplace-settings", market, { fragment: true, status });
    });
  };
}
