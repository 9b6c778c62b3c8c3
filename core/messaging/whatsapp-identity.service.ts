import type { Prisma } from "../../prisma/generated/client.js";
import { type Db, inTransaction } from "../db.js";

/**
 * WhatsApp addresses one person by two ids: their phone number (`4512345678@s.whatsapp.net`)
 * and, more and more, a "LID" (`123456789012345@lid`) that hides the number. A WhatsApp
 * identity's address is the phone in E.164 (`+4512345678`) when known, so it meets the same
 * person's customer record and SMS identity; its LID is kept in `channel_identities.wa_lid`. A
 * person first seen only by LID gets the LID as address until the phone is learnt, then the two
 * identities are merged into one.
 */

/** The part of a JID before the server, without a device suffix (`4512:3@s…` → `4512`). */
function userOf(jid: string): string {
  return (jid.split("@")[0] ?? "").split(":")[0] ?? "";
}

/** A bare LID (`123@lid`) or null when `jid` is not one. */
export function bareLid(jid: string | null | undefined): string | null {
  if (!jid?.endsWith("@lid")) return null;
  const user = userOf(jid);
  return /^\d+$/.test(user) ? `${user}@lid` : null;
}

/** The E.164 phone of a phone JID (`4512345678:2@s.whatsapp.net` → `+4512345678`), else null. */
export function phoneOfJid(jid: string | null | undefined): string | null {
  if (!jid || !(jid.endsWith("@s.whatsapp.net") || jid.endsWith("@c.us"))) return null;
  const user = userOf(jid);
  return /^\d{6,15}$/.test(user) ? `+${user}` : null;
}

/** The JID to send to for a WhatsApp identity's address (`+4512…` → `4512…@s.whatsapp.net`). */
export function jidOfAddress(address: string): string {
  if (address.includes("@")) return address;
  return `${address.replace(/\D/g, "")}@s.whatsapp.net`;
}

/**
 * The identity address a sender's JID maps to: the phone when the JID is one, else the phone
 * already learnt for that LID (`wa_lid`), else the bare LID itself. Null for groups, broadcasts
 * and anything that is not a person.
 */
export async function whatsappAddressOf(db: Db, jid: string): Promise<string | null> {
  const phone = phoneOfJid(jid);
  if (phone) return phone;
  const lid = bareLid(jid);
  if (!lid) return null;
  const known = await db.channelIdentity.findFirst({
    where: { channel: "whatsapp", wa_lid: lid, address: { startsWith: "+" } },
    select: { address: true },
  });
  return known?.address ?? lid;
}

/**
 * Record that `lid` and `phoneJid` are one person. The phone identity keeps (or takes) the LID;
 * an identity that so far existed only under the LID is folded into it — its messages move over,
 * its owner is kept if the phone identity had none, and it is deleted — so the person stays one
 * identity and one customer. Idempotent; runs in one transaction.
 */
export async function linkWhatsappLid(
  db: Db,
  input: { lid: string; phoneJid: string },
  now: Date,
): Promise<{ address: string; merged: boolean } | null> {
  const lid = bareLid(input.lid);
  const phone = phoneOfJid(input.phoneJid);
  if (!lid || !phone) return null;
  return inTransaction(db, async (tx) => {
    const byLid = await tx.channelIdentity.findUnique({
      where: { channel_address: { channel: "whatsapp", address: lid } },
    });
    let byPhone = await tx.channelIdentity.findUnique({
      where: { channel_address: { channel: "whatsapp", address: phone } },
    });
    if (byPhone?.wa_lid === lid && !byLid) return { address: phone, merged: false };
    // A LID belongs to one person: take it off any other identity first.
    await tx.channelIdentity.updateMany({
      where: { channel: "whatsapp", wa_lid: lid, address: { not: phone } },
      data: { wa_lid: null, updated_at: now },
    });
    if (!byPhone && byLid) {
      await tx.channelIdentity.update({
        where: { id: byLid.id },
        data: { address: phone, wa_lid: lid, updated_at: now },
      });
      return { address: phone, merged: false };
    }
    if (!byPhone) {
      byPhone = await tx.channelIdentity.create({
        data: { channel: "whatsapp", address: phone, wa_lid: lid, created_at: now, updated_at: now },
      });
      return { address: phone, merged: false };
    }
    const data: Prisma.ChannelIdentityUncheckedUpdateInput = { wa_lid: lid, updated_at: now };
    if (byLid) {
      await tx.inboundMessage.updateMany({ where: { identity_id: byLid.id }, data: { identity_id: byPhone.id } });
      await tx.outboundMessage.updateMany({ where: { identity_id: byLid.id }, data: { identity_id: byPhone.id } });
      if (!byPhone.user_id && !byPhone.customer_id) {
        data.user_id = byLid.user_id;
        data.customer_id = byLid.customer_id;
      }
      const latest = [byPhone.last_inbound_at, byLid.last_inbound_at].filter((d): d is Date => d !== null);
      if (latest.length > 0) data.last_inbound_at = new Date(Math.max(...latest.map((d) => d.getTime())));
      if (!byPhone.display_name && byLid.display_name) data.display_name = byLid.display_name;
      if (!byPhone.language && byLid.language) data.language = byLid.language;
      await tx.channelIdentity.delete({ where: { id: byLid.id } });
    }
    await tx.channelIdentity.update({ where: { id: byPhone.id }, data });
    return { address: phone, merged: Boolean(byLid) };
  });
}

/**
 * A WhatsApp number nobody is linked to yet, that is the phone of exactly one customer (on
 * their record or their SMS identity): link the WhatsApp identity to that customer, so their
 * reply reaches the owning contractor and they stay one customer across channels. Several
 * customers with that phone (different contractors') are left alone — guessing would leak.
 */
export async function adoptWhatsappCustomer(db: Db, address: string, now: Date): Promise<string | null> {
  if (!address.startsWith("+")) return null;
  const existing = await db.channelIdentity.findUnique({
    where: { channel_address: { channel: "whatsapp", address } },
    select: { id: true, user_id: true, customer_id: true },
  });
  if (existing?.user_id || existing?.customer_id) return existing.customer_id;
  const viaSms = await db.channelIdentity.findMany({
    where: { channel: "sms", address, customer_id: { not: null } },
    select: { customer_id: true },
  });
  const onRecord = await db.customer.findMany({ where: { phone: address }, select: { id: true } });
  const ids = new Set([...viaSms.map((i) => i.customer_id as string), ...onRecord.map((c) => c.id)]);
  if (ids.size !== 1) return null;
  const [customerId] = [...ids] as [string];
  await db.channelIdentity.upsert({
    where: { channel_address: { channel: "whatsapp", address } },
    create: { channel: "whatsapp", address, customer_id: customerId, created_at: now, updated_at: now },
    update: { customer_id: customerId, updated_at: now },
  });
  return customerId;
}
