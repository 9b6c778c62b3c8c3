import { contractorActor } from "../../../core/audit.js";
import { whichCustomer } from "../../../core/crm/current-customer.js";
import { createOpportunity } from "../../../core/service/opportunity.service.js";
import { OPPORTUNITY_TYPES, type OpportunityType } from "../../../core/service/opportunity-input.js";
import { ACT_PREFIX } from "../agenda.js";
import type { ChatContext, Feature } from "../types.js";
import { activeUser, isCommand } from "./match.js";

/** The words a contractor may use for each type, English and Danish ("code-violation", "udskiftning"…). */
const TYPE_WORDS: Record<string, OpportunityType> = {
  replacement: "replacement",
  replace: "replacement",
  udskiftning: "replacement",
  code_violation: "code_violation",
  "code-violation": "code_violation",
  code: "code_violation",
  lovbrud: "code_violation",
  regelbrud: "code_violation",
  maintenance: "maintenance",
  service: "maintenance",
  vedligehold: "maintenance",
  vedligeholdelse: "maintenance",
};

const typeOf = (word: string): OpportunityType | null => TYPE_WORDS[word.toLowerCase()] ?? null;

/** Create the opportunity and say which sequence now nurtures it. */
async function create(ctx: ChatContext, userId: string, customer: { id: string; name: string }, type: OpportunityType) {
  const r = await createOpportunity(
    ctx.deps,
    { kind: "contractor", ownerId: userId },
    { customer_id: customer.id, opportunity_type: type },
    contractorActor(userId),
  );
  if (!r.ok) {
    if (r.code === "NOT_FOUND") return void ctx.reply(ctx.t("crm.customer_gone"));
    return void ctx.reply(ctx.t("service.opportunity_refused", { reason: r.message }));
  }
  const label = type.replaceAll("_", " ");
  const text = r.value.sequence
    ? ctx.t("service.opportunity_added", {
        type: label,
        customer: customer.name,
        sequence: r.value.sequence.sequence_type,
      })
    : ctx.t("service.opportunity_added_no_sequence", { type: label, customer: customer.name });
  ctx.reply(text, {
    buttons: [{ label: ctx.t("crm.card_button"), data: `${ACT_PREFIX}card:${customer.id}` }],
    about: { customerId: customer.id },
  });
}

/**
 * `/opportunity replacement Anna`: a hand-made opportunity (seed 000) for one of the person's
 * own customers — the type first (English or Danish words), then the name (without one, the
 * conversation in progress). Core copies contact and property from the customer and enrols the
 * type's sequence, named in the answer. An unknown type lists the types; several customers
 * matching the name are listed to be written in full; nothing is written on a refusal.
 */
export const opportunityCommand: Feature = {
  name: "service.opportunity",
  match: (ctx) => isCommand(ctx, "opportunity"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const words = (ctx.command?.args ?? "").slice(0, 300).trim().split(/\s+/).filter(Boolean);
    const types = OPPORTUNITY_TYPES.join(", ");
    if (words.length === 0) return void ctx.reply(ctx.t("service.opportunity_usage", { types }));
    const type = typeOf(words[0] ?? "");
    if (!type) return void ctx.reply(ctx.t("service.opportunity_type_unknown", { word: words[0], types }));
    const meant = await whichCustomer(ctx.deps, user.id, words.slice(1).join(" ") || null);
    if (meant.kind === "one") return create(ctx, user.id, meant.customer, type);
    if (meant.kind === "ask") {
      const names = meant.candidates.map((c) => c.name).join(", ");
      return void ctx.reply(ctx.t("service.opportunity_which", { names }));
    }
    if (meant.kind === "unknown")
      return void ctx.reply(ctx.t("service.opportunity_unknown_customer", { name: meant.name }));
    ctx.reply(ctx.t("service.opportunity_usage", { types }));
  },
};
