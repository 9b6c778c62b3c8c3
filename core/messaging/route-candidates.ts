/** The addresses a customer might be reached on, read from the database for chooseRoute. */
import type { ChannelKind, Customer } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { ROUTE_FALLBACK_ORDER, type RouteCandidate, routeAddressKey } from "./routing.js";

/** A channel identity as routing sees it. */
export interface IdentityFacts {
  id: string;
  channel: ChannelKind;
  address: string;
  opted_out: boolean;
  last_inbound_at: Date | null;
}

/** The addresses the customer row itself gives: its e-mail, and its phone for SMS. */
export function rowAddresses(row: {
  email: string | null;
  phone: string | null;
}): Array<{ channel: ChannelKind; address: string }> {
  return [
    ...(row.email?.trim() ? [{ channel: "email" as const, address: row.email.trim() }] : []),
    ...(row.phone?.trim() ? [{ channel: "sms" as const, address: row.phone.trim() }] : []),
  ];
}

/**
 * Every address a customer might be reached on, from plain data: their own identities (opted-out
 * ones flagged), then the e-mail/phone of the customer row when no identity of theirs holds that
 * address. A row address is flagged opted out when any identity at that address opted out (the
 * person said STOP there, whoever's record it was linked to): opt-outs follow the address. Pure,
 * so the single and the batched loaders (a blast) build the very same list.
 */
export function candidatesOf(
  row: { email: string | null; phone: string | null },
  own: readonly IdentityFacts[],
  atRowAddresses: readonly Pick<IdentityFacts, "channel" | "address" | "opted_out">[],
): RouteCandidate[] {
  const channels = new Set<ChannelKind>(ROUTE_FALLBACK_ORDER);
  const candidates: RouteCandidate[] = own
    .filter((i) => channels.has(i.channel))
    .sort((a, b) => (b.last_inbound_at?.getTime() ?? -1) - (a.last_inbound_at?.getTime() ?? -1))
    .map((i) => ({
      channel: i.channel,
      address: i.address,
      identityId: i.id,
      optedOut: i.opted_out,
      lastInboundAt: i.last_inbound_at,
    }));
  const mine = new Set(candidates.map((c) => routeAddressKey(c.channel, c.address)));
  for (const r of rowAddresses(row)) {
    const key = routeAddressKey(r.channel, r.address);
    if (mine.has(key)) continue;
    mine.add(key);
    const optedOut = atRowAddresses.some((k) => k.opted_out && routeAddressKey(k.channel, k.address) === key);
    candidates.push({ ...r, identityId: null, optedOut, lastInboundAt: null });
  }
  return candidates;
}

/** The where-clause of every identity at these row addresses (e-mail in stored and lower case). */
export function rowAddressWhere(rows: ReadonlyArray<{ email: string | null; phone: string | null }>) {
  const emails = rows.flatMap((r) => (r.email?.trim() ? [r.email.trim(), r.email.trim().toLowerCase()] : []));
  const phones = rows.flatMap((r) => (r.phone?.trim() ? [r.phone.trim()] : []));
  return {
    OR: [
      { channel: "email" as const, address: { in: emails } },
      { channel: "sms" as const, address: { in: phones } },
    ],
  };
}

const IDENTITY_FIELDS = { id: true, channel: true, address: true, opted_out: true, last_inbound_at: true } as const;

/**
 * Every address a customer might be reached on, for chooseRoute (see candidatesOf): their own
 * identities and the e-mail/phone of the customer row, opted-out addresses flagged.
 */
export async function routeCandidates(
  db: Db,
  customer: Pick<Customer, "id" | "email" | "phone">,
): Promise<RouteCandidate[]> {
  // One query after the other: `db` is usually a transaction, which runs one statement at a time.
  const own = await db.channelIdentity.findMany({
    where: { customer_id: customer.id, channel: { in: [...ROUTE_FALLBACK_ORDER] } },
    orderBy: [{ last_inbound_at: { sort: "desc", nulls: "last" } }, { created_at: "asc" }],
    select: IDENTITY_FIELDS,
  });
  const atRow =
    rowAddresses(customer).length === 0
      ? []
      : await db.channelIdentity.findMany({
          where: rowAddressWhere([customer]),
          select: { channel: true, address: true, opted_out: true },
        });
  return candidatesOf(customer, own, atRow);
}

/**
 * The address as we already know it: e-mail addresses are compared without case, so a reply from
 * `anna@example.com` finds the identity stored as `Anna@Example.com` instead of making a stranger.
 */
export async function knownEmailAddress(db: Db, address: string): Promise<string> {
  const found = await db.channelIdentity.findFirst({
    where: { channel: "email", address: { equals: address.trim(), mode: "insensitive" } },
    orderBy: [{ customer_id: { sort: "asc", nulls: "last" } }, { created_at: "asc" }],
    select: { address: true },
  });
  return found?.address ?? address.trim().toLowerCase();
}
