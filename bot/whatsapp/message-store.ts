import type { proto, WAMessage } from "@whiskeysockets/baileys";
import type { Prisma, PrismaClient } from "../../prisma/generated/client.js";
import { BufferJSON } from "./baileys.js";

/** One numbered choice a sent message offered: reply `n` means pressing the button `data`. */
export interface NumberedChoice {
  n: number;
  label: string;
  data: string;
}

/** How long sent messages are kept for retry requests and numbered replies. */
const MESSAGE_RETENTION_MS = 14 * 24 * 60 * 60_000;

const toJson = (m: unknown) => JSON.parse(JSON.stringify(m ?? {}, BufferJSON.replacer)) as Prisma.InputJsonValue;

/**
 * The durable store behind Baileys' `getMessage`: a recipient that could not decrypt our message
 * asks for it again, and without the original Baileys cannot re-send it (the "retry loop" of
 * Evolution API's issues). Each sent message is kept with the numbered choices it offered;
 * `choices: []` records that a message asked for free text, clearing earlier choices.
 */
export function messageStore(prisma: PrismaClient, sessionId: string) {
  return {
    /** Keep a message (sent, or a received media message whose keys allow a later download). */
    async save(input: {
      id: string;
      remoteJid: string;
      message: proto.IMessage | proto.IWebMessageInfo;
      choices?: NumberedChoice[];
      at: Date;
    }): Promise<void> {
      const choices = input.choices === undefined ? undefined : (input.choices as unknown as Prisma.InputJsonValue);
      await prisma.whatsappMessage.upsert({
        where: { session_id_message_id: { session_id: sessionId, message_id: input.id } },
        create: {
          session_id: sessionId,
          message_id: input.id,
          remote_jid: input.remoteJid,
          message: toJson(input.message),
          ...(choices !== undefined ? { choices } : {}),
          created_at: input.at,
        },
        update: { message: toJson(input.message) },
      });
    },

    /** Baileys' `getMessage`: the content of a message we sent, for a retry request. */
    async get(id: string | null | undefined): Promise<proto.IMessage | undefined> {
      if (!id) return undefined;
      const row = await prisma.whatsappMessage.findUnique({
        where: { session_id_message_id: { session_id: sessionId, message_id: id } },
      });
      if (!row) return undefined;
      return JSON.parse(JSON.stringify(row.message), BufferJSON.reviver) as proto.IMessage;
    },

    /** A stored received message whole (with its media keys), for a download. */
    async getStored(id: string): Promise<WAMessage | null> {
      const row = await prisma.whatsappMessage.findUnique({
        where: { session_id_message_id: { session_id: sessionId, message_id: id } },
      });
      const msg = row ? (JSON.parse(JSON.stringify(row.message), BufferJSON.reviver) as WAMessage) : null;
      return msg?.key ? msg : null;
    },

    /** When a message was stored (null if unknown): an edit is only possible for a short while. */
    async sentAt(id: string): Promise<Date | null> {
      const row = await prisma.whatsappMessage.findUnique({
        where: { session_id_message_id: { session_id: sessionId, message_id: id } },
        select: { created_at: true },
      });
      return row?.created_at ?? null;
    },

    /**
     * The choices a numbered reply refers to: those of the quoted message when the person replied
     * to one, else those of the latest message to them that offered choices or asked for text.
     */
    async choicesFor(
      remoteJid: string,
      quotedId?: string,
    ): Promise<{ messageId: string; choices: NumberedChoice[] } | null> {
      const row = quotedId
        ? await prisma.whatsappMessage.findUnique({
            where: { session_id_message_id: { session_id: sessionId, message_id: quotedId } },
            select: { message_id: true, choices: true },
          })
        : (
            await prisma.$queryRaw<Array<{ message_id: string; choices: unknown }>>`
              SELECT message_id, choices FROM whatsapp_messages
              WHERE session_id = ${sessionId} AND remote_jid = ${remoteJid} AND choices IS NOT NULL
              ORDER BY created_at DESC LIMIT 1`
          )[0];
      const choices = Array.isArray(row?.choices) ? (row.choices as unknown as NumberedChoice[]) : [];
      return row && choices.length > 0 ? { messageId: row.message_id, choices } : null;
    },

    /** Forget messages older than the retention (a retry request comes within minutes). */
    async prune(now: Date): Promise<number> {
      const res = await prisma.whatsappMessage.deleteMany({
        where: { session_id: sessionId, created_at: { lt: new Date(now.getTime() - MESSAGE_RETENTION_MS) } },
      });
      return res.count;
    },
  };
}

/** The store's interface, for wiring. */
export type MessageStore = ReturnType<typeof messageStore>;
