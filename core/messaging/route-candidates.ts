/** The addresses a customer might be reached on, read from the database for chooseRoute. */
import type { Customer } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { ROUTE_FALLBACK_ORDER, type RouteCandidate, routeAddressKey } from "./routing.js";

/**
 * Every address a customer might be reached on, for chooseRoute: their own identities (opted-out
 * ones flagged) and the e-mail/phone of the customer row when no identity holds that address —
 * or flagged opted out when one that opted out does.
 */
export async function routeCandidates(
  db: Db,
  customer: Pick<Customer, "id" | "email" | "phone">,
): Promise<RouteCandidate[]> {
  // One query after the other: `db` is usually a transaction, which runs one statement at a time.
  const own = await db.channelIdentity.findMany({
    where: { customer_id: customer.id, channel: { in: [...ROUTE_FALLBACK_ORDER] } },
    orderBy: [{ last_inbound_at: { sort: "desc", nulls: "last" } }, { created_at: "asc" }],
  });
  const candidates: RouteCandidate[] = own.map((i) => ({
    channel: i.channel,
    address: i.address,
    identityId: i.id,
    optedOut: i.opted_out,
    lastInboundAt: i.last_inbound_at,
  }));
  const fromRow = [
    ...(customer.email ? [{ channel: "email" as const, address: customer.email.trim() }] : []),
    ...(customer.phone ? [{ channel: "sms" as const, address: customer.phone.trim() }] : []),
  ];
  if (fromRow.length === 0) return candidates;
  const keys = fromRow.flatMap((r) => [r, { channel: r.channel, address: r.address.toLowerCase() }]);
  const known = await db.channelIdentity.findMany({
    where: { OR: keys },
    select: { channel: true, address: true, opted_out: true },
  });
  const mine = new Set(candidates.map((c) => routeAddressKey(c.channel, c.address)));
  for (const r of fromRow) {
    const key = routeAddressKey(r.channel, r.address);
    if (mine.has(key)) continue;
    const holders = known.filter((k) => routeAddressKey(k.channel, k.address) === key);
    if (holders.some((h) => !h.opted_out)) continue; // someone else's identity: not ours to use
    candidates.push({ ...r, identityId: null, optedOut: holders.length > 0, lastInboundAt: null });
  }
  return candidates;
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
