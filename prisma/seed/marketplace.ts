/**
 * Writes the played marketplace script: leads, bids, one strike per expired window (ban at the
 * third) with the banned contractor's appeal, a customer record, conversion and messages for
 * each contact, and contractor metrics equal to a recount of the rows written here.
 */
import { discountForRating } from "../../core/marketplace/pricing.js";
import { fromCents } from "../../core/money.js";
import type { Prisma } from "../generated/client.js";
import { count, DAY, demoId, firstName, HOUR, MINUTE, type SeedContext, shift } from "./kit.js";
import { LEAD_PLANS } from "./marketplace-plan.js";
import {
  leadCustomerId,
  metricsFor,
  type SimLead,
  STRIKES_TO_BAN,
  simulate,
  WINDOW_WARNING_MS,
} from "./marketplace-sim.js";
import { CONTRACTORS, type ContractorKey, contractor, userId } from "./people.js";
import { categoryId, LEAD_SOURCES, type ReferenceData } from "./reference.js";

type Contacted = SimLead & { contactedBy: ContractorKey; contactedAt: Date };

/** Seed leads, bids, strikes, the appeal, contacts and metrics; returns summary lines. */
export async function seedMarketplace(ctx: SeedContext, ref: ReferenceData): Promise<string[]> {
  const { tx } = ctx;
  const discounts = new Map(CONTRACTORS.map((c) => [c.key, discountForRating(c.rating, ref.discountTable)]));
  const leads = LEAD_PLANS.map((p) => simulate(ctx, p, discounts));

  const contacted = leads.filter((l): l is Contacted => l.contactedBy !== undefined && l.contactedAt !== undefined);
  const customers: Prisma.CustomerCreateManyInput[] = contacted.map((l) => ({
    id: leadCustomerId(l.plan.key),
    owner_id: userId(l.contactedBy),
    name: l.plan.customer.name,
    email: l.plan.customer.email,
    phone: l.plan.customer.phone,
    status: l.archivedAt ? "active" : "lead",
    lead_source: l.plan.source,
    pipeline_status: l.archivedAt ? "signed_up" : "lead",
    stage_entered_at: l.contactedAt,
    property_address: l.plan.customer.address,
    property_city: "Phoenix",
    property_state: "AZ",
    property_zip: l.plan.zip,
    timezone: "America/Phoenix",
    country: "US",
    preferred_contact_method: "sms",
    language_preference: l.plan.language ?? "en",
    last_contacted_at: l.contactedAt,
    last_activity_at: l.contactedAt,
    notes: `From marketplace lead "${l.plan.title}".`,
    created_at: l.contactedAt,
    updated_at: l.contactedAt,
  }));
  count(ctx, "customers", (await tx.customer.createMany({ data: customers })).count);
  const identities: Prisma.ChannelIdentityCreateManyInput[] = contacted.flatMap((l) => {
    const base = {
      display_name: l.plan.customer.name,
      customer_id: leadCustomerId(l.plan.key),
      created_at: l.contactedAt,
      updated_at: l.contactedAt,
    };
    return [
      { ...base, channel: "sms" as const, address: l.plan.customer.phone },
      { ...base, channel: "email" as const, address: l.plan.customer.email },
    ];
  });
  count(ctx, "channel_identities", (await tx.channelIdentity.createMany({ data: identities })).count);

  const leadRows: Prisma.LeadCreateManyInput[] = leads.map((l, i) => {
    const p = l.plan;
    return {
      id: l.id,
      category_id: categoryId(ref, p.category),
      title: p.title,
      description: p.description,
      customer_name: p.customer.name,
      customer_email: p.customer.email,
      customer_phone: p.customer.phone,
      customer_zip_code: p.zip,
      budget_min: p.budget?.[0],
      budget_max: p.budget?.[1],
      urgency_level: p.urgency,
      lead_source: p.source,
      base_lead_cost: LEAD_SOURCES[p.source].baseCost,
      status: l.status,
      created_at: l.createdAt,
      updated_at: l.archivedAt ?? l.contactedAt ?? l.expiredAt ?? l.createdAt,
      bidding_closes_at: l.closesAt,
      metadata: { address: p.customer.address, city: "Phoenix", state: "AZ", demo: true },
      is_qualified: true,
      external_id: `demo-${p.source}-${1001 + i}`,
      customer_language: p.language ?? "en",
      current_rank: l.currentRank,
      contacted_at: l.contactedAt,
      contacted_by_id: l.contactedBy ? userId(l.contactedBy) : null,
      customer_id: l.contactedBy ? leadCustomerId(p.key) : null,
      expired_at: l.expiredAt,
      archived_at: l.archivedAt,
    };
  });
  count(ctx, "leads", (await tx.lead.createMany({ data: leadRows })).count);

  const bidRows: Prisma.BidCreateManyInput[] = leads.flatMap((l) =>
    l.bids.map((b) => ({
      id: b.id,
      lead_id: l.id,
      contractor_id: userId(b.who),
      bid_multiplier: b.m.toFixed(2),
      final_bid_amount: fromCents(b.finalCents),
      bid_rank: b.rank,
      bid_placed_at: b.placedAt,
      status: b.status,
      response_window_starts_at: b.windowStart,
      response_window_ends_at: b.windowEnd,
      responded_at: b.respondedAt,
      strike_applied: b.strike,
      lead_discount_multiplier: b.discount.toFixed(2),
      window_warned_at:
        b.windowEnd && b.windowEnd.getTime() - WINDOW_WARNING_MS <= ctx.now.getTime()
          ? shift(b.windowEnd, -WINDOW_WARNING_MS)
          : null,
      created_at: b.placedAt,
      updated_at: b.respondedAt ?? b.windowEnd ?? b.placedAt,
    })),
  );
  count(ctx, "bids", (await tx.bid.createMany({ data: bidRows })).count);

  // Strikes in the order they happened; the third for one contractor bans them.
  const strikes = leads
    .flatMap((l) => l.bids.filter((b) => b.strike).map((b) => ({ l, b, at: b.windowEnd ?? l.closesAt })))
    .sort((x, y) => x.at.getTime() - y.at.getTime());
  const strikeCounts = new Map<ContractorKey, number>();
  const strikeRows: Prisma.StrikeLogCreateManyInput[] = strikes.map(({ l, b, at }) => {
    const after = (strikeCounts.get(b.who) ?? 0) + 1;
    strikeCounts.set(b.who, after);
    return {
      id: demoId(`strike:${b.id}`),
      contractor_id: userId(b.who),
      lead_id: l.id,
      bid_id: b.id,
      strike_reason: "response_window_expired",
      strike_count_after: after,
      ban_triggered: after === STRIKES_TO_BAN,
      created_at: at,
    };
  });
  count(ctx, "strike_logs", (await tx.strikeLog.createMany({ data: strikeRows })).count);

  const banned = contractor("quickfix");
  const bannedStrikes = strikes.filter((s) => s.b.who === banned.key);
  const lastStrike = bannedStrikes.at(-1);
  if (bannedStrikes.length !== STRIKES_TO_BAN || !lastStrike)
    throw new Error("the banned demo contractor needs exactly 3 strikes");
  const appealId = demoId("appeal:quickfix");
  await tx.banAppeal.create({
    data: {
      id: appealId,
      contractor_id: userId(banned.key),
      appeal_reason:
        "My phone was in the shop the week of the storms and the offers went to a dead number, so I missed three windows. " +
        "I have a new phone, added my dispatcher to the account, and I answer within minutes now. Please restore my bidding.",
      status: "PENDING",
      created_at: shift(lastStrike.at, 20 * HOUR),
      updated_at: shift(lastStrike.at, 20 * HOUR),
      evidence: {
        strike_count: STRIKES_TO_BAN,
        banned_at: lastStrike.at.toISOString(),
        strikes: bannedStrikes.map(({ l, b, at }, i) => ({
          strike_id: demoId(`strike:${b.id}`),
          strike_count_after: i + 1,
          lead_id: l.id,
          lead_title: l.plan.title,
          bid_id: b.id,
          offered_at: l.createdAt.toISOString(),
          bid_placed_at: b.placedAt.toISOString(),
          window_starts_at: b.windowStart?.toISOString() ?? null,
          window_ends_at: at.toISOString(),
          first_reply_at: null,
          customer_read: false,
        })),
      },
    },
  });
  count(ctx, "ban_appeals", 1);

  const conversions: Prisma.ConversionCreateManyInput[] = contacted.flatMap((l) => {
    const base = { lead_id: l.id, contractor_id: userId(l.contactedBy) };
    const rows: Prisma.ConversionCreateManyInput[] = [
      {
        ...base,
        id: demoId(`conversion:${l.plan.key}`),
        conversion_type: "contacted",
        converted_at: l.contactedAt,
        created_at: l.contactedAt,
      },
    ];
    if (l.plan.bookedRevenue) {
      const bookedAt = shift(l.contactedAt, 2 * DAY);
      rows.push({
        ...base,
        id: demoId(`conversion:${l.plan.key}:booked`),
        conversion_type: "booked",
        converted_at: bookedAt,
        created_at: bookedAt,
        revenue_usd: l.plan.bookedRevenue,
      });
    }
    return rows;
  });
  count(ctx, "conversions", (await tx.conversion.createMany({ data: conversions })).count);

  const messages: Prisma.MessageCreateManyInput[] = contacted.flatMap((l) => {
    const who = userId(l.contactedBy);
    const sentAt = l.contactedAt;
    const first =
      l.plan.firstMessage ?? `Hi ${firstName(l.plan.customer.name)}, thanks for your request. When suits you?`;
    const rows: Prisma.MessageCreateManyInput[] = [
      {
        lead_id: l.id,
        customer_id: leadCustomerId(l.plan.key),
        sender_id: who,
        direction: "outbound",
        channel: "sms",
        message_text: first,
        sent_at: sentAt,
        is_read: true,
        read_at: shift(sentAt, 2 * MINUTE),
        created_at: sentAt,
      },
    ];
    if (l.plan.reply) {
      const replyAt = shift(sentAt, 6 * MINUTE);
      rows.push({
        lead_id: l.id,
        customer_id: leadCustomerId(l.plan.key),
        recipient_id: who,
        direction: "inbound",
        channel: "sms",
        message_text: l.plan.reply,
        sent_at: replyAt,
        is_read: true,
        read_at: shift(replyAt, MINUTE),
        created_at: replyAt,
      });
    }
    return rows;
  });
  count(ctx, "messages", (await tx.message.createMany({ data: messages })).count);

  const metrics = [...CONTRACTORS.map((c) => metricsFor(ctx, c.key, leads)), metricsFor(ctx, "marketer", leads)];
  count(ctx, "contractor_metrics", (await tx.contractorMetrics.createMany({ data: metrics })).count);
  for (const m of metrics) {
    const key = CONTRACTORS.find((c) => userId(c.key) === m.contractor_id)?.key;
    if (!key) continue;
    await tx.user.update({
      where: { id: m.contractor_id },
      data: {
        strike_count: strikeCounts.get(key) ?? 0,
        is_bidding_banned: (strikeCounts.get(key) ?? 0) >= STRIKES_TO_BAN,
        response_rate: m.contact_rate,
        updated_at: ctx.now,
      },
    });
  }

  const find = (key: string) => leads.find((l) => l.plan.key === key);
  const active = find("ac-upstairs");
  const pending = find("furnace-ac-replacement");
  const pendingBid = pending?.bids.find((b) => b.status === "WON");
  const second = find("mini-split");
  const secondBid = second?.bids.find((b) => b.status === "WON");
  const minutesLeft = (d?: Date) => (d ? Math.round((d.getTime() - ctx.now.getTime()) / MINUTE) : 0);
  return [
    `  lead ACTIVE              ${active?.id}  "${active?.plan.title}" 85004/hvac, closes in ${minutesLeft(active?.closesAt)} min`,
    `  lead PENDING_RESPONSE_1  ${pending?.id}  window of ${contractor(pendingBid?.who ?? "sonoran").company} ends in ${minutesLeft(pendingBid?.windowEnd)} min`,
    `  lead PENDING_RESPONSE_2  ${second?.id}  rank 1 missed (strike), ${contractor(secondBid?.who ?? "breeze").company} has ${minutesLeft(secondBid?.windowEnd)} min left`,
    `  ban appeal (PENDING)     ${appealId}  from ${banned.name} (${banned.company}), 3 strikes`,
  ];
}
