/**
 * Test helpers for the customer channels: a real SMTP server (`smtp-server`) on loopback that
 * records every delivery (raw, headers, text and HTML bodies decoded), and a loop that drives an
 * OutboxSender on the fake clock until nothing is due.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import type { OutboxSender } from "../../jobs/outbox-sender.js";
import type { FakeClock } from "../support/clock.js";

export interface ReceivedMail {
  envelopeTo: string[];
  headers: Map<string, string>;
  text: string;
  html: string;
  raw: string;
}

export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  /** Recipients to refuse at RCPT TO with this SMTP code (e.g. 550 no such mailbox). */
  readonly refuse = new Map<string, number>();

  private constructor(private readonly server: SMTPServer) {}

  /** Listen on loopback; `port` 0 picks a free one (pass an old sink's port to bring a server "back"). */
  static async start(port = 0): Promise<SmtpSink> {
    let sink!: SmtpSink;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      disableReverseLookup: true,
      onRcptTo(address, _session, cb) {
        const code = sink.refuse.get(address.address.toLowerCase());
        if (!code) return cb();
        const err = Object.assign(new Error("mailbox unavailable"), { responseCode: code });
        return cb(err);
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          sink.mails.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), ...parseMime(raw), raw });
          cb();
        });
      },
    });
    sink = new SmtpSink(server);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return sink;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Headers (lower-cased names, unfolded) and the decoded text/plain and text/html parts of a message. */
export function parseMime(raw: string): { headers: Map<string, string>; text: string; html: string } {
  const { headers, body } = splitPart(raw);
  const out = { headers, text: "", html: "" };
  walk(headers, body, out);
  return out;
}

function splitPart(raw: string): { headers: Map<string, string>; body: string } {
  const norm = raw.replace(/\r\n/g, "\n");
  const cut = norm.indexOf("\n\n");
  const head = cut < 0 ? norm : norm.slice(0, cut);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body: cut < 0 ? "" : norm.slice(cut + 2) };
}

function walk(headers: Map<string, string>, body: string, out: { text: string; html: string }): void {
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith("--")) break;
      const p = splitPart(part.replace(/^\n/, ""));
      walk(p.headers, p.body, out);
    }
    return;
  }
  const enc = (headers.get("content-transfer-encoding") ?? "").toLowerCase();
  const decoded =
    enc === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
      : enc === "quoted-printable"
        ? Buffer.from(
            body
              .replace(/=\n/g, "")
              .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            "latin1",
          ).toString("utf8")
        : body;
  if (/^text\/html/i.test(type)) out.html += decoded;
  else if (/^text\/plain/i.test(type)) out.text += decoded;
}

/**
 * Drive a sender until a tick handles nothing, its waits moving the fake clock (the sender's
 * `sleep` should advance `clock`); a row given back for later is reached by stepping the clock.
 */
export async function drain(sender: OutboxSender, clock: FakeClock, maxTicks = 10_000): Promise<number> {
  let idle = 0;
  for (let i = 0; i < maxTicks; i++) {
    const n = await sender.tick();
    if (n > 0) {
      idle = 0;
      continue;
    }
    if (++idle > 3) return i;
    clock.advance(2_000);
  }
  throw new Error("outbox did not drain");
}
