/**
 * A local fake of Twilio's Messages API, enough for the real twilio SDK pointed at it
 * (`TWILIO_API_BASE`): `POST /2010-04-01/Accounts/{sid}/Messages.json` with HTTP basic auth,
 * answers in Twilio's JSON shapes and error codes, and a realistic rate limit (429 / 20429 above
 * `perSecond` requests in any second, measured on an injectable clock). It also plays the phone
 * network: `inbound()` posts an SMS to our webhook and `status()` posts a delivery callback, both
 * signed with `X-Twilio-Signature` over the URL Twilio was given, as Twilio does. With
 * `advancedOptOut`, a number that texted STOP is refused (21610) until it texts START.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import twilio from "twilio";

export interface FakeSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  at: number;
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** Requests per second per account before 429 (Twilio's default concurrency is about this order). */
  perSecond?: number;
  /** Time source of the rate limit (a fake clock's `now().getTime()` in tests). */
  now?: () => number;
  /**
   * Twilio's Advanced Opt-Out: a number that texted STOP is refused (21610) until START. Off by
   * default — the account leaves STOP handling (and its one confirmation) to the application.
   */
  advancedOptOut?: boolean;
  /** Where callbacks really go (the app listening locally); the signature keeps the public URL. */
  callbackOrigin?: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const STOP_WORDS = /^\s*(stop|stopall|unsubscribe|cancel|end|quit)\s*$/i;
const START_WORDS = /^\s*(start|unstop)\s*$/i;

export class FakeTwilio {
  readonly accountSid: string;
  readonly authToken: string;
  readonly messages: FakeSms[] = [];
  /** Requests answered 429. */
  rejected = 0;
  private readonly blocked = new Set<string>();
  private readonly window: number[] = [];
  private seq = 0;

  private constructor(
    private readonly server: Server,
    private readonly opts: FakeTwilioOptions,
  ) {
    this.accountSid = opts.accountSid ?? `AC${randomBytes(16).toString("hex")}`;
    this.authToken = opts.authToken ?? randomBytes(16).toString("hex");
  }

  static async start(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
    let fake!: FakeTwilio;
    const server = createServer((req, res) => {
      fake.handle(req, res).catch((err) => json(res, 500, { code: 20500, message: String(err), status: 500 }));
    });
    fake = new FakeTwilio(server, opts);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** The API base to give the SDK (`TWILIO_API_BASE`). */
  get apiBase(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  set callbackOrigin(origin: string) {
    this.opts.callbackOrigin = origin;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections(); // the SDK keeps connections alive
    });
  }

  /** A customer texts us: Twilio posts the inbound webhook, signed. Returns the HTTP status. */
  async inbound(url: string, msg: { from: string; to: string; body: string; sid?: string }): Promise<number> {
    if (this.opts.advancedOptOut && STOP_WORDS.test(msg.body)) this.blocked.add(msg.from);
    if (START_WORDS.test(msg.body)) this.blocked.delete(msg.from);
    const params = {
      MessageSid: msg.sid ?? this.nextSid(),
      AccountSid: this.accountSid,
      From: msg.from,
      To: msg.to,
      Body: msg.body,
      NumMedia: "0",
    };
    return this.post(url, params);
  }

  /** The carrier reports on a message: Twilio posts its status callback, signed (or `signWith` a wrong token). */
  async status(sid: string, status: string, opts: { errorCode?: string; signWith?: string } = {}): Promise<number> {
    const m = this.messages.find((x) => x.sid === sid);
    if (!m?.statusCallback) throw new Error(`no status callback for ${sid}`);
    const params: Record<string, string> = {
      MessageSid: sid,
      MessageStatus: status,
      AccountSid: this.accountSid,
      From: m.from,
      To: m.to,
      ...(opts.errorCode ? { ErrorCode: opts.errorCode } : {}),
    };
    return this.post(m.statusCallback, params, opts.signWith);
  }

  private async post(url: string, params: Record<string, string>, token = this.authToken): Promise<number> {
    const signature = twilio.getExpectedTwilioSignature(token, url, params);
    const target = new URL(url);
    const origin = this.opts.callbackOrigin ? new URL(this.opts.callbackOrigin) : target;
    const res = await fetch(`${origin.origin}${target.pathname}${target.search}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(params).toString(),
    });
    await res.arrayBuffer();
    return res.status;
  }

  private nextSid(): string {
    this.seq += 1;
    return `SM${String(this.seq).padStart(32, "0")}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (!m || req.method !== "POST") return json(res, 404, { code: 20404, message: "not found", status: 404 });
    const auth = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
    if (m[1] !== this.accountSid || auth !== `${this.accountSid}:${this.authToken}`)
      return json(res, 401, { code: 20003, message: "Authenticate", status: 401 });
    const now = this.opts.now?.() ?? Date.now();
    while (this.window.length > 0 && (this.window[0] ?? 0) <= now - 1000) this.window.shift();
    if (this.window.length >= (this.opts.perSecond ?? 10)) {
      this.rejected += 1;
      return json(res, 429, { code: 20429, message: "Too Many Requests", status: 429 });
    }
    this.window.push(now);
    const form = new URLSearchParams(await body(req));
    const to = form.get("To") ?? "";
    const from = form.get("From") ?? "";
    const text = form.get("Body") ?? "";
    if (!E164.test(to))
      return json(res, 400, {
        code: 21211,
        message: `The 'To' number ${to} is not a valid phone number.`,
        status: 400,
      });
    if (!E164.test(from)) return json(res, 400, { code: 21212, message: "Invalid From Number", status: 400 });
    if (!text) return json(res, 400, { code: 21602, message: "Message body is required.", status: 400 });
    if (text.length > 1600)
      return json(res, 400, {
        code: 21617,
        message: "The concatenated message body exceeds the 1600 character limit.",
        status: 400,
      });
    if (this.blocked.has(to))
      return json(res, 400, { code: 21610, message: "Attempt to send to unsubscribed recipient", status: 400 });
    const sms: FakeSms = {
      sid: this.nextSid(),
      to,
      from,
      body: text,
      statusCallback: form.get("StatusCallback"),
      at: now,
    };
    this.messages.push(sms);
    return json(res, 201, {
      sid: sms.sid,
      account_sid: this.accountSid,
      to,
      from,
      body: text,
      status: "queued",
      num_segments: String(Math.ceil(text.length / 153) || 1),
      direction: "outbound-api",
      date_created: new Date(now).toUTCString(),
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${sms.sid}.json`,
    });
  }
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}
