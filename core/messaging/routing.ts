/**
 * Which channel and address a message to a customer goes out on. Pure: plain data and `now`,
 * no I/O, so every fallback has a reason that can be tested without a database.
 */
import type { ChannelKind, ContactMethod } from "../../prisma/generated/client.js";

/** WhatsApp lets a business answer freely for 24 hours after the person last wrote. */
const WHATSAPP_WINDOW_MS = 24 * 60 * 60_000;

/** Customer channels in fallback order after the wanted and the preferred one (sandbox last, for the try-it chat). */
export const ROUTE_FALLBACK_ORDER: readonly ChannelKind[] = ["sms", "whatsapp", "email", "telegram", "sandbox"];

/** One address the customer might be reached on: a channel identity, or an address from the customer row. */
export interface RouteCandidate {
  channel: ChannelKind;
  address: string;
  identityId: string | null;
  /** This address (or identity) said STOP or unsubscribed. */
  optedOut: boolean;
  /** When the person last wrote to us from it (opens WhatsApp's 24-hour window). */
  lastInboundAt: Date | null;
}

/** Why a channel was passed over. */
export type SkipCause = "opted_out" | "no_address" | "outside_window";

export interface RouteInput {
  /** The customer opted out of everything (`customers.opted_out_at`). */
  customerOptedOut: boolean;
  /** `customers.preferred_contact_method` (a phone preference is reached by SMS). */
  preferred: ContactMethod | null;
  /** A channel the message itself asks for first (a template step's channel), if any. */
  wanted?: ChannelKind | null;
  candidates: readonly RouteCandidate[];
  now: Date;
  /**
   * The text is approved template text (a sequence step, a message template): WhatsApp may carry
   * it outside the 24-hour window. Free text (a contractor's relay) may not, and falls back.
   */
  templated: boolean;
  /** Channels that may be used at all (default: every customer channel). */
  allowed?: readonly ChannelKind[];
}

export type RouteChoice =
  | {
      ok: true;
      channel: ChannelKind;
      address: string;
      identityId: string | null;
      /** Channels tried before this one, and why each was skipped (empty when the first choice held). */
      skipped: Array<{ channel: ChannelKind; cause: SkipCause }>;
    }
  | { ok: false; reason: "opted_out" | "unreachable"; skipped: Array<{ channel: ChannelKind; cause: SkipCause }> };

/** The channel a preferred contact method means (a phone preference is reached by SMS). */
function channelOfMethod(method: ContactMethod | null | undefined): ChannelKind | null {
  if (!method) return null;
  return method === "phone" ? "sms" : method;
}

const recency = (a: RouteCandidate, b: RouteCandidate) =>
  (b.lastInboundAt?.getTime() ?? -1) - (a.lastInboundAt?.getTime() ?? -1);

/**
 * Choose the route of one customer message: the wanted channel, then the customer's preferred
 * one, then the one they last wrote to us on, then sms → whatsapp → email → telegram → sandbox. A channel is passed over when every
 * address there opted out, when there is no address, or (WhatsApp, free text only) when the
 * person has not written within 24 hours. On a channel the most recently used address wins.
 * A customer who opted out of everything gets nothing (`opted_out`); no usable address at all is
 * `unreachable` — or `opted_out` when the only addresses there are opted out.
 */
export function chooseRoute(input: RouteInput): RouteChoice {
  const skipped: Array<{ channel: ChannelKind; cause: SkipCause }> = [];
  if (input.customerOptedOut) return { ok: false, reason: "opted_out", skipped };
  const allowed = new Set(input.allowed ?? ROUTE_FALLBACK_ORDER);
  const lastUsed = [...input.candidates].filter((c) => c.lastInboundAt !== null).sort(recency)[0]?.channel ?? null;
  const order = [
    ...new Set(
      [input.wanted ?? null, channelOfMethod(input.preferred), lastUsed, ...ROUTE_FALLBACK_ORDER].filter(
        (c): c is ChannelKind => c !== null && allowed.has(c),
      ),
    ),
  ];
  let sawOptOut = false;
  for (const channel of order) {
    const here = input.candidates.filter((c) => c.channel === channel);
    const live = here.filter((c) => !c.optedOut).sort(recency);
    if (here.length > 0 && live.length === 0) {
      sawOptOut = true;
      skipped.push({ channel, cause: "opted_out" });
      continue;
    }
    const best = live[0];
    if (!best) {
      if (channel === input.wanted || channel === channelOfMethod(input.preferred))
        skipped.push({ channel, cause: "no_address" });
      continue;
    }
    if (channel === "whatsapp" && !input.templated && !insideWhatsappWindow(best.lastInboundAt, input.now)) {
      skipped.push({ channel, cause: "outside_window" });
      continue;
    }
    return { ok: true, channel, address: best.address, identityId: best.identityId, skipped };
  }
  return { ok: false, reason: sawOptOut ? "opted_out" : "unreachable", skipped };
}

/** Whether a person who last wrote at `lastInboundAt` may be answered freely on WhatsApp at `now`. */
function insideWhatsappWindow(lastInboundAt: Date | null, now: Date): boolean {
  return lastInboundAt !== null && now.getTime() - lastInboundAt.getTime() < WHATSAPP_WINDOW_MS;
}

/** How an address is compared for opt-outs (e-mail case-insensitive, others as stored). */
export function routeAddressKey(channel: ChannelKind, address: string): string {
  return `${channel}:${channel === "email" ? address.trim().toLowerCase() : address.trim()}`;
}
