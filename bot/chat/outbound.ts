import type { CoreDeps } from "../../core/context.js";
import type { Channel, OutboundEnvelope } from "../../core/ports.js";
import type { ChannelKind } from "../../prisma/generated/client.js";
import { type Lang, pickLanguage } from "./i18n.js";
import { isNotice, renderNotice } from "./notices.js";
import type { ChatButton } from "./types.js";

/** Language and time zone of whoever is behind an address. */
export async function audienceOf(deps: CoreDeps, channel: ChannelKind, address: string): Promise<Audience> {
  const identity = await deps.prisma.channelIdentity.findUnique({
    where: { channel_address: { channel, address } },
    include: {
      user: { select: { language: true, timezone: true } },
      customer: { select: { language_preference: true, timezone: true } },
    },
  });
  const lang = identity?.customer
    ? pickLanguage(identity.customer.language_preference, identity.language)
    : pickLanguage(identity?.user?.language, identity?.language);
  const tz = identity?.user?.timezone ?? identity?.customer?.timezone ?? deps.config.defaultTimezone;
  return { lang, tz };
}

/** The audience of a row: who reads it, in which language and time zone. */
export type Audience = { lang: Lang; tz: string };

/**
 * Text and buttons of one outbox row as the person should see them: the chat app's own answers
 * are already in their language (`payload.rendered`); core's notices are rendered here; anything
 * else (a relay, a template step) is sent as written.
 */
export function renderForAudience(
  row: { body: string; payload: unknown },
  audience: Audience,
  now: Date,
): { body: string; buttons: ChatButton[] } {
  const payload = row.payload as { rendered?: boolean; buttons?: ChatButton[] } | null;
  if (!payload || payload.rendered === true || !isNotice(payload)) {
    return { body: row.body, buttons: Array.isArray(payload?.buttons) ? payload.buttons : [] };
  }
  const r = renderNotice(payload, { ...audience, now });
  return { body: r.text, buttons: r.buttons ?? [] };
}

/** renderForAudience for a row addressed to `channel`/`to`, looking the audience up. */
async function renderOutbound(
  deps: CoreDeps,
  row: { channel: ChannelKind; to: string; body: string; payload: unknown },
): Promise<{ body: string; buttons: ChatButton[] }> {
  const payload = row.payload as { rendered?: boolean } | null;
  if (!payload || payload.rendered === true || !isNotice(payload))
    return renderForAudience(row, { lang: "en", tz: "UTC" }, deps.clock.now());
  return renderForAudience(row, await audienceOf(deps, row.channel, row.to), deps.clock.now());
}

/**
 * Wrap a channel so every notice leaves in the recipient's language, with translated buttons.
 * main.ts wraps each concrete channel (Telegram, sandbox, later WhatsApp…) once; the channels
 * themselves stay dumb about languages.
 */
export function localizedChannel(deps: CoreDeps, inner: Channel): Channel {
  return {
    async send(message: OutboundEnvelope) {
      const { body, buttons } = await renderOutbound(deps, {
        channel: message.channel,
        to: message.to,
        body: message.body,
        payload: message.payload,
      });
      const payload =
        message.payload && typeof message.payload === "object"
          ? { ...(message.payload as Record<string, unknown>), buttons }
          : { buttons };
      return inner.send({ ...message, body, payload });
    },
  };
}
