import type { AuditActor } from "../../core/audit.js";
import type { CoreDeps } from "../../core/context.js";
import { recordRead } from "../../core/messaging/read-receipt.service.js";
import { pauseWhatsapp, resumeWhatsapp, whatsappOverview } from "../../core/messaging/whatsapp-guard.service.js";
import type { Channel } from "../../core/ports.js";
import type { ChatApp } from "../chat/app.js";
import { downloadMediaMessage } from "./baileys.js";
import { whatsappChannel } from "./channel.js";
import { type SocketFactory, type Timers, WhatsappConnection } from "./connection.js";
import { type WhatsappInbound, whatsappInbound } from "./inbound.js";
import { messageStore } from "./message-store.js";

/** The default session id (one paired number per installation). */
export const DEFAULT_WHATSAPP_SESSION = "default";

export interface WhatsappAdapterOptions {
  chat: ChatApp;
  socketFactory: SocketFactory;
  sessionId?: string;
  timers?: Timers;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The WhatsApp adapter: the connection, the outbox channel, the inbound handler. */
export interface WhatsappAdapter {
  /** The session (paired number) this adapter connects; one process holds it at a time. */
  sessionId: string;
  connection: WhatsappConnection;
  /** The raw channel (wrap it with localizedChannel for the outbox). */
  channel: Channel;
  inbound: WhatsappInbound;
  /** Pause sending (rows stay queued) with an alert in the panel; `resume` lifts it. */
  pause(reason: string, actor?: AuditActor): Promise<void>;
  resume(actor?: AuditActor): Promise<void>;
  /** Connection, guard and alert as the panel shows them. */
  overview(): ReturnType<typeof whatsappOverview>;
  /** Forget stored messages past their retention; returns how many. */
  prune(): Promise<number>;
  /** Download a received media file (attachment ref `wa:<id>`) from WhatsApp's servers; null if unknown. */
  downloadMedia(ref: string): Promise<Buffer | null>;
}

/** Baileys' message status for "read" (blue ticks) and "played" (a voice note listened to). */
const READ_STATUSES = new Set([4, 5]);

/**
 * WhatsApp read receipts: our own messages whose status became read (or played) are recorded as
 * read by the customer (`read_at` on the outbound row). A failure is logged, never thrown.
 */
export async function readReceipts(
  deps: Pick<CoreDeps, "prisma" | "clock" | "log">,
  updates: ReadonlyArray<{ key: { id?: string | null; fromMe?: boolean | null }; update: { status?: number | null } }>,
): Promise<void> {
  for (const u of updates) {
    if (!u.key.fromMe || !u.key.id || !READ_STATUSES.has(Number(u.update.status))) continue;
    try {
      await recordRead(deps, { channel: "whatsapp", providerMessageId: u.key.id });
    } catch (err) {
      deps.log.warn("whatsapp read receipt not recorded", err);
    }
  }
}

/**
 * Build the WhatsApp adapter (nothing connects until `connection.start()`). Each socket the
 * connection makes gets the inbound handlers: new messages, and the contact and phone-number
 * events that tell a LID's phone.
 */
export function createWhatsappAdapter(
  deps: Pick<CoreDeps, "prisma" | "clock" | "log">,
  opts: WhatsappAdapterOptions,
): WhatsappAdapter {
  const sessionId = opts.sessionId ?? DEFAULT_WHATSAPP_SESSION;
  const store = messageStore(deps.prisma, sessionId);
  const inbound = whatsappInbound({ deps, chat: opts.chat, store, sleep: opts.sleep });
  const connection = new WhatsappConnection({
    deps,
    sessionId,
    socketFactory: opts.socketFactory,
    timers: opts.timers,
    getMessage: (key) => store.get(key.id),
    onSocket(sock) {
      sock.ev.on("messages.upsert", (e) => inbound.upsert(e));
      sock.ev.on("contacts.upsert", (c) => inbound.contacts(c));
      sock.ev.on("contacts.update", (c) => inbound.contacts(c));
      sock.ev.on("chats.phoneNumberShare", (e) => inbound.phoneNumberShare(e));
      sock.ev.on("messages.update", (updates) => void readReceipts(deps, updates));
    },
  });
  const channel = whatsappChannel({ deps, store, socket: () => connection.socket(), random: opts.random });
  return {
    sessionId,
    connection,
    channel,
    inbound,
    async pause(reason, actor) {
      await pauseWhatsapp(deps, { kind: "manual", reason, ...(actor ? { actor } : {}) });
    },
    async resume(actor) {
      await resumeWhatsapp(deps, actor ? { actor } : {});
    },
    overview: () => whatsappOverview(deps),
    prune: () => store.prune(deps.clock.now()),
    async downloadMedia(ref) {
      const stored = await store.getStored(ref.replace(/^wa:/, ""));
      if (!stored) return null;
      return downloadMediaMessage(stored, "buffer", {});
    },
  };
}

/** How often the bot role looks for the panel's pairing-code requests. */
const POLL_MS = 3_000;
const DAY_MS = 24 * 60 * 60_000;

/**
 * The bot role's WhatsApp part: connect, take the panel's pairing-code requests, prune old stored
 * messages daily. Returns the graceful stop.
 */
export async function startWhatsapp(wa: WhatsappAdapter, log: CoreDeps["log"]): Promise<() => Promise<void>> {
  await wa.connection.start();
  const poll = setInterval(() => {
    wa.connection.pollRequests().catch((err) => log.warn("whatsapp: pairing request failed", err));
  }, POLL_MS).unref();
  const prune = setInterval(() => {
    wa.prune().catch((err) => log.warn("whatsapp: pruning stored messages failed", err));
  }, DAY_MS).unref();
  log.info("whatsapp: connecting (pair from the panel if asked)");
  return async () => {
    clearInterval(poll);
    clearInterval(prune);
    await wa.connection.stop();
  };
}
