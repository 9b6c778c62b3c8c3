import type { ApiScope } from "../../../core/accounts/api-key.service.js";
import { customerFinancials } from "../../../core/crm/customer-query.js";
import { listAppliances } from "../../../core/service/appliance.service.js";
import { formatMoney } from "../i18n.js";
import type { ChatContext } from "../types.js";

/**
 * The service part of the chat's customer card (seed 004): revenue, expenses and profit, the
 * appliances' health, and the prefix of the card's "Job done" / "Add appliance" buttons
 * (handled in ./service.ts).
 */

/** `svc:<jd|ap>:<customerId>` — the card's "Job done" and "Add appliance" buttons. */
export const SERVICE_PREFIX = "svc:";

const own = (ownerId: string): ApiScope => ({ kind: "contractor", ownerId });
const money = (ctx: ChatContext, v: string | number) => formatMoney(v, ctx.lang);

/** One line of a customer's revenue, expenses and profit so far. */
export async function profitLine(ctx: ChatContext, ownerId: string, customerId: string): Promise<string | null> {
  const f = await customerFinancials(ctx.deps, own(ownerId), customerId);
  if (!f.ok) return null;
  const v = f.value as { payments_total: string; expenses_total: string; profit: string };
  return ctx.t("service.profit", {
    revenue: money(ctx, v.payments_total),
    expenses: money(ctx, v.expenses_total),
    profit: money(ctx, v.profit),
  });
}

/** How many appliances the chat card lists (the panel shows them all). */
const CARD_APPLIANCES = 5;

/** The card's service lines: revenue, expenses and profit, then each appliance's health and verdict. */
export async function serviceLines(ctx: ChatContext, ownerId: string, customerId: string): Promise<string[]> {
  const [profit, appliances] = await Promise.all([
    profitLine(ctx, ownerId, customerId),
    listAppliances(ctx.deps, own(ownerId), { customer_id: customerId, page: 1, per_page: CARD_APPLIANCES }),
  ]);
  const lines = profit ? ["", profit] : [];
  if (!appliances.ok || appliances.value.total === 0) return [...lines, ctx.t("card.no_appliances")];
  lines.push(ctx.t("card.appliances", { count: appliances.value.total }));
  for (const a of appliances.value.data) {
    const name = [a.type.replaceAll("_", " "), a.brand].filter(Boolean).join(" ");
    if (a.health_score === null || a.fail_probability === null) {
      lines.push(ctx.t("card.appliance_unscored", { name }));
      continue;
    }
    lines.push(
      ctx.t("card.appliance", {
        name,
        health: a.health_score,
        fail: `${Math.round(Number(a.fail_probability) * 100)} %`,
        verdict: ctx.t(`card.verdict.${a.verdict ?? "monitor"}`, { defaultValue: a.verdict ?? "" }),
      }),
    );
  }
  return lines;
}
