/**
 * Reaching a customer from the nurturing area: which channel and address a message goes to,
 * the values its placeholders are filled with, and the tracked link behind `{{link}}`.
 */
import type { ChannelKind, ContactMethod, Customer, Opportunity, User } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { isUuid } from "../ids.js";
import { firstNameOf, type TemplateVars } from "../messaging/templates.js";
import { formatUsd, toCents } from "../money.js";

/** Where a customer message goes; `identityId` is null for an address known only from the customer row. */
export interface Destination {
  channel: ChannelKind;
  address: string;
  identityId: string | null;
}

/** Channels a customer can be messaged on, in the fallback order (sandbox last, for the try-it chat). */
const FALLBACK_ORDER: readonly ChannelKind[] = ["sms", "whatsapp", "email", "telegram", "sandbox"];

/** Setting with the platform-wide default target of `{{link}}` (a booking page, say). */
export const DEFAULT_LINK_SETTING = "nurturing.default_link_url";

const channelOfMethod = (m: ContactMethod | null): ChannelKind | null => (m === "phone" ? "sms" : m);

/**
 * Pick the channel for a customer message: the wanted channel if the customer has a
 * non-opted-out address there, else their preferred channel, else the first reachable one in
 * sms → whatsapp → email → telegram order. Addresses on the customer row (e-mail, phone for
 * SMS) count when no identity exists for them; an address opted out anywhere never counts.
 * A customer who opted out of everything gets nothing (null).
 */
export async function chooseDestination(
  db: Db,
  customer: Pick<Customer, "id" | "email" | "phone" | "preferred_contact_method" | "opted_out_at">,
  wanted: ChannelKind | null,
): Promise<Destination | null> {
  if (customer.opted_out_at) return null;
  // One query after the other: `db` is usually a transaction, which runs one statement at a time.
  const own = await db.channelIdentity.findMany({
    where: { customer_id: customer.id, opted_out: false, channel: { in: [...FALLBACK_ORDER] } },
    orderBy: [{ last_inbound_at: { sort: "desc", nulls: "last" } }, { created_at: "asc" }],
  });
  const fromRow = [
    ...(customer.email ? [{ channel: "email" as const, address: customer.email }] : []),
    ...(customer.phone ? [{ channel: "sms" as const, address: customer.phone }] : []),
  ];
  const known =
    fromRow.length > 0
      ? await db.channelIdentity.findMany({ where: { OR: fromRow }, select: { channel: true, address: true } })
      : [];
  const candidates: Destination[] = own.map((i) => ({ channel: i.channel, address: i.address, identityId: i.id }));
  const taken = new Set(known.map((k) => `${k.channel}:${k.address}`));
  if (customer.email && !taken.has(`email:${customer.email}`))
    candidates.push({ channel: "email", address: customer.email, identityId: null });
  if (customer.phone && !taken.has(`sms:${customer.phone}`))
    candidates.push({ channel: "sms", address: customer.phone, identityId: null });
  const order = [wanted, channelOfMethod(customer.preferred_contact_method), ...FALLBACK_ORDER];
  for (const channel of order) {
    const hit = channel && candidates.find((c) => c.channel === channel);
    if (hit) return hit;
  }
  return null;
}

/** The values a customer message's placeholders are filled with. */
export function messageVars(input: {
  customer: Pick<Customer, "name" | "property_address" | "property_city" | "property_zip">;
  owner: Pick<User, "name" | "company_name" | "phone">;
  opportunity?: Pick<Opportunity, "opportunity_type" | "asset_brand" | "asset_age_years"> | null;
  estValueUsd?: { toString(): string } | null;
  link?: string | null;
}): TemplateVars {
  const { customer, owner, opportunity } = input;
  const parts = customer.name.trim().split(/\s+/);
  const company = owner.company_name || owner.name;
  return {
    first_name: firstNameOf(customer.name),
    last_name: parts.length > 1 ? parts.slice(1).join(" ") : null,
    name: customer.name,
    company,
    company_name: company,
    contractor_name: owner.name,
    contractor_phone: owner.phone,
    link: input.link ?? null,
    est_value: input.estValueUsd ? formatUsd(toCents(input.estValueUsd)) : null,
    asset_brand: opportunity?.asset_brand ?? null,
    asset_age_years: opportunity ? String(Number(opportunity.asset_age_years)) : null,
    opportunity_type: opportunity?.opportunity_type.replaceAll("_", " ") ?? null,
    property_address: customer.property_address,
    property_city: customer.property_city,
    property_zip: customer.property_zip,
  };
}

/** Where `{{link}}` leads: the step's own URL, else the platform setting, else the public site. */
export async function linkTarget(db: Db, deps: Pick<CoreDeps, "config">, stepUrl?: string | null): Promise<string> {
  if (stepUrl) return stepUrl;
  const setting = await db.setting.findUnique({ where: { key: DEFAULT_LINK_SETTING } });
  const value = setting?.value;
  if (typeof value === "string" && /^https?:\/\//i.test(value)) return value;
  return `${deps.config.publicUrl}/`;
}

/**
 * Create a tracked link (random token from `deps.ids`) and return the public URLs of its
 * redirect (`/t/<token>`) and of the e-mail open pixel (`/o/<token>.gif`).
 */
export async function createTrackedLink(
  db: Db,
  deps: Pick<CoreDeps, "config" | "ids">,
  input: { url: string; customerId: string; sequenceEventId?: string | null; now: Date },
): Promise<{ token: string; link: string; pixel: string }> {
  const token = deps.ids.token(12).slice(0, 32);
  await db.trackedLink.create({
    data: {
      token,
      url: input.url,
      customer_id: input.customerId,
      sequence_event_id: input.sequenceEventId ?? null,
      created_at: input.now,
    },
  });
  const base = deps.config.publicUrl;
  return { token, link: `${base}/t/${token}`, pixel: `${base}/o/${token}.gif` };
}

/** Take the row lock of a sequence so changes to one sequence happen one at a time. */
export async function lockSequence(tx: Db, sequenceId: string): Promise<boolean> {
  if (!isUuid(sequenceId)) return false;
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM nurturing_sequences WHERE id = ${sequenceId}::uuid FOR UPDATE`;
  return rows.length === 1;
}

/** Take the row lock of a customer (one enrolment decision at a time per customer). */
export async function lockCustomer(tx: Db, customerId: string): Promise<boolean> {
  if (!isUuid(customerId)) return false;
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM customers WHERE id = ${customerId}::uuid FOR UPDATE`;
  return rows.length === 1;
}
