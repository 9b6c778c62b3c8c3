import type { CoreDeps } from "../../core/context.js";
import { admitWhatsappSend, reportWhatsappSendError } from "../../core/messaging/whatsapp-guard.service.js";
import { jidOfAddress } from "../../core/messaging/whatsapp-identity.service.js";
import type { Channel, OutboundEnvelope, SendResult } from "../../core/ports.js";
import type { WhatsappSocket } from "./connection.js";
import type { MessageStore, NumberedChoice } from "./message-store.js";

/** WhatsApp lets a sent message be edited for 15 minutes; later edits are skipped. */
const EDIT_WINDOW_MS = 15 * 60_000;
/** How long rows wait while the connection is down (they stay queued, no attempt used). */
const NOT_CONNECTED_WAIT_MS = 30_000;

const HINTS: Record<string, string> = {
  en: "Reply with the number of your choice.",
  da: "Svar med nummeret på dit valg.",
};

/** `payload.buttons` as numbered choices (1, 2, …); empty when there are none. */
function numberedChoices(payload: unknown): NumberedChoice[] {
  const raw = (payload as { buttons?: unknown } | null | undefined)?.buttons;
  if (!Array.isArray(raw)) return [];
  const out: NumberedChoice[] = [];
  for (const b of raw as Array<{ label?: unknown; data?: unknown }>) {
    if (typeof b?.label !== "string" || typeof b.data !== "string" || b.data.length === 0) continue;
    out.push({ n: out.length + 1, label: b.label, data: b.data });
  }
  return out;
}

/**
 * The text a WhatsApp user sees: the body, then the choices as a numbered list ("1. ×0.8") and a
 * one-line hint — WhatsApp's own buttons are unreliable for unofficial clients, a number always works.
 */
function renderWithChoices(body: string, choices: readonly NumberedChoice[], lang = "en"): string {
  if (choices.length === 0) return body;
  const list = choices.map((c) => `${c.n}. ${c.label}`).join("\n");
  return `${body}\n\n${list}\n${HINTS[lang] ?? HINTS.en}`;
}

/** The HTTP-like status of a Baileys error (a Boom), if it has one. */
function statusOf(err: unknown): number | undefined {
  const e = err as { output?: { statusCode?: number }; data?: unknown; status?: number } | null;
  return e?.output?.statusCode ?? (typeof e?.data === "number" ? e.data : undefined) ?? e?.status;
}

export interface WhatsappChannelOptions {
  deps: Pick<CoreDeps, "prisma" | "clock" | "log">;
  store: MessageStore;
  /** The open socket, or null while disconnected. */
  socket(): WhatsappSocket | null;
  /** Random numbers in [0, 1) for the guard's jitter. */
  random?: () => number;
}

/**
 * The WhatsApp channel for the outbox. Every message first passes the health guard (pacing with
 * jitter, the daily first-contact cap, pauses); a "not now" keeps the row queued without using an
 * attempt, as does a closed connection. Buttons become numbered choices, remembered with the sent
 * message so a numbered reply maps back. Each sent message is stored for Baileys' retry
 * requests. A rate-limit or ban signal from WhatsApp pauses sending and alerts the panel.
 * `payload.edit` + `payload.ref` edits a message sent less than 15 minutes ago (a countdown);
 * older ones are left as they are.
 */
export function whatsappChannel(opts: WhatsappChannelOptions): Channel {
  const random = opts.random ?? Math.random;
  return {
    async send(message: OutboundEnvelope): Promise<SendResult> {
      const sock = opts.socket();
      if (!sock) {
        return { ok: false, retryable: true, retryAfterMs: NOT_CONNECTED_WAIT_MS, error: "whatsapp not connected" };
      }
      const payload = (message.payload ?? {}) as { edit?: unknown; ref?: unknown; lang?: unknown; awaiting?: unknown };
      const jid = jidOfAddress(message.to);
      const editRef = payload.edit === true && typeof payload.ref === "string" ? payload.ref : null;
      if (editRef) {
        const sentAt = await opts.store.sentAt(editRef);
        const now = opts.deps.clock.now().getTime();
        if (!sentAt || now - sentAt.getTime() > EDIT_WINDOW_MS) return { ok: true, providerMessageId: editRef };
      }
      const decision = await admitWhatsappSend(opts.deps, { to: message.to, jitter: random() });
      if (decision.action === "wait") {
        return {
          ok: false,
          retryable: true,
          error: decision.reason,
          retryAfterMs: Math.max(1, decision.waitMs),
          holdChannel: decision.scope === "channel",
        };
      }
      const choices = numberedChoices(payload);
      const lang = typeof payload.lang === "string" ? payload.lang : "en";
      const text = renderWithChoices(message.body, choices, lang);
      try {
        const sent = editRef
          ? await sock.sendMessage(jid, { text, edit: { remoteJid: jid, fromMe: true, id: editRef } })
          : await sock.sendMessage(jid, { text });
        const id = sent?.key.id;
        if (!id) return { ok: false, retryable: true, error: "whatsapp: no message id returned" };
        if (sent.message && !editRef) {
          await opts.store.save({
            id,
            remoteJid: jid,
            message: sent.message,
            // Choices offered, or `[]` when this message asks for free text (a number then is text).
            choices: choices.length > 0 ? choices : payload.awaiting ? [] : undefined,
            at: opts.deps.clock.now(),
          });
        }
        return { ok: true, providerMessageId: editRef ?? id };
      } catch (err) {
        const error = { status: statusOf(err), message: (err as Error)?.message ?? String(err) };
        const signal = await reportWhatsappSendError(opts.deps, error);
        const text = `whatsapp ${error.status ?? ""}: ${error.message}`.replace("  ", " ");
        if (signal) return { ok: false, retryable: true, retryAfterMs: 60_000, error: `${text} (sending paused)` };
        return { ok: false, retryable: true, error: text };
      }
    },
  };
}
