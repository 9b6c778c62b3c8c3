import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createAutomationRule,
  getAutomationRule,
  listAutomationRules,
  previewAutomationRule,
  updateAutomationRule,
} from "../../core/crm/automation-rule.service.js";
import { offsetOf, REMINDER_OFFSETS, RULE_TRIGGERS } from "../../core/crm/automation-rule-input.js";
import { CANONICAL_STATUSES } from "../../core/crm/status-mapping.js";
import { ERROR_CODES } from "../../core/errors.js";
import { activeBody, toggleActive } from "./active-toggle.js";
import { actorOf } from "./audit.js";
import { render, renderError } from "./render.js";
import { panelScope } from "./scope.js";
import { errorsByField, type FormBody, field, formOf } from "./template-forms.js";
import type { PanelDeps } from "./types.js";

/** Rules change what happens to every customer of an owner (or all of them): admins only. */
const ADMIN_ONLY = { roles: ["admin"] as const };
const OFFSETS = Object.keys(REMINDER_OFFSETS);
const idParams = z.object({ id: z.string().max(64) });
const ownerQuery = z.object({ owner_id: z.string().max(64).optional() });

/** The rule form as typed: owner, name, trigger, a reminder per offset, a status move, a next action. */
interface RuleForm {
  owner_id: string;
  name: string;
  trigger: string;
  reminders: Record<string, { on: boolean; message: string }>;
  move_to: string;
  next_action: string;
  next_action_hours: string;
  active: boolean;
}

function formOfBody(b: FormBody): RuleForm {
  const reminders: RuleForm["reminders"] = {};
  for (const o of OFFSETS) reminders[o] = { on: field(b, `remind_${o}`) !== "", message: field(b, `message_${o}`) };
  return {
    owner_id: field(b, "owner_id").trim(),
    name: field(b, "name"),
    trigger: field(b, "trigger"),
    reminders,
    move_to: field(b, "move_to"),
    next_action: field(b, "next_action"),
    next_action_hours: field(b, "next_action_hours"),
    active: field(b, "active") !== "" && field(b, "active") !== "false",
  };
}

/** A stored rule (or default) in the form's shape, for the edit page and "switch off for this owner". */
function formOfRule(r: {
  owner_id?: string | null;
  name: string;
  trigger: string;
  actions: unknown;
  is_active?: boolean;
}) {
  const f: RuleForm = {
    owner_id: r.owner_id ?? "",
    name: r.name,
    trigger: r.trigger,
    reminders: Object.fromEntries(OFFSETS.map((o) => [o, { on: false, message: "" }])),
    move_to: "",
    next_action: "",
    next_action_hours: "",
    active: r.is_active ?? true,
  };
  for (const a of (Array.isArray(r.actions) ? r.actions : []) as Array<Record<string, unknown>>) {
    if (a.type === "reminder")
      f.reminders[offsetOf(String(a.reminder_type))] = { on: true, message: String(a.message ?? "") };
    if (a.type === "move_status") f.move_to = String(a.to);
    if (a.type === "next_action") {
      f.next_action = String(a.text);
      f.next_action_hours = String(Number(a.after_ms ?? 0) / 3_600_000);
    }
  }
  return f;
}

/** The form as core's rule input (actions in the API's shape; the hours of a next action as ms). */
function inputOf(f: RuleForm) {
  const actions: unknown[] = [];
  for (const o of OFFSETS) {
    const r = f.reminders[o];
    if (r?.on) actions.push({ type: "reminder", offset: o, message: r.message });
  }
  if (f.move_to) actions.push({ type: "move_status", to: f.move_to });
  if (f.next_action.trim()) {
    const hours = f.next_action_hours.trim() === "" ? 0 : Number(f.next_action_hours);
    actions.push({
      type: "next_action",
      text: f.next_action,
      after_ms: Number.isFinite(hours) ? Math.round(hours * 3_600_000) : f.next_action_hours,
    });
  }
  return { name: f.name, trigger: f.trigger, actions, is_active: f.active };
}

/** The preview request for a form (the draft replaces rule `id` when editing). */
function previewInput(f: RuleForm, id: string) {
  return {
    ...inputOf(f),
    ...(f.owner_id ? { owner_id: f.owner_id } : {}),
    ...(id ? { id } : {}),
    ...(f.name.trim() ? {} : { name: "draft" }),
  };
}

const blankForm = (ownerId: string): RuleForm =>
  formOfRule({ owner_id: ownerId, name: "", trigger: "NO_SHOW", actions: [] });

/**
 * Automation rules (seed 003): the stored event → reminder/status rules per owner beside the
 * product's defaults, a form to add or edit one with a live preview ("this event would create
 * these reminders") over htmx, and switching a rule — or a default, for one owner — off.
 */
export function automationRoutes(deps: PanelDeps): FastifyPluginAsyncZod {
  async function owners() {
    return deps.prisma.user.findMany({
      where: { role: { in: ["contractor", "marketer"] } },
      orderBy: [{ name: "asc" }, { id: "asc" }],
      select: { id: true, name: true, company_name: true, role: true },
      take: 500,
    });
  }

  async function listPage(
    req: FastifyRequest,
    reply: FastifyReply,
    ownerId: string,
    s: { form?: RuleForm; errors?: Record<string, string> } = {},
    status = 200,
  ) {
    const validOwner = /^[0-9a-f-]{36}$/i.test(ownerId) ? ownerId : "";
    const list = await listAutomationRules(deps, panelScope(req), {
      page: 1,
      per_page: 200,
      owner_id: validOwner ? validOwner : undefined,
    });
    const form = s.form ?? blankForm(validOwner);
    const preview = await previewAutomationRule(deps, panelScope(req), previewInput(form, ""));
    const data = {
      preview: preview.ok ? preview.value : null,
      ownerId: validOwner,
      owners: await owners(),
      rules: list.data,
      defaults: list.defaults,
      formOfRule,
      form,
      errors: s.errors ?? {},
      triggers: RULE_TRIGGERS,
      offsets: OFFSETS,
      statuses: CANONICAL_STATUSES,
      action: "/admin/automation-rules",
      ruleId: "",
    };
    return render(req, reply, "pages/automation-rules", data, { title: "Automation rules — LeadRelay", status });
  }

  async function editPage(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    s: { form?: RuleForm; errors?: Record<string, string> } = {},
    status = 200,
  ) {
    const found = await getAutomationRule(deps, panelScope(req), id);
    if (!found.ok) return renderError(req, reply, 404, found.code, "There is no such automation rule.");
    const form = s.form ?? formOfRule(found.value);
    const preview = await previewAutomationRule(deps, panelScope(req), previewInput(form, found.value.id));
    const data = {
      preview: preview.ok ? preview.value : null,
      rule: found.value,
      owners: await owners(),
      form,
      errors: s.errors ?? {},
      triggers: RULE_TRIGGERS,
      offsets: OFFSETS,
      statuses: CANONICAL_STATUSES,
      action: `/admin/automation-rules/${found.value.id}`,
      ruleId: found.value.id,
    };
    return render(req, reply, "pages/automation-rule", data, { title: `${found.value.name} — LeadRelay`, status });
  }

  return async (app) => {
    app.get("/automation-rules", { schema: { querystring: ownerQuery }, config: ADMIN_ONLY }, async (req, reply) =>
      listPage(req, reply, req.query.owner_id ?? ""),
    );

    app.get("/automation-rules/:id", { schema: { params: idParams }, config: ADMIN_ONLY }, async (req, reply) =>
      editPage(req, reply, req.params.id),
    );

    app.post("/automation-rules/preview", { config: { ...ADMIN_ONLY, audit: false } }, async (req, reply) => {
      const body = formOf(req.body);
      const form = formOfBody(body);
      const id = field(body, "rule_id");
      const r = await previewAutomationRule(deps, panelScope(req), previewInput(form, id));
      const data = { preview: r.ok ? r.value : null, errors: r.ok ? {} : errorsByField(r.details, r.message) };
      return render(req, reply, "partials/automation-preview", data, { fragment: true, status: r.ok ? 200 : 422 });
    });

    app.post("/automation-rules", { config: ADMIN_ONLY }, async (req, reply) => {
      const form = formOfBody(formOf(req.body));
      const input = { ...inputOf(form), owner_id: form.owner_id || null };
      const r = await createAutomationRule(deps, panelScope(req), input, actorOf(req));
      if (r.ok) return reply.redirect(`/admin/automation-rules?owner_id=${r.value.owner_id ?? ""}`, 303);
      if (r.code !== "VALIDATION_FAILED" && r.code !== "CONFLICT")
        return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      return listPage(req, reply, form.owner_id, { form, errors: errorsByField(r.details, r.message) }, 422);
    });

    app.post("/automation-rules/:id", { schema: { params: idParams }, config: ADMIN_ONLY }, async (req, reply) => {
      const form = formOfBody(formOf(req.body));
      const { name, trigger, actions, is_active } = inputOf(form);
      const r = await updateAutomationRule(
        deps,
        panelScope(req),
        req.params.id,
        { name, trigger, actions, is_active },
        actorOf(req),
      );
      if (r.ok) return reply.redirect(`/admin/automation-rules?owner_id=${r.value.owner_id ?? ""}`, 303);
      if (r.code !== "VALIDATION_FAILED" && r.code !== "CONFLICT")
        return renderError(req, reply, ERROR_CODES[r.code] ?? 400, r.code, r.message);
      return editPage(req, reply, req.params.id, { form, errors: errorsByField(r.details, r.message) }, 422);
    });

    app.post(
      "/automation-rules/:id/active",
      {
        schema: {
          params: idParams,
          body: activeBody,
        },
        config: ADMIN_ONLY,
      },
      async (req, reply) =>
        toggleActive(
          req,
          reply,
          req.body.active,
          (input) => updateAutomationRule(deps, panelScope(req), req.params.id, input, actorOf(req)),
          {
            redirect: (rule) => `/admin/automation-rules?owner_id=${rule.owner_id ?? ""}`,
            partial: "partials/automation-rule-row",
            locals: (rule) => ({ rule }),
          },
        ),
    );
  };
}
