/**
 * The batch loop behind a blast: walk the segment's matching customers in id order, a thousand
 * at a time, choose each one's address and write their outbox rows with one insert per batch.
 * Each row's dedupe key makes a repeated or resumed run add nothing twice.
 */
import type { ChannelKind, MessageTemplate, OutboundLane } from "../../prisma/generated/client.js";
import { Prisma } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { compileFilter } from "./compile.js";
import type { SegmentFilter } from "./filter.js";
import {
  addressKey,
  type BlastCustomer,
  type BlastIdentity,
  chooseRecipient,
  renderPlaceholders,
  type SkipReason,
} from "./recipients.js";

/** Customers per batch (one select, two identity lookups and one insert each). */
export const BLAST_BATCH = 1000;

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
  return db.$executeRaw`
    INSERT INTO outbound_messages (channel, to_address, identity_id, customer_id, lane, kind, subject, body, payload,
      next_attempt_at, dedupe_key, campaign_id, created_at, updated_at)
    SELECT CAST(t.channel AS "ChannelKind"), t.address, CAST(t.identity_id AS uuid), CAST(t.customer_id AS uuid),
      CAST(${input.lane} AS "OutboundLane"), 'blast', t.subject, t.body,
      jsonb_build_object('kind', 'blast', 'text', t.body, 'campaign_id', ${input.campaignId}::text),
      ${input.now}, t.dedupe_key, ${input.campaignId}::uuid, ${input.now}, ${input.now}
    FROM unnest(${col("channel")}::text[], ${col("address")}::text[], ${col("identityId")}::text[],
      ${col("customerId")}::text[], ${col("subject")}::text[], ${col("body")}::text[], ${col("dedupeKey")}::text[])
      AS t(channel, address, identity_id, customer_id, subject, body, dedupe_key)
    ON CONFLICT (dedupe_key) DO NOTHING`;
}

/**
 * Queue a campaign's messages for the customers of `ownerId` matching `filter` at `now`.
 * Opted-out and unreachable customers are counted, not queued. With `dryRun`, nothing is
 * written and `queued` is how many rows a real run would add.
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
    /** Count who would receive it without writing anything (the panel's confirmation step). */
    dryRun?: boolean;
  },
): Promise<BlastRun> {
  const where = compileFilter(input.filter, input.now);
  const run: BlastRun = { matched: 0, queued: 0, skipped: { opted_out: 0, unreachable: 0 } };
  let after: string | null = null;
  for (;;) {
    const keyset: Prisma.Sql = after === null ? Prisma.empty : Prisma.sql`AND c.id > ${after}::uuid`;
    const customers: BlastCustomer[] = await db.$queryRaw<BlastCustomer[]>`
      SELECT c.id::text AS id, c.name, c.email, c.phone, c.property_city, c.language_preference,
        c.preferred_contact_method::text AS preferred_contact_method, c.opted_out_at
      FROM customers c
      WHERE c.owner_id = ${input.ownerId}::uuid AND ${where} ${keyset}
      ORDER BY c.id
      LIMIT ${BLAST_BATCH}`;
    if (customers.length === 0) break;
    after = customers[customers.length - 1]?.id ?? null;
    run.matched += customers.length;

    const ids = customers.map((c) => c.id);
    const emails = customers.flatMap((c) => (c.email ? [c.email.trim(), c.email.trim().toLowerCase()] : []));
    const phones = customers.flatMap((c) => (c.phone ? [c.phone.trim()] : []));
    const [linked, blocked] = await Promise.all([
      db.channelIdentity.findMany({
        where: { customer_id: { in: ids } },
        select: { id: true, channel: true, address: true, opted_out: true, last_inbound_at: true, customer_id: true },
      }),
      db.channelIdentity.findMany({
        where: {
          opted_out: true,
          OR: [
            { channel: "email", address: { in: emails } },
            { channel: "sms", address: { in: phones } },
          ],
        },
        select: { channel: true, address: true },
      }),
    ]);
    const optedOut = new Set(blocked.map((b) => addressKey(b.channel, b.address)));
    for (const l of linked) if (l.opted_out) optedOut.add(addressKey(l.channel, l.address));
    const byCustomer = new Map<string, BlastIdentity[]>();
    for (const l of linked) {
      const list = byCustomer.get(l.customer_id ?? "") ?? [];
      list.push(l);
      byCustomer.set(l.customer_id ?? "", list);
    }

    const rows: BlastRow[] = [];
    for (const c of customers) {
      const choice = chooseRecipient(c, byCustomer.get(c.id) ?? [], optedOut, input.channel);
      if (!choice.ok) {
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
      });
    }
    run.queued += input.dryRun ? rows.length : await insertRows(db, rows, input);
    if (customers.length < BLAST_BATCH) break;
  }
  return run;
}
