/**
 * Reaching a customer from the nurturing area: the values a message's placeholders are filled
 * with and the tracked link behind `{{link}}`. Which channel and address a message goes to is
 * decided by core/messaging/customer-message.ts, the one path every customer message takes.
 */
import type { Customer, Opportunity, User } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { isUuid } from "../ids.js";
import { firstNameOf, type TemplateVars } from "../messaging/templates.js";
import { formatUsd, toCents } from "../money.js";

/** Setting with the platform-wide default target of `{{link}}` (a booking page, say). */
const DEFAULT_LINK_SETTING = "nurturing.default_link_url";

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
