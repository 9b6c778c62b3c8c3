import type { EventLog, Prisma, Reminder } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { Engine } from "../ai/llm-gateway.js";
import { phraseActions } from "../ai/nba-phrasing.js";
import type { CoreDeps } from "../context.js";
import { INACTIVITY_AFTER_MS } from "../crm/reminder-rules.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";
import { type NbaInput, type NextBestAction, nextBestActions } from "./rules.js";

const DAY = 86_400_000;
/** Events older than this do not steer the next best action. */
const EVENT_LOOKBACK_MS = 14 * DAY;
const CANDIDATES_PER_REASON = 200;

type Facts = { reminders: Reminder[]; events: Pick<EventLog, "event_name" | "timestamp">[] };

/** Open reminders and recent events of some customers, in two queries. */
async function factsFor(db: Prisma.TransactionClient | CoreDeps["prisma"], ids: string[], now: Date) {
  const [reminders, events] = await Promise.all([
    db.reminder.findMany({ where: { customer_id: { in: ids }, completed: false } }),
    db.eventLog.findMany({
      where: { customer_id: { in: ids }, timestamp: { gte: new Date(now.getTime() - EVENT_LOOKBACK_MS) } },
      select: { customer_id: true, event_name: true, timestamp: true },
    }),
  ]);
  const by = new Map<string, Facts>(ids.map((id) => [id, { reminders: [], events: [] }]));
  for (const r of reminders) if (r.customer_id) by.get(r.customer_id)?.reminders.push(r);
  for (const e of events) if (e.customer_id) by.get(e.customer_id)?.events.push(e);
  return by;
}

const actionsOf = (c: NbaInput["customer"], f: Facts | undefined, now: Date) =>
  nextBestActions({ customer: c, reminders: f?.reminders ?? [], events: f?.events ?? [], now });

/** The customer columns the rules read (plus id): candidates are fetched with these only. */
const RULE_FIELDS = {
  id: true,
  name: true,
  status: true,
  pipeline_status: true,
  opted_out_at: true,
  last_activity_at: true,
  stage_entered_at: true,
  next_action: true,
  next_action_date: true,
} as const satisfies Prisma.CustomerSelect;

/**
 * The next best actions for one of the scope's customers (NOT_FOUND for anyone else's). The
 * rules decide what; with a model configured each action may carry a drafted `message`, and
 * `engine` says which answered ("llm" only when the model phrased them).
 */
export async function nbaForCustomer(
  deps: CoreDeps,
  scope: ApiScope,
  customerId: string,
): Promise<Result<{ customer_id: string; engine: Engine; actions: NextBestAction[]; generated_at: string }>> {
  const customer = isUuid(customerId)
    ? await deps.prisma.customer.findFirst({ where: { id: customerId, ...ownedBy(scope) } })
    : null;
  if (!customer) return fail("NOT_FOUND", "customer not found");
  const now = deps.clock.now();
  const facts = await factsFor(deps.prisma, [customer.id], now);
  // The rules decide what; with a model configured it phrases each action as a draft (core/ai).
  const phrased = await phraseActions(deps, customer, actionsOf(customer, facts.get(customer.id), now));
  return ok({ customer_id: customer.id, ...phrased, generated_at: now.toISOString() });
}

/**
 * The scope's most urgent customers with their top action (the dashboard NBA panel and the
 * morning nudge): candidates are customers with due reminders, overdue next actions, recent
 * events or 7 days of silence; opted-out and churned customers are left out.
 */
export async function nbaOverview(deps: CoreDeps, scope: ApiScope, limit: number) {
  const now = deps.clock.now();
  const own = ownedBy(scope);
  const live = { ...own, opted_out_at: null, status: { not: "churned" as const } };
  // Each list already carries what the rules need, so no second read of the customers.
  const pick = { select: RULE_FIELDS, take: CANDIDATES_PER_REASON } as const;
  const lists = await Promise.all([
    deps.prisma.customer.findMany({
      where: { ...live, reminders: { some: { completed: false, scheduled_for: { lte: now } } } },
      ...pick,
    }),
    deps.prisma.customer.findMany({ where: { ...live, next_action_date: { lte: now } }, ...pick }),
    deps.prisma.customer.findMany({
      where: { ...live, events: { some: { timestamp: { gte: new Date(now.getTime() - 3 * DAY) } } } },
      ...pick,
    }),
    deps.prisma.customer.findMany({
      where: { ...live, last_activity_at: { lte: new Date(now.getTime() - INACTIVITY_AFTER_MS) } },
      orderBy: { last_activity_at: "asc" },
      ...pick,
    }),
  ]);
  const customers = [...new Map(lists.flat().map((c) => [c.id, c])).values()];
  const facts = await factsFor(
    deps.prisma,
    customers.map((c) => c.id),
    now,
  );
  const data = customers
    .map((c) => {
      const actions = actionsOf(c, facts.get(c.id), now);
      return { customer: { id: c.id, name: c.name, pipeline_status: c.pipeline_status }, top: actions[0], actions };
    })
    .sort((a, b) => (b.top?.priority ?? 0) - (a.top?.priority ?? 0) || a.customer.name.localeCompare(b.customer.name))
    .slice(0, limit);
  return { engine: "rules" as const, data, generated_at: now.toISOString() };
}

/**
 * Analyse customers now and keep the result as `suggestions` (kind "nba"), replacing their
 * previous open NBA suggestions, so the chat and the panel show the same advice. Rules today;
 * the LLM engine plugs in behind the same call later.
 */
export async function analyzeNba(
  deps: CoreDeps,
  scope: ApiScope,
  customerIds: string[],
): Promise<Result<{ engine: "rules"; results: Array<{ customer_id: string; actions: NextBestAction[] }> }>> {
  const ids = [...new Set(customerIds)];
  if (ids.some((id) => !isUuid(id))) return fail("NOT_FOUND", "customer not found");
  return transact(deps, async ({ tx, now }) => {
    const customers = await tx.customer.findMany({ where: { id: { in: ids }, ...ownedBy(scope) } });
    if (customers.length !== ids.length) return fail("NOT_FOUND", "customer not found");
    const facts = await factsFor(tx, ids, now);
    const results = customers.map((c) => ({
      customer_id: c.id,
      owner_id: c.owner_id,
      actions: actionsOf(c, facts.get(c.id), now),
    }));
    await tx.suggestion.updateMany({
      where: { customer_id: { in: ids }, kind: "nba", dismissed_at: null },
      data: { dismissed_at: now },
    });
    await tx.suggestion.createMany({
      data: results.flatMap((r) =>
        r.actions.map((a) => ({
          owner_id: r.owner_id,
          customer_id: r.customer_id,
          kind: "nba",
          text: a.label,
          payload: { ...a, engine: "rules" },
          created_at: now,
        })),
      ),
    });
    return ok({ engine: "rules" as const, results: results.map(({ owner_id: _o, ...r }) => r) });
  });
}
