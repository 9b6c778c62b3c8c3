/**
 * Reaching a customer from the nurturing area: which channel and address a message goes to,
 * the values its placeholders are filled with, and the tracked link behind `{{link}}`.
 */
import type { ChannelKind, Customer, Opportunity, User } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { isUuid } from "../ids.js";
import { routeCandidates } from "../messaging/route-candidates.js";
import { chooseRoute } from "../messaging/routing.js";
import { firstNameOf, type TemplateVars } from "../messaging/templates.js";
import { formatUsd, toCents } from "../money.js";

/** Where a customer message goes; `identityId` is null for an address known only from the customer row. */
export interface Destination {
  channel: ChannelKind;
  address: string;
  identityId: string | null;
}

/** Setting with the platform-wide default target of `{{link}}` (a booking page, say). */
export const DEFAULT_LINK_SETTING = "nurturing.default_link_url";

/**
 * Pick the channel for a customer message (core/messaging/routing.ts decides): the wanted
 * channel, else their preferred one, else the first reachable in sms → whatsapp → email →
 * telegram order. Addresses on the customer row (e-mail, phone for SMS) count when no identity
 * exists for them; an address opted out anywhere never counts; WhatsApp outside the 24-hour
 * window only carries template text (`templated`, the default here: nurturing sends templates).
 * A customer who opted out of everything gets nothing (null).
 */
export async function chooseDestination(
  db: Db,
  customer: Pick<Customer, "id" | "email" | "phone" | "preferred_contact_method" | "opted_out_at">,
  wanted: ChannelKind | null,
  opts: { now: Date; templated?: boolean },
): Promise<Destination | null> {
  if (customer.opted_out_at) return null;
  const candidates = await routeCandidates(db, customer);
  const route = chooseRoute({
    customerOptedOut: false,
    preferred: customer.preferred_contact_method,
    wanted,
    candidates,
    now: opts.now,
    templated: opts.templated ?? true,
  });
  return route.ok ? { channel: route.channel, address: route.address, identityId: route.identityId } : null;
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
