import type { proto, WAMessage } from "@whiskeysockets/baileys";
import type { ChatAttachment, ChatInbound } from "../chat/types.js";

/** A received attachment as recorded in the inbound payload: kind, type and size, and where it is kept. */
interface WhatsappAttachment extends ChatAttachment {
  mimetype?: string;
  sizeBytes?: number;
}

type Content = proto.IMessage;

/** Unwrap the envelopes WhatsApp puts around content (disappearing, view-once, edited…). */
export function innerContent(m: Content | null | undefined): Content | null {
  let c = m ?? null;
  for (let i = 0; i < 5 && c; i++) {
    const next =
      c.ephemeralMessage?.message ??
      c.viewOnceMessage?.message ??
      c.viewOnceMessageV2?.message ??
      c.documentWithCaptionMessage?.message ??
      c.editedMessage?.message;
    if (!next) break;
    c = next;
  }
  return c;
}

/** A protobuf length (a number, or a Long from protobufjs) as a number. */
function size(n: unknown): number | undefined {
  if (n === null || n === undefined) return undefined;
  const long = n as { toNumber?: () => number };
  const v = typeof long.toNumber === "function" ? long.toNumber() : Number(n);
  return Number.isFinite(v) ? v : undefined;
}

/** The media and other attachments of a message; `ref` is `wa:<message id>` (the stored message). */
function attachmentsOf(c: Content, messageId: string): WhatsappAttachment[] {
  const ref = `wa:${messageId}`;
  const out: WhatsappAttachment[] = [];
  const media = (kind: ChatAttachment["kind"], m: proto.Message.IImageMessage | null | undefined, name?: string) => {
    if (!m) return;
    const a: WhatsappAttachment = { kind, ref };
    if (name) a.name = name;
    if (m.mimetype) a.mimetype = m.mimetype;
    const bytes = size(m.fileLength);
    if (bytes !== undefined) a.sizeBytes = bytes;
    out.push(a);
  };
  media("photo", c.imageMessage);
  media("video", c.videoMessage as proto.Message.IImageMessage);
  media(c.audioMessage?.ptt ? "voice" : "audio", c.audioMessage as proto.Message.IImageMessage);
  media(
    "document",
    c.documentMessage as proto.Message.IImageMessage,
    c.documentMessage?.fileName ?? c.documentMessage?.title ?? undefined,
  );
  media("sticker", c.stickerMessage as proto.Message.IImageMessage);
  const loc = c.locationMessage ?? c.liveLocationMessage;
  if (loc) out.push({ kind: "location", ref: `${loc.degreesLatitude},${loc.degreesLongitude}` });
  if (c.contactMessage) out.push({ kind: "contact", ref, name: c.contactMessage.displayName ?? undefined });
  return out;
}

/** True when the message carries media whose keys must be kept to download it later. */
export function hasMedia(c: Content): boolean {
  return Boolean(c.imageMessage || c.videoMessage || c.audioMessage || c.documentMessage || c.stickerMessage);
}

/** The text of a message: plain, extended (links, replies), or a media caption. */
function textOf(c: Content): string | undefined {
  return (
    c.conversation ??
    c.extendedTextMessage?.text ??
    c.imageMessage?.caption ??
    c.videoMessage?.caption ??
    c.documentMessage?.caption ??
    undefined
  );
}

/** The id of the message this one quotes (a WhatsApp "reply"), if any. */
function quotedIdOf(c: Content): string | undefined {
  const ctx =
    c.extendedTextMessage?.contextInfo ??
    c.imageMessage?.contextInfo ??
    c.videoMessage?.contextInfo ??
    c.documentMessage?.contextInfo ??
    c.audioMessage?.contextInfo ??
    c.buttonsResponseMessage?.contextInfo ??
    c.listResponseMessage?.contextInfo;
  return ctx?.stanzaId ?? undefined;
}

/** The button id of a native button or list reply (older clients still send these). */
function nativeChoiceOf(c: Content): string | undefined {
  return (
    c.buttonsResponseMessage?.selectedButtonId ??
    c.listResponseMessage?.singleSelectReply?.selectedRowId ??
    c.templateButtonReplyMessage?.selectedId ??
    undefined
  );
}

/** A reply that is just a number ("2", "2.", " 2) ") → 2; anything else → null. */
export function numberedReply(text: string | undefined): number | null {
  const m = /^\s*#?(\d{1,2})\s*[.)]?\s*$/.exec(text ?? "");
  return m?.[1] ? Number(m[1]) : null;
}

/**
 * A received WhatsApp message as the chat app's normalised message, for sender `address` (the
 * identity address the JID resolved to). Our own messages, protocol messages (receipts, edits,
 * deletions, key distribution) and reactions return null. `externalId` is `wa:<message id>`, the
 * same on every redelivery.
 */
export function toInbound(msg: WAMessage, address: string): ChatInbound | null {
  const id = msg.key.id;
  if (!id || msg.key.fromMe) return null;
  const c = innerContent(msg.message);
  if (!c || c.protocolMessage || c.reactionMessage || (c.senderKeyDistributionMessage && !textOf(c))) return null;
  const text = textOf(c);
  const choice = nativeChoiceOf(c);
  const attachments = attachmentsOf(c, id);
  if (text === undefined && choice === undefined && attachments.length === 0) return null;
  const replyTo = quotedIdOf(c);
  return {
    channel: "whatsapp",
    externalId: `wa:${id}`,
    address,
    ...(msg.pushName ? { displayName: msg.pushName } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(choice !== undefined ? { choice } : {}),
    ...(replyTo ? { replyTo } : {}),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}
