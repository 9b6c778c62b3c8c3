import type { TFunction } from "i18next";
import type { CoreDeps } from "../../core/context.js";
import type { IdentityWithOwner } from "../../core/messaging/inbound.service.js";
import type { ChannelKind, Customer, User } from "../../prisma/generated/client.js";
import type { Lang } from "./i18n.js";
import type { InteractionKind, NurtureOp } from "./intents.js";

/** Something attached to an inbound message (kept for the record; only text is understood today). */
export interface ChatAttachment {
  kind: "photo" | "document" | "voice" | "audio" | "video" | "sticker" | "location" | "contact" | "other";
  /** The channel's reference to fetch it later (a Telegram file_id, a URL…). */
  ref?: string;
  name?: string;
}

/**
 * One inbound message from any channel, normalised. Adapters produce this and nothing else;
 * every feature is written against it once.
 */
export interface ChatInbound {
  channel: ChannelKind;
  /** The channel's id of this message/update; a redelivery has the same one. */
  externalId: string;
  /** Who sent it on that channel: a Telegram chat id, a phone number, a sandbox session. */
  address: string;
  displayName?: string;
  /** The client's language hint (IETF tag), if the channel gives one. */
  language?: string;
  text?: string;
  /** The data of a pressed button (`bid:<leadId>:1.2`). */
  choice?: string;
  /** The channel's id of our message this one answers (a reply, or the message a button sat under). */
  replyTo?: string;
  attachments?: ChatAttachment[];
}

/** A one-tap choice under a message; `data` comes back as `ChatInbound.choice`. */
export interface ChatButton {
  label: string;
  data: string;
}

/** Something to do to a customer once the person has said which one (several matched the name). */
export type CustomerAction =
  | { do: "log"; type: InteractionKind; content: string }
  | { do: "remind"; at: string; note: string }
  | { do: "stage" }
  | { do: "nurture"; op: NurtureOp }
  /** Send the customer these words (`/msg NAME text`). */
  | { do: "message"; text: string };

/** What the chat app waits for next from this person (kept in its latest reply's payload). */
export type Awaiting =
  | { type: "custom_bid"; leadId: string; until: string }
  | { type: "pick_window"; text: string; until: string }
  /** Which deal or sequence `/won` (value: the amount, "9000.00") or `/lost` (value: the reason) is for. */
  | { type: "pick_outcome"; outcome: "won" | "lost"; value: string; until: string }
  | { type: "pick_customer"; action: CustomerAction; until: string }
  /** The next text goes to this customer (the "Reply" button under their message). */
  | { type: "reply_customer"; customerId: string; until: string }
  /** The next text replaces this AI draft's words (its "Edit" button); it is still sent only by Send. */
  | { type: "edit_draft"; draftId: string; until: string }
  /** The next text is the argument of this command (a menu button asked for it: a name, an amount…). */
  | { type: "command_args"; command: string; until: string };

/** What an answer is about, so a reply to it ("/won 9000") knows what is meant. */
interface About {
  customerId?: string;
  sequenceId?: string;
  dealId?: string;
  leadId?: string;
}

/** The person behind a message. */
export type Person =
  | { kind: "user"; identity: IdentityWithOwner; user: User }
  | { kind: "customer"; identity: IdentityWithOwner; customer: Customer }
  | { kind: "unknown"; identity: IdentityWithOwner };

/** What the chat app needs: core's dependencies (the alias leaves room for chat-only ones). */
export type ChatDeps = CoreDeps;

/** One answer to write, in the person's language already. */
export interface ChatReply {
  text: string;
  buttons?: ChatButton[];
  awaiting?: Awaiting;
  leadId?: string;
  about?: About;
}

/** Everything a feature sees about one message, and how it answers. */
export interface ChatContext {
  deps: ChatDeps;
  msg: ChatInbound;
  inboundId: string;
  person: Person;
  lang: Lang;
  tz: string;
  now: Date;
  t: TFunction;
  /** The message text, trimmed ("" when there is none). */
  text: string;
  /** `/name args` when the text is a command (name lower-cased, any @botname removed). */
  command: { name: string; args: string } | null;
  /** What the chat app asked this person last and still waits for, if anything. */
  awaiting: Awaiting | null;
  /** Queue an answer; answers are written to the outbox in order when the feature returns. */
  reply(text: string, opts?: Omit<ChatReply, "text">): void;
}

/** A feature: when it applies, and what it does. Features are tried in order; the first match handles. */
export interface Feature {
  name: string;
  match(ctx: ChatContext): boolean;
  handle(ctx: ChatContext): Promise<void>;
}
