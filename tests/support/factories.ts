/**
 * Small factories for tests: each makes one valid row with unique, readable defaults (a
 * module-level counter, never randomness) and creates the parents it needs when the caller
 * does not pass their ids. Overrides use the Prisma "unchecked" create shapes (plain ids).
 *
 * Times default around FACTORY_NOW, which is FakeClock's default start; pass your own when the
 * test's clock is elsewhere.
 */
import { createHash } from "node:crypto";
import type { Db } from "../../core/db.js";
import { discountForRating, finalBidCents } from "../../core/marketplace/pricing.js";
import { fromCents } from "../../core/money.js";
import type {
  Bid,
  CanonicalStatus,
  Category,
  ChannelIdentity,
  Customer,
  CustomerInteraction,
  Deal,
  DealPipeline,
  DealStage,
  EventLog,
  Job,
  Lead,
  LeadSource,
  MessageTemplate,
  NurturingSequence,
  Opportunity,
  Prisma,
  Reminder,
  Segment,
  SequenceTemplate,
  Technician,
  User,
} from "../../prisma/generated/client.js";

/** FakeClock's default start (tests/support/clock.ts): the anchor for default times. */
export const FACTORY_NOW = new Date("2026-01-05T09:00:00.000Z");
const MINUTE = 60_000;

let counter = 0;
/** The next unique number for this test process. */
function next(): number {
  counter += 1;
  return counter;
}

const later = (ms: number) => new Date(FACTORY_NOW.getTime() + ms);
const phone = (n: number) => `+1602555${String(3000 + (n % 7000)).padStart(4, "0")}`;

/** A category (`test-category-N`). */
export async function makeCategory(
  db: Db,
  overrides: Partial<Prisma.CategoryUncheckedCreateInput> = {},
): Promise<Category> {
  const n = next();
  return db.category.create({ data: { slug: `test-category-${n}`, display_name: `Test category ${n}`, ...overrides } });
}

/** A lead source with a 15-minute window and a 25.00 base cost. */
export async function makeLeadSource(
  db: Db,
  overrides: Partial<Prisma.LeadSourceUncheckedCreateInput> = {},
): Promise<LeadSource> {
  const n = next();
  return db.leadSource.create({
    data: {
      slug: `test_source_${n}`,
      display_name: `Test source ${n}`,
      bidding_window_seconds: 900,
      default_base_lead_cost: "25.00",
      ...overrides,
    },
  });
}

/** Options for makeContractor on top of the column overrides. */
export interface ContractorOptions {
  rating?: number;
  zips?: string[];
  /** Category ids (or pass `contractor_categories` directly). */
  categories?: string[];
}

/** An active contractor serving 85004 with a 4.0 rating (discount from the default table). */
export async function makeContractor(
  db: Db,
  overrides: Partial<Prisma.UserUncheckedCreateInput> & ContractorOptions = {},
): Promise<User> {
  const n = next();
  const { rating = 4.0, zips = ["85004"], categories = [], ...rest } = overrides;
  return db.user.create({
    data: {
      name: `Contractor ${n}`,
      email: `contractor${n}@example.com`,
      phone: phone(n),
      company_name: `Test Contracting ${n}`,
      role: "contractor",
      is_contractor: true,
      service_area_zip_codes: zips,
      contractor_categories: categories,
      profile_rating: rating.toFixed(2),
      lead_discount_multiplier: discountForRating(rating).toFixed(2),
      ...rest,
    },
  });
}

/** An admin (no password). */
export async function makeAdmin(db: Db, overrides: Partial<Prisma.UserUncheckedCreateInput> = {}): Promise<User> {
  const n = next();
  return db.user.create({ data: { name: `Admin ${n}`, email: `admin${n}@example.com`, role: "admin", ...overrides } });
}

/** A Frazer-method marketer. */
export async function makeMarketer(db: Db, overrides: Partial<Prisma.UserUncheckedCreateInput> = {}): Promise<User> {
  const n = next();
  return db.user.create({
    data: { name: `Marketer ${n}`, email: `marketer${n}@example.com`, phone: phone(n), role: "marketer", ...overrides },
  });
}

/** An ACTIVE lead in 85004 closing 15 minutes after FACTORY_NOW; makes its category and source if not given. */
export async function makeLead(db: Db, overrides: Partial<Prisma.LeadUncheckedCreateInput> = {}): Promise<Lead> {
  const n = next();
  const category_id = overrides.category_id ?? (await makeCategory(db)).id;
  const source = overrides.lead_source
    ? await db.leadSource.findUnique({ where: { slug: overrides.lead_source } })
    : await makeLeadSource(db);
  return db.lead.create({
    data: {
      category_id,
      title: `Test lead ${n}`,
      description: "AC blowing warm air",
      customer_name: `Lead Customer ${n}`,
      customer_email: `lead${n}@example.com`,
      customer_phone: phone(n),
      customer_zip_code: "85004",
      lead_source: source?.slug ?? `test_source_${n}`,
      base_lead_cost: source?.default_base_lead_cost ?? "25.00",
      status: "ACTIVE",
      bidding_closes_at: later(15 * MINUTE),
      created_at: FACTORY_NOW,
      ...overrides,
    },
  });
}

/** An ACTIVE bid (multiplier 1.00) priced with the real rule; makes the lead and contractor if not given. */
export async function makeBid(db: Db, overrides: Partial<Prisma.BidUncheckedCreateInput> = {}): Promise<Bid> {
  const lead = overrides.lead_id
    ? await db.lead.findUniqueOrThrow({ where: { id: overrides.lead_id } })
    : await makeLead(db);
  const contractor = overrides.contractor_id
    ? await db.user.findUniqueOrThrow({ where: { id: overrides.contractor_id } })
    : await makeContractor(db);
  const multiplier = Number(overrides.bid_multiplier ?? 1);
  const discount = Number(contractor.lead_discount_multiplier);
  return db.bid.create({
    data: {
      lead_id: lead.id,
      contractor_id: contractor.id,
      bid_multiplier: multiplier.toFixed(2),
      lead_discount_multiplier: discount.toFixed(2),
      final_bid_amount: fromCents(finalBidCents(lead.base_lead_cost, multiplier, discount)),
      bid_placed_at: later(MINUTE),
      ...overrides,
    },
  });
}

/** A customer of `owner_id` (status lead, canonical status lead). */
export async function makeCustomer(
  db: Db,
  overrides: Partial<Prisma.CustomerUncheckedCreateInput> & { owner_id: string },
): Promise<Customer> {
  const n = next();
  return db.customer.create({
    data: {
      name: `Customer ${n}`,
      email: `customer${n}@example.com`,
      phone: phone(n),
      timezone: "America/Phoenix",
      property_zip: "85004",
      ...overrides,
    },
  });
}

/** The owner and customer ids for an owned row: as given, the customer's owner, or new ones. */
async function ownerAndCustomer(
  db: Db,
  o: { owner_id?: string; customer_id?: string | null },
): Promise<{ owner_id: string; customer_id: string }> {
  if (o.customer_id) {
    const c = await db.customer.findUniqueOrThrow({ where: { id: o.customer_id } });
    return { owner_id: o.owner_id ?? c.owner_id, customer_id: c.id };
  }
  const owner_id = o.owner_id ?? (await makeContractor(db)).id;
  return { owner_id, customer_id: (await makeCustomer(db, { owner_id })).id };
}

/** One stage of makePipeline. */
export interface StageInput {
  name: string;
  probability?: number;
  canonical_status?: CanonicalStatus | null;
  is_won?: boolean;
  is_lost?: boolean;
}

/** The seed-002 stages: New Lead 10, Site Visit Scheduled 30, Sent 50, Negotiation 70, Won 100, Lost 0. */
const DEFAULT_STAGES: readonly StageInput[] = [
  { name: "New Lead", probability: 10, canonical_status: "lead" },
  { name: "Site Visit Scheduled", probability: 30, canonical_status: "qualified" },
  { name: "Sent", probability: 50, canonical_status: "presentation_sent" },
  { name: "Negotiation", probability: 70, canonical_status: "follow_up" },
  { name: "Won", probability: 100, canonical_status: "signed_up", is_won: true },
  { name: "Lost", probability: 0, is_lost: true },
];

/** A pipeline with its stages (positions in the given order); shared (owner_id null) unless given. */
export async function makePipeline(
  db: Db,
  overrides: Partial<Prisma.DealPipelineUncheckedCreateInput> & { stages?: readonly StageInput[] } = {},
): Promise<DealPipeline & { stages: DealStage[] }> {
  const n = next();
  const { stages = DEFAULT_STAGES, ...rest } = overrides;
  return db.dealPipeline.create({
    data: {
      name: `Pipeline ${n}`,
      ...rest,
      stages: { create: stages.map((s, position) => ({ probability: 0, ...s, position })) },
    },
    include: { stages: { orderBy: { position: "asc" } } },
  });
}

/** An open deal in the first stage of a new pipeline (or the given one), for a new or given customer. */
export async function makeDeal(db: Db, overrides: Partial<Prisma.DealUncheckedCreateInput> = {}): Promise<Deal> {
  const n = next();
  const { owner_id, customer_id } = await ownerAndCustomer(db, overrides);
  const pipeline_id = overrides.pipeline_id ?? (await makePipeline(db)).id;
  const stage_id =
    overrides.stage_id ??
    (await db.dealStage.findFirstOrThrow({ where: { pipeline_id }, orderBy: { position: "asc" } })).id;
  return db.deal.create({
    data: {
      title: `Deal ${n}`,
      value_usd: "5000.00",
      stage_entered_at: FACTORY_NOW,
      last_activity_at: FACTORY_NOW,
      ...overrides,
      owner_id,
      customer_id,
      pipeline_id,
      stage_id,
    },
  });
}

/** A completed outbound call in the customer's log. */
export async function makeInteraction(
  db: Db,
  overrides: Partial<Prisma.CustomerInteractionUncheckedCreateInput> = {},
): Promise<CustomerInteraction> {
  const n = next();
  const ids = await ownerAndCustomer(db, overrides);
  return db.customerInteraction.create({
    data: {
      type: "call",
      direction: "outbound",
      content: `Call ${n}`,
      completed: true,
      created_by: ids.owner_id,
      created_at: FACTORY_NOW,
      ...overrides,
      ...ids,
    },
  });
}

/** A follow_up_24h reminder due a day after FACTORY_NOW. */
export async function makeReminder(
  db: Db,
  overrides: Partial<Prisma.ReminderUncheckedCreateInput> = {},
): Promise<Reminder> {
  const n = next();
  const ids = await ownerAndCustomer(db, overrides);
  return db.reminder.create({
    data: {
      type: "follow_up_24h",
      scheduled_for: later(24 * 60 * MINUTE),
      message: `Reminder ${n}`,
      dedupe_key: `test:reminder:${n}`,
      ...overrides,
      ...ids,
    },
  });
}

/** A DM_STARTED event (`test-evt-N`) with its payload hash. */
export async function makeEvent(
  db: Db,
  overrides: Partial<Prisma.EventLogUncheckedCreateInput> = {},
): Promise<EventLog> {
  const n = next();
  const base = {
    event_id: `test-evt-${n}`,
    event_name: "DM_STARTED" as const,
    timestamp: FACTORY_NOW,
    source: "manual",
    ...overrides,
  };
  const hash = createHash("sha256")
    .update(JSON.stringify({ ...base, timestamp: new Date(base.timestamp).toISOString() }))
    .digest("hex");
  return db.eventLog.create({ data: { payload_hash: hash, ...base } });
}

/** A pending water-heater replacement opportunity with forensics. */
export async function makeOpportunity(
  db: Db,
  overrides: Partial<Prisma.OpportunityUncheckedCreateInput> = {},
): Promise<Opportunity> {
  const n = next();
  const owner_id =
    overrides.owner_id ??
    (overrides.customer_id
      ? (await db.customer.findUniqueOrThrow({ where: { id: overrides.customer_id } })).owner_id
      : (await makeContractor(db)).id);
  return db.opportunity.create({
    data: {
      owner_id,
      customer_name: `Opportunity Customer ${n}`,
      property_address: `${100 + n} N Central Ave`,
      property_city: "Phoenix",
      property_zip: "85004",
      opportunity_type: "replacement",
      priority: "high",
      asset_brand: "Rheem",
      asset_age_years: "12.00",
      forensic_inputs: { unit_type: "gas_tank_50gal", water_hardness_gpg: 19 },
      health_score: 20,
      fail_probability: "0.7500",
      verdict_action: "replace",
      ...overrides,
    },
  });
}

/** A platform sequence template with three steps (0m sms, 1d email, 2d call reminder). */
export async function makeSequenceTemplate(
  db: Db,
  overrides: Partial<Prisma.SequenceTemplateUncheckedCreateInput> = {},
): Promise<SequenceTemplate> {
  const n = next();
  return db.sequenceTemplate.create({
    data: {
      name: `template_${n}`,
      trigger_type: "replacement",
      steps: [
        { delay: "0m", channel: "sms", text: "Hi {{first_name}}, step 1 {{link}}" },
        { delay: "1d", channel: "email", text: "Hi {{first_name}}, step 2 {{link}}" },
        { delay: "2d", channel: "call_reminder", text: "Call {{first_name}}" },
      ],
      ...overrides,
    },
  });
}

/** An active 3-step sequence started at FACTORY_NOW (no events; create them as the test needs). */
export async function makeSequence(
  db: Db,
  overrides: Partial<Prisma.NurturingSequenceUncheckedCreateInput> = {},
): Promise<NurturingSequence> {
  const ids = await ownerAndCustomer(db, overrides);
  return db.nurturingSequence.create({
    data: {
      sequence_type: "replacement_urgent",
      total_steps: 3,
      started_at: FACTORY_NOW,
      next_action_at: FACTORY_NOW,
      ...overrides,
      ...ids,
    },
  });
}

/** A platform message template (`test_template_N`, English, any channel). */
export async function makeMessageTemplate(
  db: Db,
  overrides: Partial<Prisma.MessageTemplateUncheckedCreateInput> = {},
): Promise<MessageTemplate> {
  const n = next();
  return db.messageTemplate.create({
    data: { key: `test_template_${n}`, name: `Test template ${n}`, body: "Hi {{first_name}}!", ...overrides },
  });
}

/** A technician of a new or given contractor. */
export async function makeTechnician(
  db: Db,
  overrides: Partial<Prisma.TechnicianUncheckedCreateInput> = {},
): Promise<Technician> {
  const n = next();
  const owner_id = overrides.owner_id ?? (await makeContractor(db)).id;
  return db.technician.create({
    data: { name: `Technician ${n}`, phone: phone(n), skills: ["hvac"], rating: "4.50", ...overrides, owner_id },
  });
}

/** A scheduled job for a new or given customer. */
export async function makeJob(db: Db, overrides: Partial<Prisma.JobUncheckedCreateInput> = {}): Promise<Job> {
  const n = next();
  const ids = await ownerAndCustomer(db, overrides);
  return db.job.create({ data: { title: `Job ${n}`, scheduled_at: later(24 * 60 * MINUTE), ...overrides, ...ids } });
}

/** A segment ("equipment older than 10 years") of a new or given owner. */
export async function makeSegment(
  db: Db,
  overrides: Partial<Prisma.SegmentUncheckedCreateInput> = {},
): Promise<Segment> {
  const n = next();
  const owner_id = overrides.owner_id ?? (await makeContractor(db)).id;
  return db.segment.create({
    data: {
      name: `Segment ${n}`,
      filter: { all: [{ field: "equipment_age", op: ">", value: 10 }] },
      ...overrides,
      owner_id,
    },
  });
}

/** A sandbox channel identity (`sandbox-N`), linked to nobody unless given. */
export async function makeChannelIdentity(
  db: Db,
  overrides: Partial<Prisma.ChannelIdentityUncheckedCreateInput> = {},
): Promise<ChannelIdentity> {
  const n = next();
  return db.channelIdentity.create({ data: { channel: "sandbox", address: `sandbox-${n}`, ...overrides } });
}
