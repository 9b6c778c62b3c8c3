import { personalScope } from "../../../core/accounts/visibility.js";
import { type CustomerHit, findOwnCustomers } from "../../../core/crm/customer-search.js";
import { ownedCustomer } from "../../../core/crm/owned.js";
import { contractorLeadBoard } from "../../../core/marketplace/contractor-board.js";
import { awaitUntil } from "../context.js";
import { type Intent, type NameGuess, parseIntent, reminderSubject } from "../intents.js";
import type { ChatContext, CustomerAction, Feature } from "../types.js";
import { runAction, setReminder } from "./customer-actions.js";
import { activeUser, isChoice, isPlainText } from "./match.js";
import { windowReply } from "./window.js";

const DAY = 86_400_000;
/** A reminder further ahead than this is almost certainly a typo. */
const MAX_AHEAD_MS = 366 * DAY;
const PICK_PREFIX = "pick:";
const LABEL_CHARS = 40;

/**
 * The first way of reading the name that finds the person's own customers. A shorter reading is
 * skipped when the word it drops is capitalised ("called Anna Jensen" never lands on Anna Berg).
 */
async function resolve(
  ctx: ChatContext,
  ownerId: string,
  guesses: readonly NameGuess[],
): Promise<{ guess: NameGuess; hits: CustomerHit[] } | null> {
  for (const [i, guess] of guesses.entries()) {
    if (i > 0 && /^\p{Lu}/u.test(guess.after)) continue;
    const hits = await findOwnCustomers(ctx.deps, ownerId, guess.name);
    if (hits.length > 0) return { guess, hits };
  }
  return null;
}

/** A contractor with an open response window: their unclaimed plain text is an answer to the customer. */
async function hasOpenWindow(ctx: ChatContext, userId: string, role: string): Promise<boolean> {
  if (role !== "contractor") return false;
  return (await contractorLeadBoard(ctx.deps, userId)).windows.length > 0;
}

/** Several customers match: ask which, one button each; the action waits with the question. */
export function askWhich(ctx: ChatContext, name: string, hits: readonly CustomerHit[], action: CustomerAction): void {
  ctx.reply(ctx.t("crm.pick_customer", { name, count: hits.length }), {
    buttons: hits.map((h) => ({
      label: [...h.name].length > LABEL_CHARS ? `${[...h.name].slice(0, LABEL_CHARS - 1).join("")}…` : h.name,
      data: `${PICK_PREFIX}${h.id}`,
    })),
    awaiting: { type: "pick_customer", action, until: awaitUntil(ctx.now) },
  });
}

async function remind(ctx: ChatContext, userId: string, role: string, intent: Extract<Intent, { kind: "remind" }>) {
  const when = intent.when;
  if (!when) {
    if (await hasOpenWindow(ctx, userId, role)) return windowReply.handle(ctx);
    return void ctx.reply(ctx.t("crm.remind_help"));
  }
  if (when.at.getTime() <= ctx.now.getTime()) return void ctx.reply(ctx.t("crm.remind_past"));
  if (when.at.getTime() - ctx.now.getTime() > MAX_AHEAD_MS) return void ctx.reply(ctx.t("crm.remind_far"));
  const subject = reminderSubject(when.rest);
  const found = subject.length > 0 ? await resolve(ctx, userId, subject) : null;
  const [only] = found?.hits ?? [];
  if (found && found.hits.length > 1) {
    return askWhich(ctx, found.guess.name, found.hits, { do: "remind", at: when.at.toISOString(), note: when.rest });
  }
  await setReminder(ctx, userId, only ?? null, when.at, when.rest);
}

/**
 * Plain text that reads as a CRM instruction (bot/chat/intents.ts): log an interaction, set a
 * reminder, move a customer on, or pause/resume/stop their nurturing. An explicit reply to a
 * message is never read this way (it answers a customer). When the name matches none of the
 * person's own customers — or the time of a reminder cannot be read — and a response window is
 * open, the text goes to the customer after all (windowReply); otherwise the person is told.
 */
export const crmText: Feature = {
  name: "crm.text",
  match: (ctx) =>
    activeUser(ctx) !== null && isPlainText(ctx) && !ctx.msg.replyTo && parseIntent(ctx.text, ctx.now, ctx.tz) !== null,
  async handle(ctx) {
    const user = activeUser(ctx);
    const intent = parseIntent(ctx.text, ctx.now, ctx.tz);
    if (!user || !intent) return;
    if (intent.kind === "remind") return remind(ctx, user.id, user.role, intent);
    const found = await resolve(ctx, user.id, intent.guesses);
    if (!found) {
      if (await hasOpenWindow(ctx, user.id, user.role)) return windowReply.handle(ctx);
      return void ctx.reply(ctx.t("crm.no_customer", { name: intent.guesses[0]?.name ?? "" }));
    }
    const action: CustomerAction =
      intent.kind === "log"
        ? { do: "log", type: intent.type, content: intent.type === "note" ? found.guess.after || ctx.text : ctx.text }
        : intent.kind === "stage"
          ? { do: "stage" }
          : { do: "nurture", op: intent.op };
    const [only] = found.hits;
    if (only && found.hits.length === 1) return runAction(ctx, user.id, only, action);
    askWhich(ctx, found.guess.name, found.hits, action);
  },
};

/** The answer to "which Anna?": `pick:<customerId>` does the waiting action to that customer. */
export const customerPick: Feature = {
  name: "crm.pick",
  match: (ctx) => isChoice(ctx, PICK_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    if (ctx.awaiting?.type !== "pick_customer") return void ctx.reply(ctx.t("crm.pick_expired"));
    const id = (ctx.msg.choice ?? "").slice(PICK_PREFIX.length);
    const customer = await ownedCustomer(ctx.deps.prisma, personalScope(user.id), id);
    if (!customer) return void ctx.reply(ctx.t("crm.customer_gone"));
    await runAction(ctx, user.id, customer, ctx.awaiting.action);
  },
};
