import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { visibleUsers } from "../../core/accounts/visibility.js";
import { ERROR_CODES } from "../../core/errors.js";
import { isUuid } from "../../core/ids.js";
import {
  type BuilderRow,
  type BuilderState,
  blankRow,
  filterToState,
  MAX_ROWS,
  validateRows,
} from "../../core/segments/builder.js";
import { campaignRows, segmentRows } from "../../core/segments/campaign.query.js";
import { fieldCatalogue } from "../../core/segments/fields.js";
import { createSegment, deleteSegment, previewUnsaved, updateSegment } from "../../core/segments/segment.service.js";
import { actorOf } from "./audit.js";
import { render, renderError, renderPartial, wantsFragment } from "./render.js";
import { panelScope } from "./scope.js";
import { blastRoutes, blastTemplates } from "./segments.blast.js";
import { type FormBody, field, formOf } from "./template-forms.js";
import type { PanelDeps } from "./types.js";

const idParams = z.object({ id: z.string().max(64) });

interface BuilderView {
  id: string | null;
  name: string;
  owner_id: string;
  state: BuilderState;
  errors: Record<string, string>;
}

/** The builder's state from the form: `match`, `rows.<i>.field|op|value`. */
function stateOf(body: FormBody): BuilderState {
  const indexes = new Set<number>();
  for (const key of Object.keys(body)) {
    const m = /^rows\.(\d{1,2})\.(field|op|value)$/.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  const rows: BuilderRow[] = [...indexes]
    .sort((a, b) => a - b)
    .slice(0, MAX_ROWS)
    .map((i) => ({
      field: field(body, `rows.${i}.field`),
      op: field(body, `rows.${i}.op`),
      value: field(body, `rows.${i}.value`),
    }));
  return { match: field(body, "match") === "any" ? "any" : "all", rows };
}

/** Apply `add`, `remove:<i>` or `refresh` (a field changed: its operator list changes); null for anything else. */
function applyRowOp(state: BuilderState, op: string): BuilderState | null {
  const rows = [...state.rows];
  if (op === "add") {
    if (rows.length < MAX_ROWS) rows.push(blankRow());
  } else if (op.startsWith("remove:")) {
    const i = Number(op.slice("remove:".length));
    if (Number.isInteger(i) && i >= 0 && i < rows.length) rows.splice(i, 1);
  } else if (op !== "refresh" && op !== "preview") return null;
  return { ...state, rows };
}

/**
 * Segments and blasts: the query builder (rows of field / operator / value; add or remove a
 * row with htmx, or by resubmitting the form without JavaScript), a live count of matching
 * customers, save with inline errors (422), and the list of segments and campaigns.
 */
export function segmentRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  const catalogue = fieldCatalogue();

  const owners = (req: FastifyRequest) =>
    deps.prisma.user.findMany({
      where: { role: { in: ["contractor", "marketer"] }, ...visibleUsers(panelScope(req)) },
      orderBy: [{ company_name: "asc" }, { name: "asc" }],
      select: { id: true, name: true, company_name: true, role: true },
      take: 500,
    });

  /** How many customers the rows match (all owners when none is chosen), or the reason there is no count. */
  async function countOf(req: FastifyRequest, v: Pick<BuilderView, "owner_id" | "state">) {
    const checked = validateRows(v.state);
    if (!checked.ok) return { count: null, problems: Object.values(checked.errors) };
    const owner = isUuid(v.owner_id) ? v.owner_id : undefined;
    const r = await previewUnsaved(deps, panelScope(req), {
      filter: checked.filter,
      ...(owner ? { owner_id: owner } : {}),
    });
    return r.ok ? { count: r.value.count, problems: [] } : { count: null, problems: [r.message] };
  }

  /** Rows as the form will show them: a known field, an operator it supports, a value its select offers. */
  function normalised(state: BuilderState) {
    return state.rows.map((r) => {
      const def = catalogue.find((c) => c.field === r.field) ?? (catalogue[0] as (typeof catalogue)[number]);
      const op = def.ops.includes(r.op as never) ? r.op : (def.ops[0] ?? "=");
      let value = r.value;
      if (op === "is_null" || def.type === "boolean") value = value === "false" ? "false" : "true";
      else if (def.values && op !== "in" && !def.values.includes(value)) value = def.values[0] ?? "";
      return { field: def.field, op, value, def };
    });
  }

  async function show(req: FastifyRequest, reply: FastifyReply, given: BuilderView, status = 200, extra = {}) {
    const rows = normalised(given.state);
    const v = { ...given, state: { ...given.state, rows: rows.map(({ def: _, ...r }) => r) } };
    const data = {
      ...v,
      rows,
      catalogue,
      action: v.id ? `/admin/segments/${v.id}` : "/admin/segments",
      owners: await owners(req),
      counted: await countOf(req, v),
      ...extra,
    };
    if (wantsFragment(req)) return render(req, reply, "partials/segment-builder", data, { status });
    const title = `${v.name || "New segment"} — LeadRelay`;
    if (!v.id) return render(req, reply, "pages/segment", data, { status, title });
    const [campaigns, templates] = await Promise.all([
      campaignRows(deps.prisma, panelScope(req), { segmentId: v.id }),
      blastTemplates(deps, v.owner_id),
    ]);
    return render(req, reply, "pages/segment", { ...data, campaigns, templates }, { status, title });
  }

  async function submit(req: FastifyRequest, reply: FastifyReply, id: string | null) {
    const existing = id && isUuid(id) ? await deps.prisma.segment.findUnique({ where: { id } }) : null;
    if (id && !existing) return renderError(req, reply, 404, "NOT_FOUND", "There is no such segment.");
    const body = formOf(req.body);
    const v: BuilderView = {
      id,
      name: field(body, "name"),
      owner_id: existing?.owner_id ?? field(body, "owner_id"),
      state: stateOf(body),
      errors: {},
    };
    const op = field(body, "_op");
    const edited = op && op !== "save" ? applyRowOp(v.state, op) : null;
    if (edited) return show(req, reply, { ...v, state: edited });

    const errors: Record<string, string> = {};
    const name = v.name.trim();
    if (name === "") errors.name = "name must not be empty";
    else if (name.length > 100) errors.name = "name must be at most 100 characters";
    if (!existing && !isUuid(v.owner_id)) errors.owner_id = "choose whose customers this segment covers";
    const checked = validateRows(v.state);
    if (!checked.ok) Object.assign(errors, checked.errors);
    if (Object.keys(errors).length > 0 || !checked.ok) return show(req, reply, { ...v, errors }, 422);

    const result = existing
      ? await updateSegment(deps, panelScope(req), existing.id, { name, filter: checked.filter }, actorOf(req))
      : await createSegment(
          deps,
          panelScope(req),
          { name, filter: checked.filter, owner_id: v.owner_id },
          actorOf(req),
        );
    if (!result.ok) {
      const key = result.code === "CONFLICT" ? "name" : result.code === "NOT_FOUND" ? "owner_id" : "form";
      if (
        result.code === "CONFLICT" ||
        result.code === "VALIDATION_FAILED" ||
        (result.code === "NOT_FOUND" && !existing)
      )
        return show(req, reply, { ...v, errors: { [key]: result.message } }, 422);
      return renderError(req, reply, ERROR_CODES[result.code] ?? 400, result.code, result.message);
    }
    return reply.redirect(`/admin/segments/${result.value.id}?saved=1`, 303);
  }

  return async (app) => {
    app.get("/segments", async (req, reply) => {
      const [segments, campaigns] = await Promise.all([
        segmentRows(deps.prisma, panelScope(req)),
        campaignRows(deps.prisma, panelScope(req)),
      ]);
      return render(req, reply, "pages/segments", { segments, campaigns }, { title: "Segments — LeadRelay" });
    });

    app.get("/segments/new", async (req, reply) =>
      show(req, reply, { id: null, name: "", owner_id: "", state: { match: "all", rows: [blankRow()] }, errors: {} }),
    );

    app.get(
      "/segments/:id",
      {
        schema: {
          params: idParams,
          querystring: z.object({ saved: z.string().optional(), sent: z.string().optional() }),
        },
      },
      async (req, reply) => {
        const s = isUuid(req.params.id)
          ? await deps.prisma.segment.findFirst({ where: { id: req.params.id, deleted_at: null } })
          : null;
        if (!s) return renderError(req, reply, 404, "NOT_FOUND", "There is no such segment.");
        const state = filterToState(s.filter);
        const v = {
          id: s.id,
          name: s.name,
          owner_id: s.owner_id,
          state: state ?? { match: "all" as const, rows: [] },
          errors: {},
        };
        return show(req, reply, v, 200, {
          saved: req.query.saved !== undefined,
          sent: req.query.sent ?? null,
          nested: state === null ? JSON.stringify(s.filter, null, 2) : null,
        });
      },
    );

    app.post("/segments/preview", { config: { audit: false } }, async (req, reply) => {
      const body = formOf(req.body);
      const counted = await countOf(req, { owner_id: field(body, "owner_id"), state: stateOf(body) });
      return renderPartial(req, reply, "partials/segment-count", { counted });
    });

    app.post("/segments", async (req, reply) => submit(req, reply, null));
    app.post("/segments/:id", { schema: { params: idParams } }, async (req, reply) =>
      submit(req, reply, req.params.id),
    );

    // Soft delete: the segment leaves the lists (its campaigns keep their history); audited.
    app.post("/segments/:id/delete", async (req, reply) => {
      const { id } = req.params as { id: string };
      const r = await deleteSegment(deps, panelScope(req), id, actorOf(req));
      if (!r.ok) return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      if (req.headers["hx-request"] === "true") return reply.header("HX-Redirect", "/admin/segments").code(204).send();
      return reply.redirect("/admin/segments", 303);
    });

    await app.register(blastRoutes(deps));
  };
}
