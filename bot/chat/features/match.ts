import type { User } from "../../../prisma/generated/client.js";
import type { ChatContext } from "../types.js";

/** The text is one of these commands. */
export function isCommand(ctx: ChatContext, ...names: string[]): boolean {
  return ctx.command !== null && names.includes(ctx.command.name);
}

/** The pressed button's data starts with `prefix`. */
export function isChoice(ctx: ChatContext, prefix: string): boolean {
  return typeof ctx.msg.choice === "string" && ctx.msg.choice.startsWith(prefix);
}

/** Free text: not a command, not a button. */
export function isPlainText(ctx: ChatContext): boolean {
  return !ctx.msg.choice && ctx.command === null && ctx.text.length > 0;
}

/** The linked user, whatever their account state. */
export function userOf(ctx: ChatContext): User | null {
  return ctx.person.kind === "user" ? ctx.person.user : null;
}

/** The linked user when their account is active (pending and disabled ones are stopped earlier). */
export function activeUser(ctx: ChatContext): User | null {
  const user = userOf(ctx);
  return user?.account_status === "active" ? user : null;
}
