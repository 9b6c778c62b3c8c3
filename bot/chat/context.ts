import { pendingChatQuestion } from "../../core/messaging/conversation.service.js";
import type { IdentityWithOwner } from "../../core/messaging/inbound.service.js";
import { pickLanguage, translator } from "./i18n.js";
import type { Awaiting, ChatContext, ChatDeps, ChatInbound, ChatReply, Person } from "./types.js";

/** How long the chat waits for an answer to its question (a custom bid, which window). */
const AWAIT_MS = 30 * 60_000;

/** `/name args` → { name, args }; `@botname` suffixes are dropped. Null for anything else. */
function parseCommand(text: string): { name: string; args: string } | null {
  const m = /^\/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(text);
  return m?.[1] ? { name: m[1].toLowerCase(), args: (m[2] ?? "").trim() } : null;
}

/** The button path of a command: `cmd:leads` acts as `/leads`. */
function commandButton(choice: string): { name: string; args: string } | null {
  const m = /^cmd:([a-z0-9_]{1,32})$/.exec(choice);
  return m?.[1] ? { name: m[1], args: "" } : null;
}

/** Who an identity belongs to. */
function personOf(identity: IdentityWithOwner): Person {
  if (identity.user) return { kind: "user", identity, user: identity.user };
  if (identity.customer) return { kind: "customer", identity, customer: identity.customer };
  return { kind: "unknown", identity };
}

/**
 * The person's language: their record's setting (a user's `language`, a customer's
 * `language_preference`) first, then what their chat client said when we first met them.
 */
export function languageOf(person: Person, hint?: string) {
  if (person.kind === "customer") return pickLanguage(person.customer.language_preference, person.identity.language);
  if (person.kind === "user") return pickLanguage(person.user.language, person.identity.language, hint);
  return pickLanguage(person.identity.language, hint);
}

function parseAwaiting(raw: unknown, now: Date): Awaiting | null {
  const a = raw as Awaiting | null;
  if (!a || typeof a !== "object" || typeof a.until !== "string") return null;
  return new Date(a.until).getTime() > now.getTime() ? a : null;
}

/**
 * Build the context a feature sees; answers collect in `replies`. `questionId` is the outbox row
 * holding the pending question, settled once this message has been handled (any message ends a
 * question; a feature that still needs an answer asks again in its reply).
 */
export async function buildContext(
  deps: ChatDeps,
  msg: ChatInbound,
  inboundId: string,
  identity: IdentityWithOwner,
): Promise<{ ctx: ChatContext; replies: ChatReply[]; questionId: string | null }> {
  const now = deps.clock.now();
  const person = personOf(identity);
  const lang = languageOf(person, msg.language);
  const text = (msg.text ?? "").trim();
  const replies: ChatReply[] = [];
  const question = person.kind === "user" ? await pendingChatQuestion(deps, identity.id) : null;
  const awaiting = question ? parseAwaiting(question.awaiting, now) : null;
  const tz =
    person.kind === "user"
      ? person.user.timezone
      : person.kind === "customer"
        ? (person.customer.timezone ?? deps.config.defaultTimezone)
        : deps.config.defaultTimezone;
  const ctx: ChatContext = {
    deps,
    msg,
    inboundId,
    person,
    lang,
    tz,
    now,
    t: translator(lang),
    text,
    command: msg.choice ? commandButton(msg.choice) : parseCommand(text),
    awaiting,
    reply: (body, opts) => replies.push({ text: body, ...opts }),
  };
  return { ctx, replies, questionId: question?.outboxId ?? null };
}

/** A question's expiry, as stored with it. */
export function awaitUntil(now: Date): string {
  return new Date(now.getTime() + AWAIT_MS).toISOString();
}
