import type { BaileysEventMap, Contact, WAMessage } from "@whiskeysockets/baileys";
import type { CoreDeps } from "../../core/context.js";
import {
  adoptWhatsappCustomer,
  bareLid,
  jidOfAddress,
  linkWhatsappLid,
  phoneOfJid,
  whatsappAddressOf,
} from "../../core/messaging/whatsapp-identity.service.js";
import type { ChatApp } from "../chat/app.js";
import type { ChatInbound } from "../chat/types.js";
import type { MessageStore } from "./message-store.js";
import { hasMedia, innerContent, numberedReply, toInbound } from "./normalise.js";

/** Newer WhatsApp servers name the other id of the sender on the key; 6.17 types do not list them. */
type KeyWithAlt = WAMessage["key"] & { senderPn?: string; remoteJidAlt?: string; senderLid?: string };

export interface InboundOptions {
  deps: Pick<CoreDeps, "prisma" | "clock" | "log">;
  chat: ChatApp;
  store: MessageStore;
  /** Wait between intake retries (real timers in production). */
  sleep?: (ms: number) => Promise<void>;
}

const INTAKE_ATTEMPTS = 5;

/**
 * The inbound side of the WhatsApp adapter. New messages (`messages.upsert` of type `notify`;
 * history syncs and our own messages are ignored) become the chat app's normalised message: the
 * sender's JID resolved to one identity (LID and phone merged when WhatsApp tells us both, by the
 * key, a contact update or a phone-number share), a reply that is just a number turned into the
 * button it names, media messages kept (with their download keys) in `whatsapp_messages`.
 * Redeliveries carry the same message id and the chat app's intake recognises them.
 */
export function whatsappInbound(opts: InboundOptions) {
  const { prisma, clock, log } = opts.deps;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  let queue: Promise<unknown> = Promise.resolve();

  /** Run `task` after everything received before it: a sender's messages never overtake each other. */
  function track(task: () => Promise<unknown>): void {
    queue = queue.then(task).catch((err) => log.warn("whatsapp: inbound handling failed", err));
  }

  async function intake(msg: ChatInbound): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.chat.handle(msg);
        return;
      } catch (err) {
        // Baileys has acknowledged the message already: keep trying before giving up on it.
        if (attempt >= INTAKE_ATTEMPTS) throw err;
        log.warn(`whatsapp: could not take in ${msg.externalId} (attempt ${attempt}), retrying`, err);
        await sleep(Math.min(30_000, 500 * 2 ** attempt));
      }
    }
  }

  async function one(msg: WAMessage): Promise<void> {
    const key = msg.key as KeyWithAlt;
    const jid = key.remoteJid;
    if (!jid || key.fromMe) return;
    const now = clock.now();
    const alt = key.senderPn ?? key.remoteJidAlt;
    if (bareLid(jid) && phoneOfJid(alt)) await linkWhatsappLid(prisma, { lid: jid, phoneJid: alt as string }, now);
    if (phoneOfJid(jid) && bareLid(key.senderLid ?? alt))
      await linkWhatsappLid(prisma, { lid: (key.senderLid ?? alt) as string, phoneJid: jid }, now);
    const address = await whatsappAddressOf(prisma, jid);
    if (!address) return;
    const inbound = toInbound(msg, address);
    if (!inbound) return;
    await adoptWhatsappCustomer(prisma, address, now);
    const content = innerContent(msg.message);
    if (content && hasMedia(content) && key.id) {
      await opts.store.save({ id: key.id, remoteJid: jid, message: msg, at: now });
    }
    const n = inbound.choice === undefined ? numberedReply(inbound.text) : null;
    if (n !== null) {
      const offered = await opts.store.choicesFor(jidOfAddress(address), inbound.replyTo);
      const picked = offered?.choices.find((c) => c.n === n);
      if (offered && picked) {
        delete inbound.text;
        inbound.choice = picked.data;
        inbound.replyTo = offered.messageId;
      }
    }
    await intake(inbound);
  }

  return {
    /** `messages.upsert`: new messages in order, one at a time. */
    upsert(event: BaileysEventMap["messages.upsert"]): void {
      if (event.type !== "notify") return;
      track(async () => {
        for (const msg of event.messages) {
          await one(msg).catch((err) => log.warn(`whatsapp: message ${msg.key.id} not taken in`, err));
        }
      });
    },

    /** `contacts.upsert` / `contacts.update`: a contact that names both its phone JID and LID. */
    contacts(contacts: Array<Partial<Contact>>): void {
      const now = clock.now();
      for (const c of contacts) {
        const [pn, lid] = phoneOfJid(c.id) ? [c.id, c.lid] : [c.lid, c.id];
        if (pn && lid && bareLid(lid)) track(() => linkWhatsappLid(prisma, { lid, phoneJid: pn }, now));
      }
    },

    /** `chats.phoneNumberShare`: someone writing by LID shared their number. */
    phoneNumberShare(event: BaileysEventMap["chats.phoneNumberShare"]): void {
      const now = clock.now();
      track(() => linkWhatsappLid(prisma, { lid: event.lid, phoneJid: event.jid }, now));
    },

    /** Resolves when everything received so far has been handed to the chat app. */
    async idle(): Promise<void> {
      let seen: Promise<unknown> | null = null;
      while (seen !== queue) {
        seen = queue;
        await queue;
      }
      await opts.chat.idle();
    },
  };
}

/** The inbound handler's interface, for wiring. */
export type WhatsappInbound = ReturnType<typeof whatsappInbound>;
