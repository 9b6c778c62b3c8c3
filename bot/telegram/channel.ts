import { type Api, GrammyError, HttpError } from "grammy";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { Channel, OutboundEnvelope, SendResult } from "../../core/ports.js";

/** Telegram's limit on one message's text. */
const TELEGRAM_MAX_TEXT = 4096;
/** Telegram's limit on a button's callback_data, in bytes. */
const MAX_CALLBACK_BYTES = 64;

/**
 * The Telegram channel: an outbox envelope becomes one sendMessage to chat `envelope.to`; a
 * notice's `payload.buttons` ({label, data}) become an inline keyboard, two per row. A text
 * longer than Telegram allows is split at line or word breaks and sent in parts, the buttons
 * under the last part (a relay may be 5,000 characters; if a later part fails, a retry sends the
 * earlier ones again — rare, and better than losing the end). A row with `payload.edit` and
 * `payload.ref` (a message id) edits that message instead of sending a new one.
 * Telegram's answers map onto the outbox's retry rules: 429 waits its
 * `retry_after`; 5xx, 401 (token being fixed) and network errors retry with backoff; other 4xx
 * (chat not found, bot blocked, bad request) fail at once — sending again cannot help.
 * Pacing is the outbox sender's job (core/messaging/rate-limit.ts); this adapter never sleeps.
 */
export function telegramChannel(api: Api): Channel {
  return {
    async send(message: OutboundEnvelope): Promise<SendResult> {
      const keyboard = inlineKeyboard(message.payload);
      const editOf = editTarget(message.payload);
      if (editOf !== null) return edit(api, message, editOf, keyboard);
      const parts = splitText(message.body);
      let lastId: number | undefined;
      try {
        for (const [i, text] of parts.entries()) {
          const last = i === parts.length - 1;
          const sent = await api.sendMessage(message.to, text, last && keyboard ? { reply_markup: keyboard } : {});
          lastId = sent.message_id;
        }
      } catch (err) {
        return failure(err);
      }
      return { ok: true, providerMessageId: lastId === undefined ? undefined : String(lastId) };
    },
  };
}

/** The message id an outbox row asks to edit (`payload: { edit: true, ref: "<message_id>" }`), else null. */
export function editTarget(payload: unknown): number | null {
  const p = payload as { edit?: unknown; ref?: unknown } | null | undefined;
  if (p?.edit !== true) return null;
  const id = Number(p.ref);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * Replace the text (and keyboard) of a message sent earlier — e.g. a response window's live
 * countdown. "Not modified" counts as done; a message that is gone cannot be edited (not retried).
 */
async function edit(
  api: Api,
  message: OutboundEnvelope,
  messageId: number,
  keyboard: InlineKeyboardMarkup | undefined,
): Promise<SendResult> {
  try {
    const text = message.body.slice(0, TELEGRAM_MAX_TEXT);
    await api.editMessageText(message.to, messageId, text, keyboard ? { reply_markup: keyboard } : {});
  } catch (err) {
    if (!(err instanceof GrammyError && /message is not modified/i.test(err.description))) return failure(err);
  }
  return { ok: true, providerMessageId: String(messageId) };
}

/** `payload.buttons` as an inline keyboard, two buttons per row; undefined when there are none. */
export function inlineKeyboard(payload: unknown): InlineKeyboardMarkup | undefined {
  const raw = (payload as { buttons?: unknown } | null | undefined)?.buttons;
  if (!Array.isArray(raw)) return undefined;
  const buttons: InlineKeyboardButton[] = [];
  for (const b of raw as Array<{ label?: unknown; data?: unknown }>) {
    if (typeof b?.label !== "string" || typeof b.data !== "string") continue;
    if (b.data.length === 0 || Buffer.byteLength(b.data) > MAX_CALLBACK_BYTES) continue;
    buttons.push({ text: b.label, callback_data: b.data });
  }
  if (buttons.length === 0) return undefined;
  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
  return { inline_keyboard: rows };
}

/** Split `text` into parts of at most `max` characters, preferring line breaks, then spaces. */
export function splitText(text: string, max = TELEGRAM_MAX_TEXT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = window.lastIndexOf("\n");
    if (cut < max / 2) cut = window.lastIndexOf(" ");
    if (cut < max / 2) cut = max;
    if (/[\uD800-\uDBFF]/.test(rest.charAt(cut - 1))) cut -= 1; // never split a surrogate pair
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  parts.push(rest);
  return parts.filter((p) => p.length > 0);
}

function failure(err: unknown): SendResult {
  if (err instanceof GrammyError) {
    const error = `telegram ${err.error_code}: ${err.description}`;
    if (err.error_code === 429) {
      const seconds = err.parameters.retry_after ?? 1;
      return { ok: false, retryable: true, error, retryAfterMs: seconds * 1000 };
    }
    const retryable = err.error_code >= 500 || err.error_code === 401;
    return { ok: false, retryable, error };
  }
  if (err instanceof HttpError) return { ok: false, retryable: true, error: `telegram unreachable: ${err.message}` };
  return { ok: false, retryable: true, error: (err as Error)?.message ?? String(err) };
}
