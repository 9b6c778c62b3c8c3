import { z } from "zod";
import type { CustomerInteraction, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { actingUserId, ownedBy } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { type PageQuery, paginate } from "../paging.js";
import { transact } from "../service.js";
import { isoDateTime, validate } from "../validation.js";
import { lockOwnedCustomer, notFound, ownedCustomer } from "./owned.js";
import { touchCustomer } from "./status-change.js";

const fields = {
  type: z.enum(["call", "email", "sms", "meeting", "note", "reminder"]),
  direction: z.enum(["inbound", "outbound"]).nullable(),
  content: z.string().max(20_000),
  notes: z.string().max(20_000).describe("seed 002's name for content"),
  scheduled_for: isoDateTime().nullable(),
  completed: z.boolean(),
};

export const interactionCreateSchema = z
  .object({
    customer_id: z.string(),
    type: fields.type,
    direction: fields.direction.optional(),
    content: fields.content.optional(),
    notes: fields.notes.optional(),
    scheduled_for: fields.scheduled_for.optional(),
    completed: fields.completed.optional(),
  })
  .strict();

export const interactionUpdateSchema = z
  .object(
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]>;
    },
  )
  .strict();

/**
 * Log an interaction (call, e-mail, SMS, meeting, note; inbound or outbound) on a customer.
 * It counts as the customer's activity (the 7-day inactivity rule reads it); a past outbound
 * contact also sets `last_contacted_at`. A future `scheduled_for` is a planned one, open until
 * completed (it shows in "upcoming"). Audited when an `actor` (panel, API) is named. With a
 * `sourceKey` (what logged it: a chat button under one message) it is logged once: a second
 * call with the same key returns the first interaction, marked `replayed`, and writes nothing.
 */
export async function createInteraction(
  deps: CoreDeps,
  scope: ApiScope,
  input: unknown,
  actor?: AuditActor,
  opts: { sourceKey?: string } = {},
): Promise<Result<CustomerInteraction & { replayed?: true }>> {
  const v = validate(interactionCreateSchema, input);
  if (!v.ok) return v;
  const d = v.value;
  const sourceKey = opts.sourceKey?.slice(0, 200);
  return transact(deps, async (c) => {
    // With a source key the customer row is locked, so two presses of one button run in turn.
    const customer = sourceKey
      ? await lockOwnedCustomer(c.tx, scope, d.customer_id)
      : await ownedCustomer(c.tx, scope, d.customer_id);
    if (!customer) return notFound("customer");
    if (sourceKey) {
      const earlier = await c.tx.customerInteraction.findFirst({
        where: { owner_id: customer.owner_id, source_key: sourceKey },
      });
      if (earlier) return ok({ ...earlier, replayed: true as const });
    }
    const scheduled = d.scheduled_for ? new Date(d.scheduled_for) : null;
    const completed = d.completed ?? !(scheduled && scheduled > c.now);
    const interaction = await c.tx.customerInteraction.create({
      data: {
        customer_id: customer.id,
        owner_id: customer.owner_id,
        created_by: actingUserId(scope),
        type: d.type,
        direction: d.direction ?? null,
        content: d.content ?? d.notes ?? "",
        scheduled_for: scheduled,
        completed,
        source_key: sourceKey ?? null,
        created_at: c.now,
        updated_at: c.now,
      },
    });
    const contacted = completed && d.direction === "outbound" && d.type !== "note";
    await touchCustomer(c, customer, contacted ? { last_contacted_at: c.now } : {});
    if (actor) {
      const after = { customer_id: customer.id, type: interaction.type, direction: interaction.direction };
      await writeAudit(c.tx, {
        actor,
        action: "interaction.created",
        entityType: "customer_interaction",
        entityId: interaction.id,
        after,
        at: c.now,
      });
    }
    return ok(interaction);
  });
}

async function ownedInteraction(db: Prisma.TransactionClient, scope: ApiScope, id: string) {
  if (!isUuid(id)) return null;
  return db.customerInteraction.findFirst({ where: { id, ...ownedBy(scope) } });
}

/** Edit an interaction (content, type, direction, time, completed). */
export async function updateInteraction(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  input: unknown,
): Promise<Result<CustomerInteraction>> {
  const v = validate(interactionUpdateSchema, input);
  if (!v.ok) return v;
  const { notes, content, scheduled_for, ...rest } = v.value;
  return transact(deps, async ({ tx, now }) => {
    const existing = await ownedInteraction(tx, scope, id);
    if (!existing) return notFound("interaction");
    const data: Prisma.CustomerInteractionUncheckedUpdateInput = { ...rest, updated_at: now };
    if (content !== undefined || notes !== undefined) data.content = content ?? notes;
    if (scheduled_for !== undefined) data.scheduled_for = scheduled_for ? new Date(scheduled_for) : null;
    return ok(await tx.customerInteraction.update({ where: { id: existing.id }, data }));
  });
}

/** Delete an interaction. */
export async function deleteInteraction(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
): Promise<Result<{ id: string; deleted: true }>> {
  return transact(deps, async ({ tx }) => {
    const existing = await ownedInteraction(tx, scope, id);
    if (!existing) return notFound("interaction");
    await tx.customerInteraction.delete({ where: { id: existing.id } });
    return ok({ id: existing.id, deleted: true as const });
  });
}

/** A customer's interactions, newest first (the Kundekort timeline). */
export async function listCustomerInteractions(deps: CoreDeps, scope: ApiScope, customerId: string, page: PageQuery) {
  const customer = await ownedCustomer(deps.prisma, scope, customerId);
  if (!customer) return notFound("customer");
  const where = { customer_id: customer.id };
  return ok(
    await paginate(
      page,
      () => deps.prisma.customerInteraction.count({ where }),
      (w) =>
        deps.prisma.customerInteraction.findMany({ where, orderBy: [{ created_at: "desc" }, { id: "asc" }], ...w }),
    ),
  );
}

/** Planned interactions still to come (scheduled in the future, not completed), soonest first. */
export async function upcomingInteractions(deps: CoreDeps, scope: ApiScope, page: PageQuery) {
  const now = deps.clock.now();
  const where = { ...ownedBy(scope), completed: false, scheduled_for: { gt: now } };
  return paginate(
    page,
    () => deps.prisma.customerInteraction.count({ where }),
    (w) =>
      deps.prisma.customerInteraction.findMany({
        where,
        orderBy: [{ scheduled_for: "asc" }, { id: "asc" }],
        include: { customer: { select: { id: true, name: true, phone: true, email: true } } },
        ...w,
      }),
  );
}
