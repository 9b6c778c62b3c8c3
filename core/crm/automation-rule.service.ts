import type { AutomationRule, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { isAdmin, ownedBy, ownerFor, soleOwner } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type PageQuery, paginate } from "../paging.js";
import { transact } from "../service.js";
import { validate } from "../validation.js";
import {
  presentDefault,
  presentRule,
  RULE_TRIGGERS,
  ruleInputSchema,
  rulePreviewSchema,
  ruleUpdateSchema,
} from "./automation-rule-input.js";
import { type AutomationTrigger, DEFAULT_RULES, effectiveRules, planAutomations } from "./automations.js";

/** Rows a scope may see: an admin every row (or one owner's and the platform's), a contractor its own, a team its members'. */
function visibleWhere(scope: ApiScope, ownerId?: string | null): Prisma.AutomationRuleWhereInput {
  if (!isAdmin(scope)) return ownedBy(scope);
  if (ownerId === undefined) return {};
  return ownerId === null ? { owner_id: null } : { OR: [{ owner_id: ownerId }, { owner_id: null }] };
}

/**
 * The stored rules a scope may see, newest change first, with the product's defaults alongside
 * (a row with a default's name and trigger overrides or switches off that default).
 */
export async function listAutomationRules(
  deps: CoreDeps,
  scope: ApiScope,
  q: PageQuery & { owner_id?: string | null; trigger?: string },
) {
  const where: Prisma.AutomationRuleWhereInput = {
    ...visibleWhere(scope, q.owner_id),
    ...(q.trigger ? { trigger: q.trigger } : {}),
  };
  const page = await paginate(
    q,
    () => deps.prisma.automationRule.count({ where }),
    (w) =>
      deps.prisma.automationRule.findMany({
        where,
        orderBy: [{ trigger: "asc" }, { name: "asc" }, { owner_id: "asc" }, { id: "asc" }],
        ...w,
      }),
  );
  const defaults = DEFAULT_RULES.filter((d) => !q.trigger || d.trigger === q.trigger).map(presentDefault);
  return { ...page, data: page.data.map(presentRule), defaults };
}

/** One rule the scope may see. */
export async function getAutomationRule(deps: CoreDeps, scope: ApiScope, id: string): Promise<Result<AutomationRule>> {
  if (!isUuid(id)) return fail("NOT_FOUND", "automation rule not found");
  const row = await deps.prisma.automationRule.findFirst({ where: { id, ...visibleWhere(scope) } });
  return row ? ok(row) : fail("NOT_FOUND", "automation rule not found");
}

/** The owner a new rule gets: a contractor key's own id; a team's named member; an admin's choice (null = platform). */
async function ownerOf(deps: CoreDeps, scope: ApiScope, requested: string | null | undefined) {
  if (!isAdmin(scope)) {
    const owner = ownerFor(scope, requested);
    if (owner === null)
      return fail("FORBIDDEN", "owner_id: you can only make your own (or your team's) rules", [
        { field: "owner_id", message: soleOwner(scope) ? "must be your own id" : "must be a member of your team" },
      ]);
    if (soleOwner(scope) === owner) return ok(owner);
    requested = owner;
  }
  if (!requested) return ok(null);
  const user = await deps.prisma.user.findUnique({ where: { id: requested }, select: { role: true } });
  if (!user || (user.role !== "contractor" && user.role !== "marketer"))
    return fail("VALIDATION_FAILED", "owner_id is not a contractor or marketer", [
      { field: "owner_id", message: "is not a contractor or marketer" },
    ]);
  return ok(requested);
}

async function nameTaken(
  tx: Prisma.TransactionClient,
  r: { owner_id: string | null; trigger: string; name: string },
  exceptId?: string,
) {
  const same = await tx.automationRule.findFirst({
    where: { owner_id: r.owner_id, trigger: r.trigger, name: r.name, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  return same !== null;
}

/**
 * Add a rule for an owner (or the platform). A rule with a default's name and trigger replaces
 * that default for the owner; with `is_active: false` it switches it off. The events path reads
 * the rows with every event, so the rule is in force from the next event. Audited.
 */
export async function createAutomationRule(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor: AuditActor,
): Promise<Result<ReturnType<typeof presentRule>>> {
  const v = validate(ruleInputSchema, input);
  if (!v.ok) return v;
  const owner = await ownerOf(deps, scope, v.value.owner_id);
  if (!owner.ok) return owner;
  const d = { ...v.value, owner_id: owner.value };
  return transact(deps, async ({ tx, now }) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`rules:${d.owner_id ?? "platform"}`}))`;
    if (await nameTaken(tx, d))
      return fail("CONFLICT", `a rule "${d.name}" for ${d.trigger} already exists for this owner`, [
        { field: "name", message: "this owner already has a rule of this name for this event" },
      ]);
    const row = await tx.automationRule.create({
      data: {
        owner_id: d.owner_id,
        name: d.name,
        trigger: d.trigger,
        conditions: d.conditions as Prisma.InputJsonValue,
        actions: d.actions as Prisma.InputJsonValue,
        is_active: d.is_active,
        created_at: now,
        updated_at: now,
      },
    });
    const view = presentRule(row);
    await writeAudit(tx, {
      actor,
      action: "automation_rule.created",
      entityType: "automation_rule",
      entityId: row.id,
      after: view,
      at: now,
    });
    return ok(view);
  });
}

/**
 * Edit a rule, or switch it off/on (`is_active`). In force from the next event (the events
 * path compares the rows' exact text, so no cache holds the old rule). Audited with before/after.
 */
export async function updateAutomationRule(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
  actor: AuditActor,
): Promise<Result<ReturnType<typeof presentRule>>> {
  if (!isUuid(id)) return fail("NOT_FOUND", "automation rule not found");
  const v = validate(ruleUpdateSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  return transact(deps, async ({ tx, now }) => {
    const found = await tx.automationRule.findFirst({
      where: { id, ...visibleWhere(scope) },
      select: { owner_id: true },
    });
    if (!found) return fail("NOT_FOUND", "automation rule not found");
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`rules:${found.owner_id ?? "platform"}`}))`;
    const before = await tx.automationRule.findUniqueOrThrow({ where: { id } });
    const next = { owner_id: before.owner_id, trigger: d.trigger ?? before.trigger, name: d.name ?? before.name };
    if (await nameTaken(tx, next, id))
      return fail("CONFLICT", `a rule "${next.name}" for ${next.trigger} already exists for this owner`, [
        { field: "name", message: "this owner already has a rule of this name for this event" },
      ]);
    const row = await tx.automationRule.update({
      where: { id },
      data: {
        name: d.name,
        trigger: d.trigger,
        conditions: d.conditions as Prisma.InputJsonValue | undefined,
        actions: d.actions as Prisma.InputJsonValue | undefined,
        is_active: d.is_active,
        updated_at: now,
      },
    });
    const view = presentRule(row);
    const action =
      d.is_active === false && before.is_active
        ? "automation_rule.switched_off"
        : d.is_active === true && !before.is_active
          ? "automation_rule.switched_on"
          : "automation_rule.updated";
    await writeAudit(tx, {
      actor,
      action,
      entityType: "automation_rule",
      entityId: id,
      before: presentRule(before),
      after: view,
      at: now,
    });
    return ok(view);
  });
}

/** What a draft would do: the rules that fire for the event and the reminders, move and next action they make. */
export interface RulePreview {
  trigger: string;
  at: string;
  rules: string[];
  reminders: Array<{ type: string; scheduled_for: string; message: string }>;
  status_change: { to: string } | null;
  next_action: { text: string; date: string } | null;
}

/**
 * Preview a draft before saving: "this event would create these reminders". The draft is put
 * in place of the rule it edits (or beside the owner's rules) and the event is planned for a
 * sample customer at `now` with the same code the events path uses. Writes nothing.
 */
export async function previewAutomationRule(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
): Promise<Result<RulePreview>> {
  const v = validate(rulePreviewSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  const owner = await ownerOf(deps, scope, d.owner_id);
  if (!owner.ok) return owner;
  const trigger = d.trigger as AutomationTrigger;
  const rows = await deps.prisma.automationRule.findMany({
    where: {
      trigger,
      OR: [{ owner_id: null }, ...(owner.value ? [{ owner_id: owner.value }] : [])],
      ...(d.id && isUuid(d.id) ? { id: { not: d.id } } : {}),
    },
    orderBy: [{ created_at: "asc" }, { name: "asc" }],
  });
  const draft = {
    owner_id: owner.value ?? null,
    name: d.name,
    trigger,
    conditions: d.conditions,
    actions: d.actions,
    is_active: d.is_active,
  };
  // The draft goes last among rows of its kind (platform or owner), so it wins over a row of its name.
  const ordered = [...rows, draft as unknown as AutomationRule];
  const rules = effectiveRules(trigger, ordered, deps.log);
  const now = deps.clock.now();
  const plan = planAutomations(rules, d.customer, now);
  return ok({
    trigger,
    at: now.toISOString(),
    rules: plan.rules,
    reminders: plan.reminders.map((r) => ({
      type: r.type,
      scheduled_for: r.scheduled_for.toISOString(),
      message: r.message,
    })),
    status_change: plan.moveTo ? { to: plan.moveTo } : null,
    next_action: plan.nextAction ? { text: plan.nextAction.text, date: plan.nextAction.date.toISOString() } : null,
  });
}

export { RULE_TRIGGERS };
