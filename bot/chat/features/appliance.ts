import type { ApiScope } from "../../../core/accounts/api-key.service.js";
import { contractorActor } from "../../../core/audit.js";
import { whichCustomer } from "../../../core/crm/current-customer.js";
import { type CustomerHit, findOwnCustomers } from "../../../core/crm/customer-search.js";
import { NAME_SCORE, nameScore } from "../../../core/crm/name-match.js";
import { ownedCustomer } from "../../../core/crm/owned.js";
import { createAppliance } from "../../../core/service/appliance.service.js";
import { ACT_PREFIX } from "../agenda.js";
import { awaitUntil } from "../context.js";
import { parseApplianceWords } from "../service-words.js";
import type { ChatContext, Feature } from "../types.js";
import { activeUser, isChoice, isCommand } from "./match.js";

/** `apc:<customerId>` — which customer the appliance waiting in the question is for. */
const APPLIANCE_PICK_PREFIX = "apc:";
/** The question's marker: the appliance's words wait in it while the person picks the customer. */
const WAITING = "svc:apc:";
const LABEL_CHARS = 40;

const own = (ownerId: string): ApiScope => ({ kind: "contractor", ownerId });
const short = (s: string) => ([...s].length > LABEL_CHARS ? `${[...s].slice(0, LABEL_CHARS - 1).join("")}…` : s);

/** Add the appliance `words` describe to one of the person's customers. */
export async function addAppliance(
  ctx: ChatContext,
  userId: string,
  customer: { id: string; name: string },
  words: string,
) {
  const a = parseApplianceWords(words);
  if (!a) return void ctx.reply(ctx.t("service.appliance_usage"));
  const year = Number(ctx.now.toISOString().slice(0, 4));
  if (a.installYear !== null && a.installYear > year) {
    return void ctx.reply(ctx.t("service.appliance_future", { year: a.installYear }));
  }
  const r = await createAppliance(
    ctx.deps,
    own(userId),
    {
      customer_id: customer.id,
      type: a.type,
      ...(a.brand ? { brand: a.brand } : {}),
      ...(a.model ? { model_number: a.model } : {}),
      ...(a.installYear ? { install_date: `${a.installYear}-01-01` } : {}),
    },
    contractorActor(userId),
  );
  if (!r.ok) {
    if (r.code === "NOT_FOUND") return void ctx.reply(ctx.t("crm.customer_gone"));
    return void ctx.reply(ctx.t("service.appliance_refused", { reason: r.message }));
  }
  const details = [a.brand, a.model, a.installYear ? ctx.t("service.installed", { year: a.installYear }) : null]
    .filter(Boolean)
    .join(" · ");
  ctx.reply(
    ctx.t("service.appliance_added", {
      type: a.type.replaceAll("_", " "),
      customer: customer.name,
      details: details ? ` (${details})` : "",
    }),
    {
      buttons: [{ label: ctx.t("crm.card_button"), data: `${ACT_PREFIX}card:${customer.id}` }],
      about: { customerId: customer.id },
    },
  );
}

/**
 * The customer a `/appliance` line ends with: the last one to three words naming one of the
 * person's own customers by a whole name or word (never a prefix or a typo, so "Rheem" is never
 * taken for a person).
 */
async function trailingCustomer(ctx: ChatContext, ownerId: string, words: string[]) {
  for (let n = Math.min(3, words.length - 1); n >= 1; n--) {
    const name = words.slice(-n).join(" ");
    if (!/\p{L}/u.test(name)) continue;
    const hits = (await findOwnCustomers(ctx.deps, ownerId, name)).filter(
      (h) => nameScore(name, h.name) >= NAME_SCORE.words,
    );
    if (hits.length > 0) return { rest: words.slice(0, -n).join(" "), hits };
  }
  return null;
}

/** Several customers fit: a button each; the appliance's words wait with the question. */
function askCustomerFor(ctx: ChatContext, rest: string, hits: readonly CustomerHit[]) {
  ctx.reply(ctx.t("service.pick_customer"), {
    buttons: hits.map((h) => ({ label: short(h.name), data: `${APPLIANCE_PICK_PREFIX}${h.id}` })),
    awaiting: { type: "command_args", command: `${WAITING}${rest}`, until: awaitUntil(ctx.now) },
  });
}

/**
 * `/appliance water heater Rheem 2015 Anna`: the type, brand, model and install year, then the
 * customer (their name last; without one, the conversation in progress). Only the person's own
 * customers; a future install year or anything core refuses is said plainly, nothing saved.
 */
export const applianceCommand: Feature = {
  name: "service.appliance",
  match: (ctx) => isCommand(ctx, "appliance"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const words = (ctx.command?.args ?? "").slice(0, 300).trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return void ctx.reply(ctx.t("service.appliance_usage"));
    const named = await trailingCustomer(ctx, user.id, words);
    if (named && named.hits.length > 1) return askCustomerFor(ctx, named.rest, named.hits);
    if (named?.hits[0]) return addAppliance(ctx, user.id, named.hits[0], named.rest);
    const meant = await whichCustomer(ctx.deps, user.id);
    if (meant.kind === "one") return addAppliance(ctx, user.id, meant.customer, words.join(" "));
    if (meant.kind === "ask") return askCustomerFor(ctx, words.join(" "), meant.candidates);
    ctx.reply(ctx.t("service.appliance_usage"));
  },
};

/** The answer to "which customer is the appliance for?": `apc:<customerId>`. */
export const appliancePick: Feature = {
  name: "service.appliance_pick",
  match: (ctx) => isChoice(ctx, APPLIANCE_PICK_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const waiting = ctx.awaiting?.type === "command_args" ? ctx.awaiting.command : "";
    if (!waiting.startsWith(WAITING)) return void ctx.reply(ctx.t("service.pick_expired"));
    const id = (ctx.msg.choice ?? "").slice(APPLIANCE_PICK_PREFIX.length);
    const customer = await ownedCustomer(ctx.deps.prisma, own(user.id), id);
    if (!customer) return void ctx.reply(ctx.t("crm.customer_gone"));
    await addAppliance(ctx, user.id, customer, waiting.slice(WAITING.length));
  },
};
