import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import type { Channel, OutboundEnvelope, SendResult } from "../../core/ports.js";

/** The part of the Twilio client the channel uses. */
export type TwilioClient = Pick<twilio.Twilio, "messages">;

/** Twilio's limit on one message body (it splits into segments itself up to this). */
const SMS_MAX_BODY = 1600;

/**
 * A Twilio REST client whose requests go to `apiBase` instead of api.twilio.com (a local fake in
 * tests, a proxy in some deployments); Twilio's own host when `apiBase` is unset. The SDK's
 * automatic retries stay off: the outbox owns retries and honours 429s.
 */
export function twilioClient(opts: { accountSid: string; authToken: string; apiBase?: string }): twilio.Twilio {
  const base = opts.apiBase ? new URL(opts.apiBase) : null;
  class RebasedClient extends twilio.RequestClient {
    override request<TData>(req: RequestClient.RequestOptions<TData>) {
      if (!base) return super.request(req);
      const u = new URL(req.uri);
      const rebased = new URL(`${base.pathname.replace(/\/$/, "")}${u.pathname}${u.search}`, base);
      return super.request({ ...req, uri: rebased.href });
    }
  }
  return new twilio.Twilio(opts.accountSid, opts.authToken, {
    httpClient: new RebasedClient({ timeout: 15_000, autoRetry: false }),
  });
}

/**
 * The SMS channel on the Twilio SDK: one outbox row is one `messages.create` from our number,
 * with a status callback so delivery (or its failure) is recorded on the row later. Twilio's
 * answers map onto the outbox's retry rules: 429 (20429) waits and retries without using an
 * attempt; 5xx and network errors retry with backoff; 21610 (the recipient texted STOP to the
 * carrier), an invalid number and other 4xx fail at once — sending again cannot help.
 */
export function smsChannel(client: TwilioClient, opts: { from: string; statusCallbackUrl?: string }): Channel {
  return {
    async send(message: OutboundEnvelope): Promise<SendResult> {
      try {
        const sent = await client.messages.create({
          to: message.to,
          from: opts.from,
          body: message.body.length > SMS_MAX_BODY ? `${message.body.slice(0, SMS_MAX_BODY - 1)}…` : message.body,
          ...(opts.statusCallbackUrl ? { statusCallback: opts.statusCallbackUrl } : {}),
        });
        return { ok: true, providerMessageId: sent.sid };
      } catch (err) {
        return failure(err);
      }
    },
  };
}

function failure(err: unknown): SendResult {
  if (err instanceof twilio.RestException) {
    const error = `twilio ${err.status}${err.code ? `/${err.code}` : ""}: ${err.message}`;
    if (err.status === 429) return { ok: false, retryable: true, error, retryAfterMs: 1_000 };
    return { ok: false, retryable: err.status >= 500 || err.status === 401, error };
  }
  return { ok: false, retryable: true, error: `twilio unreachable: ${(err as Error)?.message ?? String(err)}` };
}
