import { personalScope } from "../../../core/accounts/visibility.js";
import { whichCustomer } from "../../../core/crm/current-customer.js";
import type { CustomerHit } from "../../../core/crm/customer-search.js";
import { ownedCustomer } from "../../../core/crm/owned.js";
import { REPLY_PREFIX } from "../agenda.js";
import { nameGuesses } from "../intents.js";
import type { ChatContext, Feature } from "../types.js";
import { askWhich } from "./crm-text.js";
import { messageCustomer } from "./customer-actions.js";
import { activeUser, isChoice, isCommand, isPlainText } from "./match.js";

/**
 * The first reading of "NAME text" whose name finds the person's own customers, longest name
 * first ("Anna Jensen see you" → Anna Jensen, "see you"). Unlike plain-text logging, a capital
 * after the name does not stop a shorter reading: a message to a customer usually starts with one.
 */
async function resolveName(
  ctx: ChatContext,
  ownerId: string,
  args: string,
): Promise<{ name: string; text: string; hits: CustomerHit[] } | null> {
  for (const guess of nameGuesses(args)) {
    // Core's one "which customer" rule: equally good matches come with the conversation's customer first.
    const meant = await whichCustomer(ctx.deps, ownerId, guess.name);
    const hits = meant.kind === "one" ? [meant.customer] : meant.kind === "ask" ? meant.candidates : [];
    if (hits.length > 0) return { name: guess.name, text: guess.after, hits };
  }
  return null;
}

/**
 * `/msg NAME text`: write to one of the person's own customers — also one who came without a
 * lead (a marketer's prospect, a customer from the CRM). Several customers match → buttons;
 * no text → the chat asks for it.
 */
export const message: Feature = {
  name: "message.command",
  match: (ctx) => isCommand(ctx, "msg"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const args = (ctx.command?.args ?? "").trim();
    if (!args) return void ctx.reply(ctx.t("message.usage"));
    const found = await resolveName(ctx, user.id, args);
    if (!found) {
      const [first] = nameGuesses(args);
      return void ctx.reply(ctx.t("message.no_customer", { name: first?.name ?? args.slice(0, 40) }));
    }
    const [only] = found.hits;
    if (only && found.hits.length === 1) return messageCustomer(ctx, user.id, only, found.text);
    askWhich(ctx, found.name, found.hits, { do: "message", text: found.text });
  },
};

/** "Reply" under a customer's relayed message: `reply:<customerId>` asks for the words. */
export const replyButton: Feature = {
  name: "message.reply_button",
  match: (ctx) => isChoice(ctx, REPLY_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const id = (ctx.msg.choice ?? "").slice(REPLY_PREFIX.length);
    const customer = await ownedCustomer(ctx.deps.prisma, personalScope(user.id), id);
    if (!customer) return void ctx.reply(ctx.t("crm.customer_gone"));
    if (customer.opted_out_at) return void ctx.reply(ctx.t("window.opted_out"), { about: { customerId: id } });
    await messageCustomer(ctx, user.id, customer, "");
  },
};

/** The words after "Reply" (or `/msg NAME` alone): they go to that customer. */
export const replyText: Feature = {
  name: "message.reply_text",
  match: (ctx) => ctx.awaiting?.type === "reply_customer" && isPlainText(ctx),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user || ctx.awaiting?.type !== "reply_customer") return;
    const customer = await ownedCustomer(ctx.deps.prisma, personalScope(user.id), ctx.awaiting.customerId);
    if (!customer) return void ctx.reply(ctx.t("crm.customer_gone"));
    await messageCustomer(ctx, user.id, customer, ctx.text);
  },
};
