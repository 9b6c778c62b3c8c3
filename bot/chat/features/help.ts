import type { User } from "../../../prisma/generated/client.js";
import type { ChatButton, ChatContext, Feature } from "../types.js";
import { activeUser, isCommand } from "./match.js";

/** Commands each role reaches from the menu, in the order shown (Telegram lays them two to a row). */
const MENU: Record<"contractor" | "marketer", readonly string[]> = {
  contractor: ["leads", "today", "stats", "strikes", "appeal", "profile", "card", "msg", "won", "lost"],
  marketer: ["today", "stats", "card", "msg", "won", "lost"],
};

/**
 * The main menu: one button per command, so every command has a button path. Commands that
 * need words (a name, an amount, a reason) ask for them when their button is pressed
 * (features/ask.ts).
 */
function menuButtons(ctx: ChatContext, user: User): ChatButton[] {
  const commands = user.role === "contractor" ? MENU.contractor : MENU.marketer;
  return commands.map((name) => ({ label: ctx.t(`buttons.${name}`), data: `cmd:${name}` }));
}

/** `/help` (also `/menu`, and `/start` once linked): what this person can do here, with the menu. */
export const help: Feature = {
  name: "help",
  match: (ctx) => isCommand(ctx, "help", "menu"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) {
      ctx.reply(ctx.t("help.unknown"));
      return;
    }
    ctx.reply(ctx.t(user.role === "contractor" ? "help.contractor" : "help.marketer"), {
      buttons: menuButtons(ctx, user),
    });
  },
};

/** `/cancel`: forget the question the chat is waiting on. */
export const cancel: Feature = {
  name: "cancel",
  match: (ctx) => isCommand(ctx, "cancel"),
  async handle(ctx) {
    ctx.reply(ctx.t(ctx.awaiting ? "common.cancelled" : "common.nothing_to_cancel"));
  },
};
