import type { AuthenticationState, BaileysEventMap, proto, WASocket } from "@whiskeysockets/baileys";
import QRCode from "qrcode";
import type { CoreDeps } from "../../core/context.js";
import { pauseWhatsapp } from "../../core/messaging/whatsapp-guard.service.js";
import {
  clearWhatsappAlert,
  raiseWhatsappAlert,
  takeWhatsappPairingRequest,
  type WhatsappConnectionState,
  type WhatsappStatus,
  writeWhatsappStatus,
} from "../../core/messaging/whatsapp-status.service.js";
import { useDatabaseAuthState } from "./auth-state.js";
import { DisconnectReason } from "./baileys.js";

/** The part of Baileys' socket LeadRelay uses; tests pass a fake (an EventEmitter plus recorded calls). */
export interface WhatsappSocket {
  ev: { on<T extends keyof BaileysEventMap>(event: T, listener: (arg: BaileysEventMap[T]) => void): void };
  sendMessage: WASocket["sendMessage"];
  requestPairingCode(phoneNumber: string): Promise<string>;
  end(error: Error | undefined): void;
  user?: { id: string } | undefined;
}

/** Makes a socket; the real one is makeWASocket (socket.ts), tests inject a fake. */
export type SocketFactory = (opts: {
  auth: AuthenticationState;
  getMessage: (key: proto.IMessageKey) => Promise<proto.IMessage | undefined>;
}) => WhatsappSocket;

/** Timers, injectable so tests run reconnect backoff on a fake clock. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Reconnect delay after the n-th transient close in a row: 1 s, 2 s, 4 s … up to a minute. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, attempt - 1));
}

/** QR rounds left unscanned before the manager stops asking (no endless QR loop). */
const MAX_QR_ROUNDS = 3;

export interface ConnectionOptions {
  deps: Pick<CoreDeps, "prisma" | "clock" | "log">;
  sessionId: string;
  socketFactory: SocketFactory;
  getMessage: (key: proto.IMessageKey) => Promise<proto.IMessage | undefined>;
  /** Called with each new socket, to attach the inbound handlers. */
  onSocket(sock: WhatsappSocket): void;
  timers?: Timers;
}

/**
 * The WhatsApp connection manager, a state machine: connecting → qr | pairing-code → open;
 * a transient close → reconnecting (backoff 1 s … 60 s) → connecting; 515 "restart required"
 * (sent right after pairing) → an immediate new socket; 401 logged out → logged-out: the session
 * is forgotten, nothing reconnects, an alert is raised; 403 (the number is restricted or banned)
 * → paused: sending is paused and an alert raised. Every transition is written to `settings`
 * (`whatsapp.status`) for the panel.
 */
export class WhatsappConnection {
  private sock: WhatsappSocket | null = null;
  private current: WhatsappStatus;
  private attempts = 0;
  private qrRounds = 0;
  private timer: unknown = null;
  private stopping = false;
  private pairingPhone: string | null = null;
  private writes: Promise<unknown> = Promise.resolve();
  private updates: Promise<unknown> = Promise.resolve();
  private readonly timers: Timers;

  constructor(private readonly opts: ConnectionOptions) {
    this.timers = opts.timers ?? realTimers;
    this.current = { state: "stopped", since: opts.deps.clock.now().toISOString() };
  }

  /** The connection as the panel shows it. */
  status(): WhatsappStatus {
    return { ...this.current };
  }

  /** The socket, while the connection is open (null otherwise: callers wait). */
  socket(): WhatsappSocket | null {
    return this.current.state === "open" ? this.sock : null;
  }

  /** The QR to scan as a PNG data URL, while one is shown. */
  qrDataUrl(): string | null {
    return this.current.qrPng ?? null;
  }

  /** Connect (or reconnect after logged-out/paused: a fresh pairing if the session was forgotten). */
  async start(): Promise<void> {
    this.stopping = false;
    this.attempts = 0;
    this.qrRounds = 0;
    await this.connect();
  }

  /** Close the socket and stop reconnecting. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearTimer();
    const sock = this.sock;
    this.sock = null;
    sock?.end(undefined);
    this.transition("stopped");
    await this.settled();
  }

  /**
   * Pair by code instead of QR: the code is asked for on the next QR (or at once if one is
   * showing) and reported in the status as `pairing-code`.
   */
  async requestPairingCode(phone: string): Promise<void> {
    this.pairingPhone = phone.replace(/\D/g, "");
    if (this.current.state === "qr" && this.sock) await this.askPairingCode(this.sock);
    else if (["stopped", "logged-out", "paused"].includes(this.current.state)) await this.start();
  }

  /** Take a pairing-code request the panel left in the database (polled by the bot role). */
  async pollRequests(): Promise<void> {
    const phone = await takeWhatsappPairingRequest(this.opts.deps);
    if (phone) await this.requestPairingCode(phone);
  }

  /** Resolves when every connection update and status write so far is done. */
  async settled(): Promise<void> {
    let seen: unknown[] = [];
    while (seen[0] !== this.updates || seen[1] !== this.writes) {
      seen = [this.updates, this.writes];
      await Promise.all(seen);
    }
  }

  private async connect(): Promise<void> {
    this.clearTimer();
    if (this.stopping) return;
    this.transition("connecting", { lastError: this.current.lastError });
    const auth = await useDatabaseAuthState(this.opts.deps.prisma, this.opts.sessionId);
    const sock = this.opts.socketFactory({ auth: auth.state, getMessage: this.opts.getMessage });
    this.sock = sock;
    sock.ev.on("creds.update", () => {
      this.writes = this.writes
        .then(() => auth.saveCreds())
        .catch((err) => this.opts.deps.log.warn("whatsapp: saving credentials failed", err));
    });
    sock.ev.on("connection.update", (update) => {
      // Updates are handled one at a time, in order; a replaced socket's late events are ignored.
      this.updates = this.updates
        .then(() => (this.sock === sock ? this.onUpdate(sock, update, auth.clear) : undefined))
        .catch((err) => this.opts.deps.log.warn("whatsapp: connection update failed", err));
    });
    this.opts.onSocket(sock);
  }

  private async onUpdate(
    sock: WhatsappSocket,
    update: Partial<BaileysEventMap["connection.update"]>,
    forget: () => Promise<void>,
  ): Promise<void> {
    if (update.qr) {
      this.qrRounds += 1;
      if (this.pairingPhone) await this.askPairingCode(sock);
      else
        this.transition("qr", { qr: update.qr, qrPng: await QRCode.toDataURL(update.qr, { margin: 1, width: 256 }) });
    }
    if (update.connection === "open") {
      this.attempts = 0;
      this.qrRounds = 0;
      this.pairingPhone = null;
      this.transition("open", { me: sock.user?.id });
      await clearWhatsappAlert(this.opts.deps.prisma, "logged-out");
      return;
    }
    if (update.connection !== "close" || this.stopping) return;
    this.sock = null;
    const error = update.lastDisconnect?.error as (Error & { output?: { statusCode?: number } }) | undefined;
    const code = error?.output?.statusCode;
    const lastError = `${code ?? "?"} ${error?.message ?? "connection closed"}`.trim();
    const now = this.opts.deps.clock.now();
    if (code === DisconnectReason.loggedOut) {
      await forget();
      this.transition("logged-out", { lastError });
      await raiseWhatsappAlert(this.opts.deps.prisma, { kind: "logged-out", message: lastError }, now);
      return;
    }
    if (code === DisconnectReason.forbidden) {
      this.transition("paused", { lastError });
      await pauseWhatsapp(this.opts.deps, { kind: "ban", reason: `connection refused: ${lastError}` });
      return;
    }
    if (code === DisconnectReason.restartRequired) {
      await this.connect();
      return;
    }
    if (this.qrRounds >= MAX_QR_ROUNDS && !sock.user) {
      this.transition("paused", { lastError: "QR code not scanned: start pairing again from the panel" });
      return;
    }
    this.scheduleReconnect(lastError);
  }

  /** Reconnect after the backoff; a reconnect that itself fails (database away) tries again later. */
  private scheduleReconnect(lastError: string): void {
    this.attempts += 1;
    this.transition("reconnecting", { lastError });
    this.timer = this.timers.set(() => {
      this.timer = null;
      this.updates = this.updates
        .then(() => this.connect())
        .catch((err) => {
          this.opts.deps.log.warn("whatsapp: reconnect failed", err);
          if (!this.stopping) this.scheduleReconnect(`reconnect failed: ${(err as Error)?.message ?? err}`);
        });
    }, reconnectDelayMs(this.attempts));
  }

  private async askPairingCode(sock: WhatsappSocket): Promise<void> {
    const phone = this.pairingPhone;
    if (!phone) return;
    this.pairingPhone = null;
    try {
      const pairingCode = await sock.requestPairingCode(phone);
      this.transition("pairing-code", { pairingCode });
    } catch (err) {
      this.transition(this.current.state, { ...this.current, lastError: `pairing code: ${(err as Error).message}` });
    }
  }

  private transition(state: WhatsappConnectionState, extra: Partial<WhatsappStatus> = {}): void {
    const since = state === this.current.state ? this.current.since : this.opts.deps.clock.now().toISOString();
    this.current = { ...extra, state, since };
    const snapshot = this.status();
    this.writes = this.writes
      .then(() => writeWhatsappStatus(this.opts.deps, snapshot))
      .catch((err) => this.opts.deps.log.warn("whatsapp: status write failed", err));
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }
}
