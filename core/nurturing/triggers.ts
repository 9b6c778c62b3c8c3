/**
 * What starts nurturing on its own: a new opportunity (by its type) and a stale estimate
 * (a deal in the "Sent" stage for more than 3 days with no activity). For the CRM and ops
 * code to call; both are safe to call again.
 */
import type { Prisma } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { staleEstimateWhere } from "../crm/deal-rules.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { sendCustomerMessage } from "../messaging/customer-message.js";
import { renderHtml, renderText } from "../messaging/templates.js";
import { opportunityForStaleDeal } from "../service/opportunity-insert.js";
import { transact } from "../service.js";
import { createTrackedLink, linkTarget, messageVars } from "./reach.js";
import { enroll, SYSTEM_SCOPE } from "./sequence.service.js";

/** The message template of the stale-estimate e-mail (seeded in English and Danish). */
export const STALE_ESTIMATE_TEMPLATE = "stale_estimate_nurture";

/**
 * A new opportunity enrols its customer in the active template whose `trigger_type` is the
 * opportunity type (the owner's own template first, else the platform's). Nothing happens —
 * successfully — when the opportunity has no customer yet, no template fits, or the customer
 * already runs that template; an opportunity is nurtured once (a second call is a no-op); an
 * opted-out customer is not enrolled either.
 */
export async function enrollForOpportunity(
  deps: CoreDeps,
  opportunityId: string,
): Promise<Result<{ sequenceId: string | null; reason?: string }>> {
  const opp = isUuid(opportunityId) ? await deps.prisma.opportunity.findUnique({ where: { id: opportunityId } }) : null;
  if (!opp) return fail("NOT_FOUND", "opportunity not found");
  if (!opp.customer_id) return ok({ sequenceId: null, reason: "the opportunity has no customer" });
  const earlier = await deps.prisma.nurturingSequence.findFirst({
    where: { opportunity_id: opp.id },
    select: { id: true },
  });
  if (earlier) return ok({ sequenceId: null, reason: "the opportunity is already nurtured" });
  const r = await enroll(
    deps,
    { customerId: opp.customer_id, triggerType: opp.opportunity_type, opportunityId: opp.id },
    SYSTEM_SCOPE,
  );
  if (r.ok) return ok({ sequenceId: r.value.id });
  if (r.code === "NOT_FOUND" && r.message.startsWith("no active sequence template"))
    return ok({ sequenceId: null, reason: r.message });
  if (r.code === "SEQUENCE_ALREADY_ACTIVE" || r.code === "CUSTOMER_OPTED_OUT")
    return ok({ sequenceId: null, reason: r.message });
  return r;
}

/**
 * Stale estimates not nurtured yet: the one stale-estimate rule (core/crm/deal-rules.ts), plus
 * `nurtured_at` unset so each deal is nurtured once.
 */
function dueStaleEstimateWhere(now: Date): Prisma.DealWhereInput {
  return { ...staleEstimateWhere(now), nurtured_at: null };
}

/**
 * Send one "stale estimate" e-mail for each deal that sat in "Sent" for more than 3 days with
 * no activity (isStaleEstimate) and was not nurtured yet. `deals.nurtured_at` is claimed with a conditional
 * update, so a deal is nurtured once however often this runs. Uses the owner's
 * `stale_estimate_nurture` template (else the platform's) in the customer's language; goes
 * through the one customer-message path (core/messaging/customer-message.ts) like every other
 * customer message: on e-mail, or on the customer's best channel when they have no e-mail,
 * deferred out of their quiet hours. Opted-out or unreachable customers are marked nurtured,
 * get nothing and count as skipped.
 */
export async function nurtureStaleEstimates(
  deps: CoreDeps,
  limit = 200,
): Promise<{ nurtured: number; skipped: number }> {
  const due = await deps.prisma.deal.findMany({
    where: dueStaleEstimateWhere(deps.clock.now()),
    orderBy: { stage_entered_at: "asc" },
    select: { id: true },
    take: limit,
  });
  if (due.length === 0) return { nurtured: 0, skipped: 0 };
  if ((await deps.prisma.messageTemplate.count({ where: { key: STALE_ESTIMATE_TEMPLATE, is_active: true } })) === 0) {
    // Leave the deals unclaimed: they are nurtured as soon as the template exists again.
    deps.log.warn(`no active "${STALE_ESTIMATE_TEMPLATE}" message template: ${due.length} stale estimate(s) wait`);
    return { nurtured: 0, skipped: due.length };
  }
  let nurtured = 0;
  for (const { id } of due) {
    const r = await nurtureDeal(deps, id);
    if (r.ok && r.value) nurtured += 1;
  }
  return { nurtured, skipped: due.length - nurtured };
}

async function nurtureDeal(deps: CoreDeps, dealId: string): Promise<Result<boolean>> {
  return transact(deps, async ({ tx, now }) => {
    const claimed = await tx.deal.updateMany({
      where: { id: dealId, ...dueStaleEstimateWhere(now) },
      data: { nurtured_at: now },
    });
    if (claimed.count !== 1) return ok(false);
    const deal = await tx.deal.findUniqueOrThrow({ where: { id: dealId }, include: { customer: true, owner: true } });
    const { customer, owner } = deal;
    await opportunityForStaleDeal(tx, deal, customer, now); // the stale estimate as an opportunity, once
    const template = await findMessageTemplate(tx, owner.id, customer.language_preference);
    if (!template) return fail("NOT_FOUND", `no "${STALE_ESTIMATE_TEMPLATE}" template for this owner`);
    // The one customer-message path: opt-outs, routing (e-mail first), quiet hours, WhatsApp's window.
    const sent = await sendCustomerMessage(tx, {
      customer,
      intent: { answer: false, templated: true, wanted: "email" },
      now,
      config: deps.config,
      render: async ({ channel }) => {
        const tracked = await createTrackedLink(tx, deps, {
          url: await linkTarget(tx, deps),
          customerId: customer.id,
          now,
        });
        const vars = messageVars({ customer, owner, link: tracked.link });
        const isEmail = channel === "email";
        return {
          kind: "stale_estimate",
          lane: "bulk",
          subject: isEmail ? renderText(template.subject ?? "Your quote", vars).text.slice(0, 255) : null,
          body: renderText(template.body, vars).text,
          payload: isEmail
            ? {
                html: `${renderHtml(template.body, vars).text}<img src="${tracked.pixel}" width="1" height="1" alt="">`,
                deal_id: deal.id,
              }
            : { deal_id: deal.id },
          dedupeKey: `stale:${deal.id}`,
        };
      },
    });
    if (sent.status === "not_sent") deps.log.info(`stale estimate of deal ${deal.id} not sent: ${sent.reason}`);
    return ok(sent.status !== "not_sent");
  });
}

/** The owner's active template of that key in the language, else the platform's, else English. */
async function findMessageTemplate(tx: Prisma.TransactionClient, ownerId: string, language: string) {
  const rows = await tx.messageTemplate.findMany({
    where: {
      key: STALE_ESTIMATE_TEMPLATE,
      is_active: true,
      language: { in: [language, "en"] },
      OR: [{ owner_id: ownerId }, { owner_id: null }],
    },
  });
  const rank = (t: (typeof rows)[number]) => (t.owner_id ? 0 : 2) + (t.language === language ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b))[0] ?? null;
}
