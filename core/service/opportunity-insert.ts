/**
 * Writing a new opportunity inside another use case's transaction (forensics, the tech-upsell
 * loop, stale estimates, the API), once per dedupe key. No nurturing imports here, so the
 * nurturing triggers can call it without an import cycle.
 */
import type { Opportunity, Prisma } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { fromCents, toCents } from "../money.js";
import { opportunityRow } from "./opportunity-input.js";

/**
 * Insert an opportunity in the caller's transaction, once per `dedupe_key` (a second insert with
 * the same key is a no-op: ON CONFLICT DO NOTHING). Returns the row and whether it is new. The
 * enrolment happens after commit: call nurtureOpportunity with the id.
 */
export async function insertOpportunity(
  tx: Db,
  row: Prisma.OpportunityUncheckedCreateInput,
): Promise<{ opportunity: Opportunity; created: boolean }> {
  if (!row.dedupe_key) return { opportunity: await tx.opportunity.create({ data: row }), created: true };
  const inserted = await tx.opportunity.createManyAndReturn({ data: [row], skipDuplicates: true });
  if (inserted[0]) return { opportunity: inserted[0], created: true };
  return {
    opportunity: await tx.opportunity.findUniqueOrThrow({ where: { dedupe_key: row.dedupe_key } }),
    created: false,
  };
}

/**
 * A stale estimate (seed 002) as an opportunity of type `stale_estimate`, once per deal (key
 * `stale:<deal>`), linked from the deal, valued at the deal's value. Its nurture is the
 * stale-estimate message sent in the same transaction, so it is created `nurturing` and already
 * checked: no second sequence is enrolled on top of that message.
 */
export async function opportunityForStaleDeal(
  tx: Db,
  deal: { id: string; opportunity_id: string | null; value_usd: { toString(): string } },
  customer: Parameters<typeof opportunityRow>[0],
  now: Date,
): Promise<Opportunity> {
  const value = toCents(deal.value_usd);
  const { opportunity } = await insertOpportunity(tx, {
    ...opportunityRow(customer, {
      type: "stale_estimate",
      source: "stale_estimate",
      asset: {},
      status: "nurturing",
      estValueUsd: value > 0 ? fromCents(value) : null,
      dedupeKey: `stale:${deal.id}`,
      now,
    }),
    nurture_checked_at: now,
  });
  if (!deal.opportunity_id) await tx.deal.update({ where: { id: deal.id }, data: { opportunity_id: opportunity.id } });
  return opportunity;
}
