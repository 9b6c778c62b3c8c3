import { MAX_MESSAGE_CHARS } from "../../../core/marketplace/window.service.js";
import type { Feature } from "../types.js";
import { isPlainText } from "./match.js";

const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const WORDISH = /[\p{L}\p{N}]/u;

/** A command no feature knows. */
export const unknownCommand: Feature = {
  name: "fallback.unknown_command",
  match: (ctx) => ctx.command !== null,
  async handle(ctx) {
    ctx.reply(ctx.t("common.unknown_command", { command: `/${ctx.command?.name ?? ""}` }));
  },
};

/** A button no feature knows (an old keyboard, a forged callback). */
export const unknownChoice: Feature = {
  name: "fallback.unknown_choice",
  match: (ctx) => typeof ctx.msg.choice === "string",
  async handle(ctx) {
    ctx.reply(ctx.t("common.button_unknown"));
  },
};

/** Longer than any message a customer could be sent: say so instead of trying. */
export const tooLong: Feature = {
  name: "fallback.too_long",
  match: (ctx) => ctx.text.length > MAX_MESSAGE_CHARS,
  async handle(ctx) {
    ctx.reply(ctx.t("common.too_long", { length: ctx.text.length, max: MAX_MESSAGE_CHARS }));
  },
};

/** A photo, a voice note, a sticker… with no text. */
export const attachmentOnly: Feature = {
  name: "fallback.attachment_only",
  match: (ctx) => ctx.text.length === 0 && !ctx.msg.choice,
  async handle(ctx) {
    ctx.reply(ctx.t("common.attachment_only"));
  },
};

/**
 * Emoji or punctuation only, not as a reply to a customer's message (an explicit reply is relayed:
 * "👍" to a customer is a fine answer; as a first contact it is almost always a slip).
 */
export const noWords: Feature = {
  name: "fallback.no_words",
  match: (ctx) => isPlainText(ctx) && !ctx.msg.replyTo && !WORDISH.test(ctx.text),
  async handle(ctx) {
    if (PICTOGRAPH.test(ctx.text)) ctx.reply(ctx.t("common.emoji_only", { text: [...ctx.text].slice(0, 8).join("") }));
    else ctx.reply(ctx.t("common.not_understood"));
  },
};
