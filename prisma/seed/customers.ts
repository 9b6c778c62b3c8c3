/**
 * Customers owned by two contractors and the marketer, across every status and every
 * canonical pipeline status, with their channel identities (e-mail, SMS, WhatsApp).
 */
import type { CanonicalStatus, ContactMethod, CustomerStatus, Prisma } from "../generated/client.js";
import { CUSTOMER_TABLE } from "./customers-data.js";
import { at, count, DAY, demoId, type SeedContext } from "./kit.js";
import { LEAD_PLANS } from "./marketplace-plan.js";
import { leadCustomerId } from "./marketplace-sim.js";
import { type PersonKey, userId } from "./people.js";

/** One demo customer, normalised. */
export interface CustomerSpec {
  key: string;
  owner: PersonKey;
  name: string;
  email?: string;
  phone: string;
  status: CustomerStatus;
  pipeline: CanonicalStatus;
  source: string;
  contact: ContactMethod;
  createdAgo: number;
  stageAgo: number;
  activityAgo: number;
  zip?: string;
  address?: string;
  danish?: boolean;
  language?: string;
  next?: [action: string, offsetMs: number];
  notes?: string;
  handle?: string;
  referredBy?: string;
  referralCode?: string;
  optedOutAgo?: number;
  quietHours?: [string, string];
  frequency?: "minimal" | "moderate" | "frequent";
}

/** A customer by key ("lead:<lead key>" for one made from a contacted lead): its id and owner. */
export function customerRef(key: string): { id: string; owner: PersonKey } {
  if (key.startsWith("lead:")) {
    const plan = LEAD_PLANS.find((p) => p.key === key.slice(5));
    if (!plan?.winner) throw new Error(`demo lead ${key} has no customer`);
    return { id: leadCustomerId(plan.key), owner: plan.winner };
  }
  const c = CUSTOMERS.find((x) => x.key === key);
  if (!c) throw new Error(`demo customer ${key} missing`);
  return { id: customerId(key), owner: c.owner };
}

/** The stable id of a demo customer by key. */
export function customerId(key: string): string {
  return demoId(`customer:${key}`);
}

/** The table, flattened with owners and derived e-mails. */
export const CUSTOMERS: readonly CustomerSpec[] = Object.entries(CUSTOMER_TABLE).flatMap(([owner, rows]) =>
  rows.map(({ state, ages, home, email, ...r }) => ({
    ...r,
    owner: owner as PersonKey,
    email:
      email === null ? undefined : (email ?? `${r.name.toLowerCase().replace(/'/g, "").replace(" ", ".")}@example.com`),
    status: state[0],
    pipeline: state[1],
    createdAgo: ages[0],
    stageAgo: ages[1],
    activityAgo: ages[2],
    zip: home?.[0],
    address: home?.[1],
  })),
);

function customerRow(ctx: SeedContext, c: CustomerSpec): Prisma.CustomerCreateManyInput {
  const marketer = c.owner === "marketer";
  const createdAt = at(ctx, -c.createdAgo);
  return {
    id: customerId(c.key),
    owner_id: userId(c.owner),
    name: c.name,
    email: c.email,
    phone: c.phone,
    status: c.status,
    lead_source: c.source,
    pipeline_status: c.pipeline,
    stage_entered_at: at(ctx, -c.stageAgo),
    notes: c.notes,
    next_action: c.next?.[0],
    next_action_date: c.next ? at(ctx, c.next[1]) : null,
    handles: c.handle ? { instagram: c.handle } : undefined,
    country: c.danish ? "DK" : "US",
    timezone: c.danish ? "Europe/Copenhagen" : "America/Phoenix",
    property_address: c.address,
    property_city: c.address ? "Phoenix" : null,
    property_state: c.address ? "AZ" : null,
    property_zip: c.zip,
    consent_json: marketer ? { marketing: true, source: c.source, at: createdAt.toISOString() } : undefined,
    utm_json:
      marketer && c.source === "instagram"
        ? { utm_source: "instagram", utm_medium: "dm", utm_campaign: "spring-reset" }
        : undefined,
    referral_code: c.referralCode,
    referred_by_id: c.referredBy ? customerId(c.referredBy) : null,
    preferred_contact_method: c.contact,
    preferred_contact_times: marketer
      ? { weekdays: ["evening"], weekends: ["any"] }
      : { weekdays: ["morning", "afternoon"], weekends: ["morning"] },
    communication_frequency_preference: c.frequency ?? "moderate",
    language_preference: c.danish ? "da" : (c.language ?? "en"),
    quiet_hours_start: c.quietHours?.[0],
    quiet_hours_end: c.quietHours?.[1],
    opted_out_at: c.optedOutAgo ? at(ctx, -c.optedOutAgo) : null,
    last_contacted_at: at(ctx, -c.activityAgo),
    last_activity_at: at(ctx, -c.activityAgo),
    inactivity_nudged_at: c.activityAgo >= 7 * DAY && marketer && c.status === "lead" ? at(ctx, -2 * DAY) : null,
    created_at: createdAt,
    updated_at: at(ctx, -c.activityAgo),
  };
}

function identityRows(ctx: SeedContext, c: CustomerSpec): Prisma.ChannelIdentityCreateManyInput[] {
  const since = at(ctx, -c.createdAgo);
  const base = {
    customer_id: customerId(c.key),
    display_name: c.name,
    language: c.danish ? "da" : (c.language ?? "en"),
    created_at: since,
    updated_at: c.optedOutAgo ? at(ctx, -c.optedOutAgo) : since,
  };
  const rows: Prisma.ChannelIdentityCreateManyInput[] = [];
  if (c.email) rows.push({ ...base, channel: "email", address: c.email });
  const optedOut = c.optedOutAgo ? { opted_out: true, opted_out_at: at(ctx, -c.optedOutAgo) } : {};
  rows.push({ ...base, ...optedOut, channel: "sms", address: c.phone });
  if (c.contact === "whatsapp") {
    rows.push({
      ...base,
      channel: "whatsapp",
      address: `${c.phone.slice(1)}@s.whatsapp.net`,
      last_inbound_at: at(ctx, -c.activityAgo),
    });
  }
  return rows;
}

/** Insert the customers and their channel identities. */
export async function seedCustomers(ctx: SeedContext): Promise<void> {
  // Referrers first, so a referral never points forward inside the batch.
  const ordered = [...CUSTOMERS].sort((a, b) => Number(Boolean(a.referredBy)) - Number(Boolean(b.referredBy)));
  const customers = await ctx.tx.customer.createMany({ data: ordered.map((c) => customerRow(ctx, c)) });
  count(ctx, "customers", customers.count);
  const identities = await ctx.tx.channelIdentity.createMany({ data: CUSTOMERS.flatMap((c) => identityRows(ctx, c)) });
  count(ctx, "channel_identities", identities.count);
}
