/**
 * Who a blast reaches, and on which address: pure rules over a customer and their channel
 * identities, so every skip has a reason that can be tested without a database.
 */
import type { ChannelKind, ContactMethod } from "../../prisma/generated/client.js";

/** A matching customer as the blast sees it. */
export interface BlastCustomer {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  property_city: string | null;
  language_preference: string;
  preferred_contact_method: ContactMethod | null;
  opted_out_at: Date | null;
}

/** One of the customer's channel identities (or one matching their e-mail/phone). */
export interface BlastIdentity {
  id: string;
  channel: ChannelKind;
  address: string;
  opted_out: boolean;
  last_inbound_at: Date | null;
  customer_id: string | null;
}

export type SkipReason = "opted_out" | "unreachable";

export type RecipientChoice =
  | { ok: true; channel: ChannelKind; address: string; identityId: string | null }
  | { ok: false; reason: SkipReason };

/** The channel a preferred contact method means (a phone preference is reached by SMS). */
export function channelForMethod(method: ContactMethod | null): ChannelKind | null {
  if (method === null) return null;
  return method === "phone" ? "sms" : method;
}

/** How an address is compared for opt-outs (e-mail case-insensitive, phones as stored). */
export function addressKey(channel: ChannelKind, address: string): string {
  return `${channel}:${channel === "email" ? address.trim().toLowerCase() : address.trim()}`;
}

/** The address the customer record itself gives for a channel (e-mail, phone for SMS). */
function ownAddress(c: BlastCustomer, channel: ChannelKind): string | null {
  if (channel === "email") return c.email?.trim() || null;
  if (channel === "sms") return c.phone?.trim() || null;
  return null;
}

const byRecency = (a: BlastIdentity, b: BlastIdentity) =>
  (b.last_inbound_at?.getTime() ?? -1) - (a.last_inbound_at?.getTime() ?? -1);

/**
 * Pick the recipient address of one customer, or say why they are skipped:
 * - a customer who opted out of everything (`opted_out_at`) is never messaged;
 * - the channel is the campaign's, else the customer's preferred one; with neither, their most
 *   recently used identity, else their e-mail, else their phone by SMS;
 * - on that channel, a non-opted-out identity (most recently used first), else the customer's
 *   own e-mail/phone unless that address opted out (`optedOut` holds `addressKey`s);
 * - a channel whose identities all opted out is an opt-out skip, no address at all is
 *   "unreachable".
 */
export function chooseRecipient(
  c: BlastCustomer,
  identities: readonly BlastIdentity[],
  optedOut: ReadonlySet<string>,
  requested: ChannelKind | null,
): RecipientChoice {
  if (c.opted_out_at) return { ok: false, reason: "opted_out" };
  const mine = identities.filter((i) => i.customer_id === c.id);
  const channel = requested ?? channelForMethod(c.preferred_contact_method);
  if (channel === null) {
    const best = mine.filter((i) => !i.opted_out).sort(byRecency)[0];
    if (best) return { ok: true, channel: best.channel, address: best.address, identityId: best.id };
    let reason: SkipReason = mine.length > 0 ? "opted_out" : "unreachable";
    for (const ch of ["email", "sms"] as const) {
      const choice = chooseRecipient(c, identities, optedOut, ch);
      if (choice.ok) return choice;
      if (choice.reason === "opted_out") reason = "opted_out";
    }
    return { ok: false, reason };
  }
  const onChannel = mine.filter((i) => i.channel === channel);
  const live = onChannel.filter((i) => !i.opted_out).sort(byRecency)[0];
  if (live) return { ok: true, channel, address: live.address, identityId: live.id };
  const own = ownAddress(c, channel);
  const ownBlocked = own !== null && optedOut.has(addressKey(channel, own));
  if (own !== null && !ownBlocked) return { ok: true, channel, address: own, identityId: null };
  return { ok: false, reason: ownBlocked || onChannel.length > 0 ? "opted_out" : "unreachable" };
}

/**
 * Fill `{{placeholders}}` for one customer: first_name, last_name, name, city. Unknown
 * placeholders become empty rather than reaching a customer as "{{link}}".
 */
export function renderPlaceholders(text: string, c: Pick<BlastCustomer, "name" | "property_city">): string {
  const parts = c.name.trim().split(/\s+/);
  const vars: Record<string, string> = {
    first_name: parts[0] ?? "",
    last_name: parts.length > 1 ? parts.slice(1).join(" ") : "",
    name: c.name.trim(),
    city: c.property_city ?? "",
  };
  return text.replace(/\{\{\s*([a-zA-Z_]+)\s*\}\}/g, (_m, key: string) =>
    Object.hasOwn(vars, key) ? (vars[key] as string) : "",
  );
}
