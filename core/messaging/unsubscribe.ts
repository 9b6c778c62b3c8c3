/**
 * E-mail unsubscribe (RFC 8058 one-click): a signed per-customer link in every e-mail, and what
 * following it does — the customer is opted out on e-mail at once (other channels are theirs to
 * stop with STOP). The link needs no login and no cookie: the signature is the proof.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { CUSTOMER_ACTOR, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";

/** Who a link unsubscribes: a customer (all their e-mail addresses), or one bare address. */
export type UnsubscribeSubject = { customerId: string } | { address: string };

const SIG_BYTES = 16;

function sign(secret: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(`unsubscribe:v1:${payload}`).digest().subarray(0, SIG_BYTES);
}

/** The token of an unsubscribe link: `<payload>.<signature>`, both base64url. */
export function unsubscribeToken(secret: string, who: UnsubscribeSubject): string {
  const payload = "customerId" in who ? `c:${who.customerId}` : `e:${who.address.trim().toLowerCase()}`;
  return `${Buffer.from(payload).toString("base64url")}.${sign(secret, payload).toString("base64url")}`;
}

/** Read a token back; null when it is malformed or its signature does not match (constant time). */
export function readUnsubscribeToken(secret: string, token: string): UnsubscribeSubject | null {
  const m = /^([A-Za-z0-9_-]{4,400})\.([A-Za-z0-9_-]{10,40})$/.exec(token);
  if (!m?.[1] || !m[2]) return null;
  const payload = Buffer.from(m[1], "base64url").toString("utf8");
  const given = Buffer.from(m[2], "base64url");
  const expected = sign(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (payload.startsWith("c:") && isUuid(payload.slice(2))) return { customerId: payload.slice(2) };
  if (payload.startsWith("e:") && payload.length > 3) return { address: payload.slice(2) };
  return null;
}

/**
 * Opt a customer (or one address) out of e-mail: every e-mail identity of the customer and the
 * address on their record (an identity is created for it if none exists) are marked opted out,
 * and e-mails still queued to them are cancelled. `changed` is false when nothing was left to
 * opt out (a second click). Other channels are untouched.
 */
export async function unsubscribeEmail(deps: CoreDeps, who: UnsubscribeSubject): Promise<Result<{ changed: boolean }>> {
  return transact<{ changed: boolean }>(deps, async ({ tx, now }) => {
    let customerId: string | null = null;
    const addresses: string[] = [];
    if ("customerId" in who) {
      const customer = await tx.customer.findUnique({ where: { id: who.customerId } });
      if (!customer) return fail("NOT_FOUND", "this link is not valid any more");
      customerId = customer.id;
      if (customer.email) addresses.push(customer.email.trim());
    } else {
      addresses.push(who.address);
    }
    const changed = await optOutEmailAddresses(tx, { customerId, addresses, now });
    if (changed > 0) {
      await writeAudit(tx, {
        actor: CUSTOMER_ACTOR,
        action: "customer.unsubscribed_email",
        entityType: customerId ? "customer" : "channel_identity",
        entityId: customerId ?? addresses[0] ?? null,
        after: { channel: "email", addresses },
        at: now,
      });
    }
    return ok({ changed: changed > 0 });
  });
}

/**
 * Mark e-mail identities opted out (the customer's, and `addresses`, created when missing) and
 * cancel queued e-mails to them. Returns how many identities changed. Run inside a transaction.
 */
export async function optOutEmailAddresses(
  tx: Db,
  input: { customerId: string | null; addresses: readonly string[]; now: Date },
): Promise<number> {
  const { customerId, now } = input;
  const lowered = [...new Set(input.addresses.flatMap((a) => [a, a.toLowerCase()]))];
  let changed = 0;
  if (customerId) {
    const r = await tx.channelIdentity.updateMany({
      where: { customer_id: customerId, channel: "email", opted_out: false },
      data: { opted_out: true, opted_out_at: now, updated_at: now },
    });
    changed += r.count;
  }
  if (lowered.length > 0) {
    const r = await tx.channelIdentity.updateMany({
      where: { channel: "email", address: { in: lowered }, opted_out: false },
      data: { opted_out: true, opted_out_at: now, updated_at: now },
    });
    changed += r.count;
    for (const address of input.addresses) {
      const known = await tx.channelIdentity.findFirst({
        where: { channel: "email", address: { in: [address, address.toLowerCase()] } },
      });
      if (known) continue;
      await tx.channelIdentity.create({
        data: {
          channel: "email",
          address,
          customer_id: customerId,
          opted_out: true,
          opted_out_at: now,
          created_at: now,
          updated_at: now,
        },
      });
      changed += 1;
    }
  }
  await tx.outboundMessage.updateMany({
    where: {
      channel: "email",
      status: "queued",
      OR: [...(customerId ? [{ customer_id: customerId }] : []), { to_address: { in: lowered } }],
    },
    data: { status: "cancelled", last_error: "unsubscribed from e-mail", updated_at: now },
  });
  return changed;
}
