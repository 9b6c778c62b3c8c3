import { awaitUntil } from "../context.js";
import type { ChatContext, Feature } from "../types.js";
import { card } from "./card.js";
import { contractorOnly } from "./leads.js";
import { activeUser, isPlainText } from "./match.js";
import { message } from "./message.js";
import { lost, won } from "./outcome.js";
import { zips } from "./profile.js";
import { appeal } from "./strikes.js";

/**
 * The button path of the commands that need words after them: the menu's button asks for the
 * words, and the next text is taken as if typed after the command ("Card" → "Whose card?" →
 * "Anna" runs `/card Anna`). Everything a command says about bad input then applies unchanged.
 */
const ASKS: Record<string, { feature: Feature; question: string; contractorsOnly?: boolean }> = {
  card: { feature: card, question: "ask.card" },
  won: { feature: won, question: "ask.won" },
  lost: { feature: lost, question: "ask.lost" },
  msg: { feature: message, question: "ask.msg" },
  appeal: { feature: appeal, question: "ask.appeal", contractorsOnly: true },
  zips: { feature: zips, question: "ask.zips", contractorsOnly: true },
};

const askedCommand = (ctx: ChatContext): string | null => {
  const m = /^cmd:([a-z]+)$/.exec(ctx.msg.choice ?? "");
  return m?.[1] && Object.hasOwn(ASKS, m[1]) ? m[1] : null;
};

/** A menu button of a command that needs words: ask for them, and wait. */
export const askButton: Feature = {
  name: "ask.button",
  match: (ctx) => askedCommand(ctx) !== null,
  async handle(ctx) {
    const command = askedCommand(ctx) ?? "";
    const ask = ASKS[command];
    if (!ask || !activeUser(ctx)) return;
    if (ask.contractorsOnly && !contractorOnly(ctx)) return;
    ctx.reply(ctx.t(ask.question), { awaiting: { type: "command_args", command, until: awaitUntil(ctx.now) } });
  },
};

/** The words a menu button asked for: run the command with them. */
export const askAnswer: Feature = {
  name: "ask.answer",
  match: (ctx) => ctx.awaiting?.type === "command_args" && isPlainText(ctx),
  async handle(ctx) {
    const command = ctx.awaiting?.type === "command_args" ? ctx.awaiting.command : "";
    const ask = Object.hasOwn(ASKS, command) ? ASKS[command] : undefined;
    if (!ask) {
      ctx.reply(ctx.t("common.not_understood"));
      return;
    }
    await ask.feature.handle({ ...ctx, command: { name: command, args: ctx.text } });
  },
};
