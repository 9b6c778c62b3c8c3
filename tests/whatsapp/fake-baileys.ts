/**
 * A fake Baileys socket (STACK.md: an EventEmitter `ev` plus a recorded `sendMessage`), its
 * factory, and timers on the fake clock. Nothing here touches the network.
 */
import { EventEmitter } from "node:events";
import type { AnyMessageContent, proto, WAMessage } from "@whiskeysockets/baileys";
import type { SocketFactory, Timers, WhatsappSocket } from "../../bot/whatsapp/connection.js";
import type { FakeClock } from "../support/clock.js";

export interface SentMessage {
  jid: string;
  id: string;
  content: AnyMessageContent & { text?: string; edit?: proto.IMessageKey };
}

/** A Boom-like error as Baileys puts in `lastDisconnect.error` and throws from sendMessage. */
export function boom(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { output: { statusCode } });
}

let idCounter = 0;

export class FakeSocket implements WhatsappSocket {
  readonly ev = new EventEmitter();
  readonly sent: SentMessage[] = [];
  readonly pairingRequests: string[] = [];
  ended = false;
  user: { id: string } | undefined;
  /** Errors thrown by the next sendMessage calls, in order. */
  readonly failures: Error[] = [];
  readonly getMessage: Parameters<SocketFactory>[0]["getMessage"];

  constructor(opts: Parameters<SocketFactory>[0]) {
    this.getMessage = opts.getMessage;
  }

  sendMessage = (async (jid: string, content: SentMessage["content"]) => {
    const failure = this.failures.shift();
    if (failure) throw failure;
    idCounter += 1;
    const id = `3EB0${String(idCounter).padStart(8, "0")}`;
    this.sent.push({ jid, id, content });
    return {
      key: { remoteJid: jid, fromMe: true, id },
      message: { extendedTextMessage: { text: content.text ?? "" } },
    } as WAMessage;
  }) as WhatsappSocket["sendMessage"];

  async requestPairingCode(phone: string): Promise<string> {
    this.pairingRequests.push(phone);
    return "LEAD1234";
  }

  end(): void {
    this.ended = true;
  }

  qr(code = "2@fake-qr-ref,fake-key,fake-identity,fake-adv"): void {
    this.ev.emit("connection.update", { qr: code });
  }

  open(me = "4599999999:1@s.whatsapp.net"): void {
    this.user = { id: me };
    this.ev.emit("connection.update", { connection: "open" });
  }

  close(statusCode: number, message = "closed"): void {
    this.ev.emit("connection.update", {
      connection: "close",
      lastDisconnect: { error: boom(statusCode, message), date: new Date() },
    });
  }

  /** Deliver one inbound text message from `jid` (a `notify` upsert). */
  receive(jid: string, text: string, extra: { id?: string; pushName?: string; quoted?: string; key?: object } = {}) {
    idCounter += 1;
    const id = extra.id ?? `IN${String(idCounter).padStart(10, "0")}`;
    const message: proto.IMessage = extra.quoted
      ? { extendedTextMessage: { text, contextInfo: { stanzaId: extra.quoted } } }
      : { conversation: text };
    this.upsert({ key: { remoteJid: jid, fromMe: false, id, ...extra.key }, message, pushName: extra.pushName });
    return id;
  }

  upsert(msg: WAMessage, type: "notify" | "append" = "notify"): void {
    this.ev.emit("messages.upsert", { messages: [msg], type });
  }

  /** Texts sent to `jid`, edits excluded. */
  textsTo(jid: string): string[] {
    return this.sent.filter((s) => s.jid === jid && !s.content.edit).map((s) => s.content.text ?? "");
  }
}

/** Records every socket it makes; `last` is the current one. */
export class FakeSocketFactory {
  readonly sockets: FakeSocket[] = [];
  readonly factory: SocketFactory = (opts) => {
    const sock = new FakeSocket(opts);
    this.sockets.push(sock);
    return sock;
  };

  get last(): FakeSocket {
    const s = this.sockets.at(-1);
    if (!s) throw new Error("no socket made yet");
    return s;
  }
}

/** Timers on the fake clock: `advance` moves the clock and runs what fell due. */
export class FakeTimers implements Timers {
  private tasks: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  constructor(private readonly clock: FakeClock) {}

  set(fn: () => void, ms: number): unknown {
    this.nextId += 1;
    this.tasks.push({ at: this.clock.now().getTime() + ms, fn, id: this.nextId });
    return this.nextId;
  }

  clear(handle: unknown): void {
    this.tasks = this.tasks.filter((t) => t.id !== handle);
  }

  get pending(): number {
    return this.tasks.length;
  }

  advance(ms: number): void {
    this.clock.advance(ms);
    const now = this.clock.now().getTime();
    const due = this.tasks.filter((t) => t.at <= now);
    this.tasks = this.tasks.filter((t) => t.at > now);
    for (const t of due) t.fn();
  }
}
