/**
 * The batch loop behind a blast: walk the segment's matching customers in id order, a thousand
 * at a time, make the one customer-message decision for each in memory (the same pure function
 * every other message to a customer goes through) and write their outbox rows with one insert
 * per batch. Each row's dedupe key makes a repeated or resumed run add nothing twice.
 */
import type { ChannelKind, MessageTemplate, OutboundLane } from "../../prisma/generated/client.js";
import { Prisma } from "../../prisma/generated/client.js";
import type { Config } from "../config/config.js";
import type { Db } from "../db.js";
import { loadCustomerFactsBatch } from "../messaging/customer-message.js";
import { compileFilter } from "./compile.js";
import type { SegmentFilter } from "./filter.js";
import { type BlastCustomer, chooseRecipient, renderPlaceholders, type SkipReason } from "./recipients.js";

/** Customers per batch (one select, three fact lookups and one insert each). */
export const BLAST_BATCH = 1000;

/** For a dry run without the platform's rules: no platform quiet hours, UTC for customers without a zone. */
const NO_PLATFORM_RULES = { quietHours: { start: "00:00", end: "00:00" }, defaultTimezone: "UTC" };

/** What the blast says: the campaign's own text, or a template with its language variants. */
export interface BlastMessage {
  subject: string | null;
  body: string | null;
  template: MessageTemplate | null;
  variants: readonly MessageTemplate[];
}

/** What one run did. */
export interface BlastRun {
  matched: number;
  queued: number;
  /** Of the queued, how many wait for the end of their customer's quiet hours. */
  deferred: number;
  skipped: Record<SkipReason, number>;
}

/** The dedupe key of a campaign's message to one customer. */
export function blastDedupeKey(campaignId: string, customerId: string): string {
  return `campaign:${campaignId}:${customerId}`;
}

/** Subject and body for one customer: their language's template variant, else the chosen one. */
export function messageFor(
  m: BlastMessage,
  c: BlastCustomer,
  campaignName: string,
): { subject: string | null; body: string } {
  const t = m.template ? (m.variants.find((v) => v.language === c.language_preference) ?? m.template) : null;
  const body = renderPlaceholders(m.body ?? t?.body ?? "", c);
  const subject = m.subject ?? t?.subject ?? campaignName;
  return { subject: renderPlaceholders(subject, c), body };
}

/** One outbox row of a blast, before it is written. */
interface BlastRow {
  channel: ChannelKind;
  address: string;
  identityId: string | null;
  customerId: string;
  subject: string | null;
  body: string;
  dedupeKey: string;
  /** Now, or the end of the customer's quiet hours. */
  sendAt: Date;
}

/**
 * Write a batch of blast rows in one INSERT over bound arrays (`unnest`), skipping dedupe keys
 * that already exist. Several times faster than a Prisma createMany of the same rows.
 */
async function insertRows(
  db: Db,
  rows: readonly BlastRow[],
  input: { campaignId: string; lane: OutboundLane; now: Date },
): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <K extends keyof BlastRow>(k: K) => rows.map((r) => r[k]);
  const sendAt = rows.map((r) => r.sendAt.toISOString());
  return db.$executeRaw`
    INSERT INTO outbound_messages (channel, to_address, identity_id, customer_id, lane, kind, subject, body, payload,
      next_attempt_at, dedupe_key, campaign_id, created_at, updated_at)
    SELECT CAST(t.channel AS "ChannelKind"), t.address, CAST(t.identity_id AS uuid), CAST(t.customer_id AS uuid),
      CAST(${input.lane} AS "OutboundLane"), 'blast', t.subject, t.body,
      jsonb_build_object('kind', 'blast', 'text', t.body, 'campaign_id', ${input.campaignId}::text),
      t.send_at, t.dedupe_key, ${input.campaignId}::uuid, ${input.now}, ${input.now}
    FROM unnest(${col("channel")}::text[], ${col("address")}::text[], ${col("identityId")}::text[],
      ${col("customerId")}::text[], ${col("subject")}::text[], ${col("body")}::text[], ${col("dedupeKey")}::text[],
      ${sendAt}::timestamptz[])
      AS t(channel, address, identity_id, customer_id, subject, body, dedupe_key, send_at)
    ON CONFLICT (dedupe_key) DO NOTHING`;
}

/**
 * Queue a campaign's messages for the customers of `ownerId` matching `filter` at `now`, each
 * decided by core/messaging/customer-message.ts: opted-out and unreachable customers are counted,
 * not queued; a customer in their quiet hours is queued for the end of them (`deferred`). With
 * `dryRun`, nothing is written and `queued` is how many rows a real run would add.
 */
export async function queueRecipients(
  db: Db,
  input: {
    campaignId: string;
    campaignName?: string;
    ownerId: string;
    filter: SegmentFilter;
    channel: ChannelKind | null;
    message: BlastMessage;
    lane: OutboundLane;
    now: Date;
    /**
     * The platform's quiet hours and default time zone (customers' own settings win). Every real
     * send passes them; a dry run that only counts the audience may leave them out (then only the
     * customers' own quiet hours are judged, which changes `deferred`, never `queued`).
     */
    rules?: Pick<Config, "quietHours" | "defaultTimezone">;
    /** Count who would receive it without writing anything (the panel's confirmation step). */
    dryRun?: boolean;
  },
): Promise<BlastRun> {
  const where = compileFilter(input.filter, input.now);
  const run: BlastRun = { matched: 0, queued: 0, deferred: 0, skipped: { opted_out: 0, unreachable: 0 } };
  let after: string | null = null;
  for (;;) {
    const keyset: Prisma.Sql = after === null ? Prisma.empty : Prisma.sql`AND c.id > ${after}::uuid`;
    const customers: BlastCustomer[] = await db.$queryRaw<BlastCustomer[]>`
      SELECT c.id::text AS id, c.name, c.email, c.phone, c.property_city, c.language_preference,
        c.preferred_contact_method::text AS preferred_contact_method, c.opted_out_at,
        c.timezone, c.quiet_hours_start, c.quiet_hours_end, c.preferred_contact_times
      FROM customers c
      WHERE c.owner_id = ${input.ownerId}::uuid AND ${where} ${keyset}
      ORDER BY c.id
      LIMIT ${BLAST_BATCH}`;
    if (customers.length === 0) break;
    after = customers[customers.length - 1]?.id ?? null;
    run.matched += customers.length;

    const facts = await loadCustomerFactsBatch(db, customers, input.rules ?? NO_PLATFORM_RULES);
    const rows: BlastRow[] = [];
    for (const c of customers) {
      const f = facts.get(c.id);
      if (!f) continue;
      const choice = chooseRecipient(f, input.channel, input.now);
      if (choice.status === "not_sent") {
        run.skipped[choice.reason]++;
        continue;
      }
      const { subject, body } = messageFor(input.message, c, input.campaignName ?? "");
      rows.push({
        channel: choice.channel,
        address: choice.address,
        identityId: choice.identityId,
        customerId: c.id,
        subject: choice.channel === "email" ? subject : null,
        body,
        dedupeKey: blastDedupeKey(input.campaignId, c.id),
        sendAt: choice.status === "deferred" ? choice.until : input.now,
      });
    }
    const written = input.dryRun ? rows.length : await insertRows(db, rows, input);
    run.queued += written;
    // A re-run skips rows already queued; the deferred count is of the ones this call decided.
    run.deferred += rows.filter((r) => r.sendAt > input.now).length;
    if (customers.length < BLAST_BATCH) break;
  }
  return run;
}
