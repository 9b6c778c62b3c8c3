import type { Feature } from "../types.js";
import { activeUser, isCommand } from "./match.js";

/** `/help`: what this person can do here. */
export const help: Feature = {
  name: "help",
  match: (ctx) => isCommand(ctx, "help"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) {
      ctx.reply(ctx.t("help.unknown"));
      return;
    }
    if (user.role !== "contractor") {
      ctx.reply(ctx.t("help.marketer"), {
        buttons: [
          { label: ctx.t("buttons.today"), data: "cmd:today" },
          { label: ctx.t("buttons.stats"), data: "cmd:stats" },
        ],
      });
      return;
    }
    ctx.reply(ctx.t("help.contractor"), {
      buttons: [
        { label: ctx.t("buttons.leads"), data: "cmd:leads" },
        { label: ctx.t("buttons.strikes"), data: "cmd:strikes" },
      ],
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
