/**
 * The rules' reply draft to a customer's message (no model needed): a message template in the
 * customer's language (English and Danish built in) picked by what the message is — unhappy
 * (the sentiment rules), a question, or anything else. Pure.
 */
import { firstNameOf, renderText } from "../messaging/templates.js";
import { ruleSentiment } from "./sentiment-rules.js";

export type ReplyKind = "unhappy" | "question" | "thanks";

/** The built-in reply templates, by language and kind (`{{first_name}}`, `{{owner_name}}`). */
export const REPLY_TEMPLATES: Readonly<Record<string, Readonly<Record<ReplyKind, string>>>> = {
  en: {
    unhappy:
      "Hi {{first_name}}, I'm sorry to hear that — thank you for telling me. I'll call you today to put it right. {{owner_name}}",
    question: "Hi {{first_name}}, thanks for your message! Let me check and get back to you shortly. {{owner_name}}",
    thanks: "Hi {{first_name}}, thank you for your message — glad to hear from you! {{owner_name}}",
  },
  da: {
    unhappy:
      "Hej {{first_name}}, det er jeg ked af at høre — tak fordi du siger det. Jeg ringer til dig i dag, så vi får det løst. {{owner_name}}",
    question:
      "Hej {{first_name}}, tak for din besked! Jeg undersøger det og vender tilbage hurtigst muligt. {{owner_name}}",
    thanks: "Hej {{first_name}}, tak for din besked — dejligt at høre fra dig! {{owner_name}}",
  },
};

/** What kind of answer a customer's message calls for: unhappy first, then a question. */
export function replyKindOf(message: string): ReplyKind {
  if (ruleSentiment(message).sentiment === "negative") return "unhappy";
  return /\?|^\s*(hvad|hvornår|hvordan|hvorfor|kan|vil|er|har|what|when|how|why|can|could|will|would|is|are|do|does)\b/i.test(
    message,
  )
    ? "question"
    : "thanks";
}

/** The rules' reply to `message` in `language` (English when we have no template in it). */
export function ruleReply(input: { message: string; language: string; customerName: string; ownerName: string }) {
  const kind = replyKindOf(input.message);
  const set = REPLY_TEMPLATES[input.language] ?? REPLY_TEMPLATES.en;
  const template = (set as Readonly<Record<ReplyKind, string>>)[kind];
  const vars = { first_name: firstNameOf(input.customerName) ?? input.customerName, owner_name: input.ownerName };
  return { kind, text: renderText(template, vars, Object.keys(vars)).text.trim() };
}
