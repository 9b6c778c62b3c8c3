import nodemailer, { type SendMailOptions } from "nodemailer";
import { messageIdFor } from "../../core/messaging/delivery.service.js";
import { escapeHtml } from "../../core/messaging/templates.js";
import { unsubscribeToken } from "../../core/messaging/unsubscribe.js";
import type { Channel, OutboundEnvelope, SendResult } from "../../core/ports.js";

/** The part of a nodemailer transport the channel uses (tests may pass a real one to a local server). */
export interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<{ messageId?: string }>;
  close(): void;
}

export interface EmailChannelOptions {
  /** `SMTP_FROM`, e.g. `LeadRelay <no-reply@example.com>`. */
  from: string;
  /** Base URL of the web role (the unsubscribe link lives there). */
  publicUrl: string;
  /** `UNSUBSCRIBE_SECRET`: signs the per-customer unsubscribe link. */
  unsubscribeSecret: string;
}

/** The e-mail channel plus a way to close its SMTP connections. */
export interface EmailChannel extends Channel {
  close(): void;
}

/** A pooled SMTP transport from `SMTP_URL` (one connection reused for a whole batch). */
export function smtpTransport(url: string): MailTransport {
  return nodemailer.createTransport({ url, pool: true, maxConnections: 2, maxMessages: 500 });
}

/** Plain text as a minimal HTML body: escaped, paragraphs and line breaks kept. */
function textToHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replaceAll("\n", "<br>")}</p>`)
    .join("\n");
}

/**
 * The e-mail channel on nodemailer. Each outbox row becomes one e-mail with both bodies: the
 * row's rendered HTML (`payload.html`, which carries the open pixel and tracked links of a
 * nurturing step) or the text as HTML, and the text itself; both end with the unsubscribe
 * link. RFC 8058 one-click headers (`List-Unsubscribe` with the signed per-customer URL, and
 * `List-Unsubscribe-Post`) let mail clients unsubscribe without a visit. The Message-ID is
 * derived from the row id. SMTP answers map onto the outbox's retry rules: 4xx and connection
 * failures retry, 5xx (no such mailbox, rejected) fail at once.
 */
export function emailChannel(transport: MailTransport, opts: EmailChannelOptions): EmailChannel {
  return {
    async send(message: OutboundEnvelope): Promise<SendResult> {
      const who = message.customerId ? { customerId: message.customerId } : { address: message.to };
      const unsubscribeUrl = `${opts.publicUrl}/u/${unsubscribeToken(opts.unsubscribeSecret, who)}`;
      const payload = (message.payload ?? {}) as { html?: unknown };
      const html = typeof payload.html === "string" && payload.html.trim() ? payload.html : textToHtml(message.body);
      const footerHtml =
        `<p style="font-size:12px;color:#666">Don't want these e-mails? ` +
        `<a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a>.</p>`;
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: message.to,
          subject: message.subject?.trim() || firstLine(message.body),
          text: `${message.body}\n\n--\nUnsubscribe: ${unsubscribeUrl}\n`,
          html: /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${footerHtml}</body>`) : `${html}\n${footerHtml}`,
          messageId: messageIdFor(message.id, opts.from),
          headers: {
            "List-Unsubscribe": `<${unsubscribeUrl}>`,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
          },
        });
        return { ok: true, providerMessageId: info.messageId ?? messageIdFor(message.id, opts.from) };
      } catch (err) {
        return failure(err);
      }
    },
    close: () => transport.close(),
  };
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 78 ? `${line.slice(0, 75)}…` : line || "(no subject)";
}

function failure(err: unknown): SendResult {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const error = `smtp ${e.responseCode ?? e.code ?? "error"}: ${e.response ?? e.message ?? String(err)}`.slice(0, 1000);
  if (typeof e.responseCode === "number" && e.responseCode >= 500) return { ok: false, retryable: false, error };
  return { ok: false, retryable: true, error };
}
