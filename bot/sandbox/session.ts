import { bindIdentity } from "../../core/accounts/link.service.js";
import type { CoreDeps } from "../../core/context.js";
import { type Failure, ok, type Result } from "../../core/errors.js";
import type { ChatApp } from "../chat/app.js";
import { audienceOf, renderForAudience } from "../chat/outbound.js";
import type { ChatButton } from "../chat/types.js";

const PAGE = 200;

/** One message the chat app sent to a sandbox session, rendered for its reader. */
export interface SandboxMessage {
  seq: number;
  id: string;
  kind: string;
  text: string;
  buttons: ChatButton[];
  edit_of: string | null;
  lead_id: string | null;
  status: string;
  created_at: string;
}

/** What someone types into the sandbox, as whom. */
export interface SandboxInput {
  session: string;
  /** "new", or "contractor:<id>" / "marketer:<id>" / "customer:<id>". */
  as: string;
  text?: string;
  choice?: string;
  replyTo?: string;
  id?: string;
  name?: string;
  language?: string;
}

/**
 * The browser sandbox channel: talk to the chat app as a contractor, a customer or a stranger
 * (the session is the sandbox address), and read back what it sent. One implementation for the
 * JSON API (`/api/sandbox/messages`) and the admin panel's chat page.
 */
export function sandboxSessions(deps: CoreDeps, chat: ChatApp) {
  /** The session's messages from position `after` on, in the reader's language. */
  async function messagesOf(session: string, after = 0): Promise<{ messages: SandboxMessage[]; next: number }> {
    const rows = await deps.prisma.outboundMessage.findMany({
      where: { channel: "sandbox", to_address: session },
      orderBy: [{ created_at: "asc" }, { id: "asc" }],
      skip: after,
      take: PAGE,
    });
    const audience = await audienceOf(deps, "sandbox", session);
    const now = deps.clock.now();
    const messages = rows.map((row, i) => {
      const { body, buttons } = renderForAudience(row, audience, now);
      const payload = (row.payload ?? {}) as { edit?: boolean; ref_outbox_id?: string };
      return {
        seq: after + i,
        id: row.id,
        kind: row.kind,
        text: body,
        buttons,
        edit_of: payload.edit ? (payload.ref_outbox_id ?? null) : null,
        lead_id: row.lead_id,
        status: row.status,
        created_at: row.created_at.toISOString(),
      };
    });
    return { messages, next: after + messages.length };
  }

  /** Hand one message to the chat app; returns what it answered (the messages after it). */
  async function send(
    input: SandboxInput,
  ): Promise<Result<{ inboundId: string; status: string; messages: SandboxMessage[]; next: number }> | Failure> {
    const [role, personId] = input.as.split(":") as [string, string | undefined];
    if (role !== "new" && personId) {
      const bound = await bindIdentity(deps, {
        channel: "sandbox",
        address: input.session,
        ...(role === "customer" ? { customerId: personId } : { userId: personId }),
      });
      if (!bound.ok) return bound;
    }
    const before = await deps.prisma.outboundMessage.count({
      where: { channel: "sandbox", to_address: input.session },
    });
    const outcome = await chat.handle({
      channel: "sandbox",
      externalId: input.id ?? `web-${deps.ids.token(12)}`,
      address: input.session,
      displayName: input.name,
      language: input.language,
      text: input.text,
      choice: input.choice,
      replyTo: input.replyTo,
    });
    const page = await messagesOf(input.session, before);
    return ok({ inboundId: outcome.inboundId, status: outcome.status, ...page });
  }

  /** The whole conversation in order: what the person typed (or pressed) and what came back. */
  async function conversation(session: string) {
    const [inbound, { messages }] = await Promise.all([
      deps.prisma.inboundMessage.findMany({
        where: { channel: "sandbox", from_address: session },
        orderBy: { received_at: "asc" },
        take: PAGE,
      }),
      messagesOf(session),
    ]);
    // An edit (a countdown kept current) replaces the message it edits, as a chat app shows it.
    const latest = new Map(messages.filter((m) => m.edit_of).map((m) => [m.edit_of, m]));
    const theirs = messages
      .filter((m) => !m.edit_of)
      .map((m) => ({
        id: m.id,
        from: "bot" as const,
        text: latest.get(m.id)?.text ?? m.text,
        buttons: (latest.get(m.id)?.buttons ?? m.buttons).map((b) => ({ label: b.label, choice: b.data })),
        at: new Date(m.created_at),
      }));
    // A pressed button shows as its label, as a chat app shows the choice.
    const labels = new Map(theirs.flatMap((m) => m.buttons.map((b) => [b.choice, b.label] as const)));
    const mine = inbound.map((m) => {
      const choice = (m.payload as { choice?: string } | null)?.choice;
      const text = m.text ?? (choice ? `[${labels.get(choice) ?? choice}]` : "");
      return { id: m.id, from: "me" as const, text, buttons: [], at: m.received_at };
    });
    // In time order; at the same instant what the person sent comes before what answered it.
    return [...mine, ...theirs].sort(
      (a, b) => a.at.getTime() - b.at.getTime() || (a.from === "me" ? -1 : 1) - (b.from === "me" ? -1 : 1),
    );
  }

  return { send, messagesOf, conversation };
}

/**
 * The sandbox as the admin panel's chat page uses it (admin/ may not import bot/, so main.ts
 * hands this in): send, throwing a refusal as an Error with a readable message; read the whole
 * conversation.
 */
export function sandboxPort(deps: CoreDeps, chat: ChatApp) {
  const sessions = sandboxSessions(deps, chat);
  return {
    send: async (input: SandboxInput): Promise<void> => {
      const res = await sessions.send(input);
      if (!res.ok) throw new Error(res.message);
    },
    conversation: sessions.conversation,
  };
}
