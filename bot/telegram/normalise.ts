import type { Message, Update } from "grammy/types";
import type { ChatAttachment, ChatInbound } from "../chat/types.js";

function attachmentsOf(m: Message): ChatAttachment[] {
  const out: ChatAttachment[] = [];
  const photo = m.photo?.at(-1);
  if (photo) out.push({ kind: "photo", ref: photo.file_id });
  if (m.document) out.push({ kind: "document", ref: m.document.file_id, name: m.document.file_name });
  if (m.voice) out.push({ kind: "voice", ref: m.voice.file_id });
  if (m.audio) out.push({ kind: "audio", ref: m.audio.file_id, name: m.audio.file_name });
  if (m.video) out.push({ kind: "video", ref: m.video.file_id });
  if (m.sticker) out.push({ kind: "sticker", ref: m.sticker.file_id, name: m.sticker.emoji });
  if (m.location) out.push({ kind: "location", ref: `${m.location.latitude},${m.location.longitude}` });
  if (m.contact) out.push({ kind: "contact", ref: m.contact.phone_number, name: m.contact.first_name });
  return out;
}

function nameOf(from: { first_name: string; last_name?: string } | undefined): string | undefined {
  return from ? [from.first_name, from.last_name].filter(Boolean).join(" ") : undefined;
}

/**
 * A Telegram update as the chat app's normalised message — and nothing else: private-chat
 * messages (text or caption, attachments, the message replied to) and button presses. Ids are
 * stable across redelivery: `msg:<chat>:<message_id>` and `cb:<callback_query_id>`. Other
 * updates (edits, groups, channel posts) return null.
 */
export function toInbound(update: Update): ChatInbound | null {
  const m = update.message;
  if (m) {
    if (m.chat.type !== "private") return null;
    const attachments = attachmentsOf(m);
    const text = m.text ?? m.caption;
    return {
      channel: "telegram",
      externalId: `msg:${m.chat.id}:${m.message_id}`,
      address: String(m.chat.id),
      displayName: nameOf(m.from),
      language: m.from?.language_code,
      ...(text !== undefined ? { text } : {}),
      ...(m.reply_to_message ? { replyTo: String(m.reply_to_message.message_id) } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    };
  }
  const q = update.callback_query;
  if (q?.data !== undefined && q.message && q.message.chat.type === "private") {
    return {
      channel: "telegram",
      externalId: `cb:${q.id}`,
      address: String(q.message.chat.id),
      displayName: nameOf(q.from),
      language: q.from.language_code,
      choice: q.data,
      replyTo: String(q.message.message_id),
    };
  }
  return null;
}
