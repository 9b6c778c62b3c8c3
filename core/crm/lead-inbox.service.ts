/**
 * The lead inbox (seed 002 "Sales > Leads"): new leads — customers with status `lead` — for
 * rapid qualification: a quick call (logged as an interaction), convert in one click, snooze.
 * A snoozed lead is out of the inbox until its `snoozed_until` passes on the clock, then comes
 * back by itself (no job needed: the list reads the column against `now`).
 */
import { z } from "zod";
import type { Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { isAdmin, narrowTo, ownedBy } from "../accounts/visibility.js";
import { type AuditActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { transact } from "../service.js";
import { createInteraction } from "./interaction.service.js";
import { lockOwnedCustomer, notFound } from "./owned.js";

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** The inbox's query string: an owner (admins), a page. */
export const inboxFilterSchema = z.object({
  owner: z.preprocess(blankToUndefined, z.guid("not an owner id").optional()),
  page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100_000).default(1)),
});
export type InboxFilter = z.output<typeof inboxFilterSchema>;

/** How long a lead can be snoozed for, in the panel's choices (1 hour … 1 week). */
export const SNOOZE_CHOICES_MS = {
  "1h": 3_600_000,
  "4h": 4 * 3_600_000,
  "1d": 86_400_000,
  "3d": 3 * 86_400_000,
  "1w": 7 * 86_400_000,
} as const;
export type SnoozeChoice = keyof typeof SNOOZE_CHOICES_MS;

const PER_PAGE = 25;

/** The leads in a scope's inbox at `now`: status lead, not snoozed past `now`. */
function inboxWhere(scope: ApiScope, now: Date): Prisma.CustomerWhereInput {
  return {
    ...ownedBy(scope),
    status: "lead",
    OR: [{ snoozed_until: null }, { snoozed_until: { lte: now } }],
  };
}

/**
 * How many leads wait in a scope's inbox (the navigation's badge): one indexed count
 * (customers by owner and status).
 */
export function inboxCount(db: Db, scope: ApiScope, now: Date): Promise<number> {
  return db.customer.count({ where: inboxWhere(scope, now) });
}

/**
 * One page of the inbox, newest lead first, with the owner's name, source and phone. An admin
 * may narrow to one owner; naming an owner the scope may not see gives an empty page.
 */
export async function leadInbox(deps: CoreDeps, scope: ApiScope, f: InboxFilter) {
  const now = deps.clock.now();
  const narrowed = narrowTo(scope, f.owner);
  const where = narrowed ? inboxWhere(narrowed, now) : { id: "00000000-0000-0000-0000-000000000000" };
  const [total, rows, snoozed, owners] = await Promise.all([
    deps.prisma.customer.count({ where }),
    deps.prisma.customer.findMany({
      where,
      orderBy: [{ created_at: "desc" }, { id: "asc" }],
      skip: (f.page - 1) * PER_PAGE,
      take: PER_PAGE,
      select: {
        id: true,
        name: true,
        phone: true,
        email: true,
        lead_source: true,
        property_city: true,
        created_at: true,
        last_contacted_at: true,
        opted_out_at: true,
        owner: { select: { id: true, name: true } },
      },
    }),
    narrowed
      ? deps.prisma.customer.count({ where: { ...ownedBy(narrowed), status: "lead", snoozed_until: { gt: now } } })
      : Promise.resolve(0),
    isAdmin(scope)
      ? deps.prisma.user.findMany({
          where: { role: { in: ["contractor", "marketer"] } },
          select: { id: true, name: true },
          orderBy: [{ name: "asc" }, { id: "asc" }],
          take: 500,
        })
      : Promise.resolve([]),
  ]);
  return {
    rows,
    total,
    snoozed,
    owners,
    page: f.page,
    perPage: PER_PAGE,
    pages: Math.max(1, Math.ceil(total / PER_PAGE)),
  };
}

/**
 * The quick call: a completed outbound call is logged on the lead (it counts as contact and
 * activity). The dialling itself happens on the person's phone (a `tel:` link).
 */
export function logInboxCall(deps: CoreDeps, scope: ApiScope, customerId: string, actor?: AuditActor) {
  return createInteraction(
    deps,
    scope,
    { customer_id: customerId, type: "call", direction: "outbound", content: "Called from the lead inbox" },
    actor,
  );
}

/**
 * Snooze a lead out of the inbox for one of the SNOOZE_CHOICES_MS: it returns when the time
 * passes. Only a lead can be snoozed (a converted customer is not in the inbox). Audited.
 */
export async function snoozeLead(
  deps: CoreDeps,
  scope: ApiScope,
  customerId: string,
  choice: string,
  actor?: AuditActor,
): Promise<Result<{ id: string; snoozed_until: Date }>> {
  if (!Object.hasOwn(SNOOZE_CHOICES_MS, choice)) {
    return fail("VALIDATION_FAILED", `snooze for one of ${Object.keys(SNOOZE_CHOICES_MS).join(", ")}`, [
      { field: "for" },
    ]);
  }
  const forMs = SNOOZE_CHOICES_MS[choice as SnoozeChoice];
  return transact(deps, async (c) => {
    const customer = await lockOwnedCustomer(c.tx, scope, customerId);
    if (!customer) return notFound("customer");
    if (customer.status !== "lead") return fail("VALIDATION_FAILED", "only a lead can be snoozed", [{ field: "id" }]);
    const until = new Date(c.now.getTime() + forMs);
    await c.tx.customer.update({ where: { id: customer.id }, data: { snoozed_until: until, updated_at: c.now } });
    if (actor) {
      await writeAudit(c.tx, {
        actor,
        action: "customer.snoozed",
        entityType: "customer",
        entityId: customer.id,
        before: { snoozed_until: customer.snoozed_until },
        after: { snoozed_until: until },
        at: c.now,
      });
    }
    return ok({ id: customer.id, snoozed_until: until });
  });
}
