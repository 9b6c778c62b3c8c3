import { conversationCustomer, conversationFirst, whichCustomer } from "../../../core/crm/current-customer.js";
import { type CustomerHit, findOwnCustomers } from "../../../core/crm/customer-search.js";
import { NAME_SCORE, nameScore } from "../../../core/crm/name-match.js";
import {
  type AboutRefs,
  loadTarget,
  MAX_TARGETS,
  markLost,
  markWon,
  type OutcomeKind,
  type OutcomeTarget,
  outcomeTargets,
} from "../../../core/crm/outcome.service.js";
import { refsOfSentMessage } from "../../../core/messaging/conversation.service.js";
import { fromCents } from "../../../core/money.js";
import { MAX_AMOUNT_CENTS, parseAmount } from "../amount.js";
import { awaitUntil } from "../context.js";
import { failureText } from "../failures.js";
import { formatMoney } from "../i18n.js";
import type { ChatContext, Feature } from "../types.js";
import { activeUser, isChoice, isCommand } from "./match.js";

type Outcome = "won" | "lost";
const CODE: Record<OutcomeKind, string> = { sequence: "s", deal: "d", lead: "l" };
const KIND: Record<string, OutcomeKind> = { s: "sequence", d: "deal", l: "lead" };
const LABEL_CHARS = 40;
const MAX_REASON_CHARS = 500;

const short = (s: string) => ([...s].length > LABEL_CHARS ? `${[...s].slice(0, LABEL_CHARS - 1).join("")}…` : s);

/** What the answered message (a notice, a card, a confirmation) was about; nothing when not a reply. */
async function aboutOf(ctx: ChatContext): Promise<AboutRefs> {
  if (!ctx.msg.replyTo) return {};
  const refs = await refsOfSentMessage(ctx.deps, {
    channel: ctx.msg.channel,
    to: ctx.msg.address,
    providerMessageId: ctx.msg.replyTo,
  });
  if (!refs) return {};
  const { kind: _kind, ...about } = refs;
  return about;
}

/** Record the outcome on one target and answer: a celebration, a note that it is lost, or why not. */
async function apply(ctx: ChatContext, ownerId: string, outcome: Outcome, target: OutcomeTarget, value: string) {
  const about = target.customerId ? { customerId: target.customerId } : undefined;
  const vars = { customer: target.customerName, title: target.title };
  if (outcome === "won") {
    const r = await markWon(ctx.deps, ownerId, target, value);
    if (!r.ok)
      ctx.reply(
        failureText(ctx, "markWon", r, { ...vars, input: value, max: formatMoney(MAX_AMOUNT_CENTS / 100, ctx.lang) }),
      );
    // A converted sequence is celebrated by core's own `conversion_celebration` notice.
    else if (!r.value.celebrated)
      ctx.reply(ctx.t("outcome.won", { ...vars, amount: formatMoney(value, ctx.lang) }), { about });
    return;
  }
  const r = await markLost(ctx.deps, ownerId, target, value);
  if (!r.ok) ctx.reply(failureText(ctx, "markLost", r, vars));
  else ctx.reply(ctx.t("outcome.lost", { ...vars, reason: value }), { about });
}

/**
 * Which deal or sequence is meant: the one the answered message names; else one of the customer
 * of the conversation in progress (core/crm/current-customer.ts: the one they last answered or
 * heard from, within a day); else the person's only open one. With several, ask with one button
 * each (the amount or reason waits with the question), the conversation's customer's first.
 * When the answered message or the conversation is about a customer with nothing open, the
 * person's other open ones are offered as buttons — never picked on their own. A customer who
 * came from a lead the person answered needs no deal made up for the win: their contacted lead is
 * the target (its `paid` conversion carries the amount, as the weekly figures count it).
 */
async function decide(ctx: ChatContext, ownerId: string, outcome: Outcome, value: string): Promise<void> {
  const replied = await aboutOf(ctx);
  const meant = Object.values(replied).some(Boolean) ? null : await whichCustomer(ctx.deps, ownerId);
  const about: AboutRefs | null =
    meant === null ? replied : meant.kind === "one" ? { customerId: meant.customer.id } : null;
  let targets: OutcomeTarget[];
  let ask = false;
  if (about) {
    targets = await outcomeTargets(ctx.deps, ownerId, outcome, about);
    if (targets.length === 0) {
      targets = await outcomeTargets(ctx.deps, ownerId, outcome);
      ask = true;
    }
  } else {
    const earlier = meant?.kind === "ask" ? meant.conversation?.customer.id : undefined;
    targets = await openTargets(ctx, ownerId, outcome, earlier);
  }
  const [only] = targets;
  if (!only) {
    ctx.reply(ctx.t(outcome === "won" ? "outcome.none_won" : "outcome.none_lost"));
    return;
  }
  if (targets.length === 1 && !ask) {
    await apply(ctx, ownerId, outcome, only, value);
    return;
  }
  askTarget(ctx, outcome, value, targets);
}

/**
 * The person's open targets, those of `customerId` (an earlier conversation's customer) first:
 * read on their own, so that a long list never pushes that customer out of the choices.
 */
async function openTargets(
  ctx: ChatContext,
  ownerId: string,
  outcome: Outcome,
  customerId: string | undefined,
): Promise<OutcomeTarget[]> {
  const all = await outcomeTargets(ctx.deps, ownerId, outcome);
  if (!customerId) return all;
  const theirs = await outcomeTargets(ctx.deps, ownerId, outcome, { customerId });
  const seen = new Set<string>();
  const merged = conversationFirst([...theirs, ...all], (t) => t.customerId, customerId).filter((t) => {
    const key = `${t.kind}:${t.id}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
  return merged.slice(0, MAX_TARGETS);
}

/** Ask which of `targets` is meant; the amount or reason waits with the question. */
function askTarget(ctx: ChatContext, outcome: Outcome, value: string, targets: readonly OutcomeTarget[]): void {
  ctx.reply(ctx.t(outcome === "won" ? "outcome.pick_won" : "outcome.pick_lost", { count: targets.length }), {
    buttons: targets.map((x) => ({
      label: short(ctx.t("outcome.pick_button", { customer: x.customerName, title: x.title })),
      data: `${outcome}:${CODE[x.kind]}:${x.id}`,
    })),
    awaiting: { type: "pick_outcome", outcome, value, until: awaitUntil(ctx.now) },
  });
}

/**
 * `/won 9000 Anna`, `/lost too expensive Anna`: the open deals and sequences of the person's OWN
 * customers the name matches. One customer with one open thing → done; anything else → buttons
 * (a name that matches several customers is never settled on its own).
 */
async function decideNamed(
  ctx: ChatContext,
  ownerId: string,
  outcome: Outcome,
  value: string,
  name: string,
  hits: readonly CustomerHit[],
): Promise<void> {
  const targets: OutcomeTarget[] = [];
  for (const hit of hits) targets.push(...(await outcomeTargets(ctx.deps, ownerId, outcome, { customerId: hit.id })));
  const [only] = targets;
  if (!only) {
    const [one] = hits;
    ctx.reply(
      hits.length === 1 && one
        ? ctx.t(outcome === "won" ? "outcome.none_won_customer" : "outcome.none_lost_customer", { customer: one.name })
        : ctx.t(outcome === "won" ? "outcome.none_won_name" : "outcome.none_lost_name", { name }),
    );
    return;
  }
  if (targets.length === 1 && hits.length === 1) return apply(ctx, ownerId, outcome, only, value);
  askTarget(ctx, outcome, value, targets.slice(0, 8));
}

/** "9000 Anna Berg" → amount "9000", name "Anna Berg" (the longest leading amount that leaves a name). */
export function splitAmountName(input: string): { cents: number; name: string } | null {
  const words = input.split(/\s+/).filter(Boolean);
  for (let i = words.length - 1; i >= 1; i--) {
    const name = words.slice(i).join(" ");
    if (!/\p{L}/u.test(name)) continue;
    const cents = parseAmount(words.slice(0, i).join(" "));
    if (cents !== null) return { cents, name };
  }
  return null;
}

/**
 * The customer a `/lost` reason ends with ("too expensive Anna Berg"): the last one to three
 * words when they name one of the person's own customers by a whole name or word — never a
 * prefix or a typo, so an ordinary reason ("went with a cheaper quote") is never cut.
 */
async function trailingCustomer(
  ctx: ChatContext,
  ownerId: string,
  reason: string,
): Promise<{ reason: string; name: string; hits: CustomerHit[] } | null> {
  const words = reason.split(/\s+/).filter(Boolean);
  for (let n = Math.min(3, words.length - 1); n >= 1; n--) {
    const name = words.slice(-n).join(" ");
    const hits = (await findOwnCustomers(ctx.deps, ownerId, name)).filter(
      (h) => nameScore(name, h.name) >= NAME_SCORE.words,
    );
    if (hits.length > 0) {
      const rest = words
        .slice(0, -n)
        .join(" ")
        .replace(/[\s,;:–—-]+(?:for|with|on|til|for|med|på)?$/i, "")
        .trim();
      if (rest) return { reason: rest, name, hits };
    }
  }
  return null;
}

/** `/won AMOUNT [NAME]`: the deal, sequence or contacted lead is won, with the sale amount. */
export const won: Feature = {
  name: "outcome.won",
  match: (ctx) => isCommand(ctx, "won"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const input = ctx.command?.args ?? "";
    const max = formatMoney(MAX_AMOUNT_CENTS / 100, ctx.lang);
    if (!input) {
      ctx.reply(ctx.t("outcome.won_usage", { max }));
      return;
    }
    const cents = parseAmount(input);
    if (cents !== null) return decide(ctx, user.id, "won", fromCents(cents));
    const named = splitAmountName(input);
    if (!named) {
      const shown = /\p{L}/u.test(input) && /\d/.test(input) ? (input.split(/\s+/)[0] ?? input) : input;
      ctx.reply(ctx.t("outcome.bad_amount", { input: [...shown].slice(0, 20).join(""), max }));
      return;
    }
    const meant = await whichCustomer(ctx.deps, user.id, named.name);
    if (meant.kind === "unknown" || meant.kind === "none")
      return void ctx.reply(ctx.t("crm.no_customer", { name: named.name.slice(0, 40) }));
    const hits = meant.kind === "one" ? [meant.customer] : meant.candidates;
    await decideNamed(ctx, user.id, "won", fromCents(named.cents), named.name, hits);
  },
};

/** `/lost REASON [NAME]`: the deal or sequence is lost, and why. */
export const lost: Feature = {
  name: "outcome.lost",
  match: (ctx) => isCommand(ctx, "lost"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const reason = [...(ctx.command?.args ?? "")].slice(0, MAX_REASON_CHARS).join("").trim();
    if (!reason) {
      ctx.reply(ctx.t("outcome.lost_usage"));
      return;
    }
    const named = await trailingCustomer(ctx, user.id, reason);
    if (named) {
      const current = named.hits.length > 1 ? await conversationCustomer(ctx.deps, user.id) : null;
      const hits = conversationFirst(named.hits, (h) => h.id, current?.customer.id);
      return decideNamed(ctx, user.id, "lost", named.reason, named.name, hits);
    }
    await decide(ctx, user.id, "lost", reason);
  },
};

/** The answer to "which one did you win/lose?": `won:<s|d|l>:<id>` or `lost:…`. */
export const outcomePick: Feature = {
  name: "outcome.pick",
  match: (ctx) => isChoice(ctx, "won:") || isChoice(ctx, "lost:"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const [outcome = "", code = "", id = ""] = (ctx.msg.choice ?? "").split(":");
    const kind = KIND[code];
    const pending = ctx.awaiting?.type === "pick_outcome" && ctx.awaiting.outcome === outcome ? ctx.awaiting : null;
    if (!kind || !pending) {
      ctx.reply(ctx.t("outcome.pick_expired", { command: `/${outcome === "lost" ? "lost" : "won"}` }));
      return;
    }
    const target = await loadTarget(ctx.deps, user.id, kind, id);
    if (!target) {
      ctx.reply(ctx.t("outcome.gone"));
      return;
    }
    await apply(ctx, user.id, pending.outcome, target, pending.value);
  },
};
