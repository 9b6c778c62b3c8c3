/**
 * One way to reach a customer (issue 12), property-tested over random customers — time zones,
 * per-channel opt-outs, a customer-level opt-out, last-inbound times, present or missing
 * addresses — and random moments. Every path (a lead answer, `/msg`, a nurturing step, a blast)
 * makes the decision core/messaging/customer-message.ts makes for the same customer and moment;
 * the two answer paths agree with each other; nothing leaves during quiet hours except an answer
 * to someone who wrote within the hour; nothing goes to an opted-out channel or customer; and
 * every "not sent" comes back to whoever acted (an error code, a failed step, a skip count).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { createContractor } from "../../core/accounts/contractor.service.js";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { sendLeadMessage } from "../../core/marketplace/window.service.js";
import { sendToCustomer } from "../../core/messaging/conversation.service.js";
import {
  type CustomerFacts,
  type CustomerMessageDecision,
  decideCustomerMessage,
  type MessageIntent,
} from "../../core/messaging/customer-message.js";
import { isAllowedTime } from "../../core/messaging/quiet-hours.js";
import type { RouteCandidate } from "../../core/messaging/routing.js";
import { sendStep } from "../../core/nurturing/send.service.js";
import { sendBlast } from "../../core/segments/campaign.service.js";
import type { ChannelKind } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeSegment } from "../support/factories.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const BASE = Date.parse("2026-03-02T00:00:00.000Z");
const CHANNELS = ["sms", "email", "whatsapp", "telegram"] as const;
type Ch = (typeof CHANNELS)[number];
const ZONES = ["America/Phoenix", "Europe/Copenhagen", "Asia/Tokyo", "UTC", "America/New_York", "Australia/Sydney"];
const QUIET = { start: "21:00", end: "08:00" };

let w: TestWorld;
let ownerId: string;
let seq = 0;
/** What the samples covered (the generator must reach every outcome, or the property says little). */
const seen = new Set<string>();

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "3h", QUIET_HOURS: "21:00-08:00" });
  await w.prisma.category.create({ data: { slug: "hvac", display_name: "HVAC" } });
  await w.prisma.leadSource.create({
    data: { slug: "website", display_name: "Website", bidding_window_seconds: 900, default_base_lead_cost: "40.00" },
  });
  const r = await createContractor(w.deps, {
    name: "Pat Pro",
    email: "pat@example.com",
    service_area_zip_codes: ["85004"],
    categories: ["hvac"],
    profile_rating: 4.0,
  });
  if (!r.ok) throw new Error(r.message);
  ownerId = r.value.id;
  await w.prisma.channelIdentity.create({ data: { channel: "sandbox", address: "sbx-pat", user_id: ownerId } });
});
afterAll(async () => w?.close());

const identityArb = fc.record({
  present: fc.boolean(),
  optedOut: fc.boolean(),
  /** Minutes before the moment the customer last wrote from it; null = never. */
  wroteMinAgo: fc.option(fc.integer({ min: 1, max: 3 * 24 * 60 }), { nil: null }),
});
const sampleArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  hasEmail: fc.boolean(),
  hasPhone: fc.boolean(),
  customerOptedOut: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  preferred: fc.constantFrom(null, "phone", "email", "whatsapp", "telegram"),
  identities: fc.record({ sms: identityArb, email: identityArb, whatsapp: identityArb, telegram: identityArb }),
  /** The moment: any minute of one week. */
  minute: fc.integer({ min: 0, max: 7 * 24 * 60 - 1 }),
  stepChannel: fc.constantFrom(...CHANNELS),
  blastChannel: fc.constantFrom(null, ...CHANNELS),
});
type Sample = typeof sampleArb extends fc.Arbitrary<infer T> ? T : never;

/** The addresses of sample `i` (unique, so samples never share an identity). */
function addressesOf(i: number) {
  return {
    sms: `+1480${String(2_000_000 + i)}`,
    email: `cust${i}@example.com`,
    whatsapp: `1480${String(2_000_000 + i)}@s.whatsapp.net`,
    telegram: `${9_000_000 + i}`,
  } satisfies Record<Ch, string>;
}

/** The customer's facts built straight from the sample — the oracle's input, not read back from the database. */
function oracleFacts(s: Sample, i: number, now: Date): CustomerFacts {
  const addr = addressesOf(i);
  const candidates: RouteCandidate[] = [];
  for (const ch of CHANNELS) {
    const id = s.identities[ch];
    if (!id.present) continue;
    candidates.push({
      channel: ch,
      address: addr[ch],
      identityId: "x",
      optedOut: id.optedOut,
      lastInboundAt: id.wroteMinAgo === null ? null : new Date(now.getTime() - id.wroteMinAgo * MIN),
    });
  }
  // The row's own e-mail and phone count when no identity of theirs holds them.
  if (s.hasEmail && !s.identities.email.present)
    candidates.push({ channel: "email", address: addr.email, identityId: null, optedOut: false, lastInboundAt: null });
  if (s.hasPhone && !s.identities.sms.present)
    candidates.push({ channel: "sms", address: addr.sms, identityId: null, optedOut: false, lastInboundAt: null });
  const wrote = candidates.flatMap((c) => (c.lastInboundAt ? [c.lastInboundAt.getTime()] : []));
  return {
    optedOut: s.customerOptedOut,
    preferred: s.preferred as CustomerFacts["preferred"],
    candidates,
    window: { timezone: s.zone, quietStart: QUIET.start, quietEnd: QUIET.end },
    lastWroteAt: wrote.length ? new Date(Math.max(...wrote)) : null,
  };
}

/** A decision as the paths report it: status, channel, when. */
function shape(d: CustomerMessageDecision) {
  if (d.status === "not_sent") return { status: "not_sent", reason: d.reason };
  return d.status === "deferred"
    ? { status: "deferred", channel: d.channel, until: d.until.toISOString() }
    : { status: "queued", channel: d.channel };
}

const reasonOfCode = (code: string) =>
  code === "CUSTOMER_OPTED_OUT" ? "opted_out" : code === "CUSTOMER_UNREACHABLE" ? "unreachable" : code;

async function runSample(s: Sample): Promise<void> {
  seq += 1;
  const i = seq;
  const addr = addressesOf(i);
  const moment = new Date(BASE + s.minute * MIN);
  const leadAt = new Date(moment.getTime() - 80 * MIN);
  // Only what reaches the customer by its address: a lead needs a phone or an e-mail.
  const canLead = s.hasEmail || s.hasPhone;

  w.clock.set(leadAt);
  const customer = await w.prisma.customer.create({
    data: {
      owner_id: ownerId,
      name: `Cora Case${i}`,
      email: s.hasEmail ? addr.email : null,
      phone: s.hasPhone ? addr.sms : null,
      timezone: s.zone,
      property_city: `City${i}`,
      property_zip: "85004",
      preferred_contact_method: s.preferred as "phone" | "email" | "whatsapp" | "telegram" | null,
      opted_out_at: s.customerOptedOut ? leadAt : null,
    },
  });
  for (const ch of CHANNELS) {
    const id = s.identities[ch];
    if (!id.present) continue;
    await w.prisma.channelIdentity.create({
      data: {
        channel: ch,
        address: addr[ch],
        customer_id: customer.id,
        opted_out: id.optedOut,
        last_inbound_at: id.wroteMinAgo === null ? null : new Date(moment.getTime() - id.wroteMinAgo * MIN),
      },
    });
  }
  let leadId: string | null = null;
  if (canLead) {
    const lead = await createLead(w.deps, {
      category: "hvac",
      title: `Boiler ${i}`,
      customer_name: customer.name,
      ...(s.hasEmail ? { customer_email: addr.email } : {}),
      ...(s.hasPhone ? { customer_phone: addr.sms } : {}),
      customer_zip_code: "85004",
    });
    if (!lead.ok) throw new Error(lead.message);
    leadId = lead.value.lead.id;
    const bid = await placeBid(w.deps, { leadId, contractorId: ownerId, multiplier: 1 });
    if (!bid.ok) throw new Error(bid.message);
    await w.advance(15 * MIN);
  }
  w.clock.set(moment);
  const facts = oracleFacts(s, i, moment);
  const expect_ = (intent: MessageIntent) => shape(decideCustomerMessage(facts, intent, moment));
  const answer = expect_({ answer: true, templated: false });
  const step = expect_({ answer: false, templated: true, wanted: s.stepChannel });
  for (const d of [answer]) seen.add(`answer:${d.status}${"reason" in d ? `:${d.reason}` : ""}`);
  const blast = expect_({
    answer: false,
    templated: true,
    wanted: s.blastChannel,
    only: s.blastChannel !== null,
  });

  // /msg (and a reply from chat or the panel).
  const msg = await sendToCustomer(w.deps, { ownerId, customerId: customer.id, text: "Quick question" });
  const msgGot = msg.ok
    ? msg.value.delivery.status === "deferred"
      ? { status: "deferred", channel: msg.value.channel, until: msg.value.delivery.until.toISOString() }
      : { status: msg.value.delivery.status, channel: msg.value.channel }
    : { status: "not_sent", reason: reasonOfCode(msg.code) };
  expect(msgGot, "/msg").toEqual(answer);

  // The contractor's answer in the lead's window: the same answer, the same decision.
  if (leadId) {
    const r = await sendLeadMessage(w.deps, { leadId, contractorId: ownerId, text: "Hi, can I come today?" });
    const d = r.ok ? r.value.delivery : null;
    const got =
      d === null
        ? { status: "not_sent", reason: (!r.ok && (r.details as { reason?: string } | undefined)?.reason) || "?" }
        : d.status === "deferred"
          ? { status: "deferred", channel: d.channel, until: d.until.toISOString() }
          : d.status === "queued"
            ? { status: "queued", channel: d.channel }
            : { status: "not_sent", reason: d.reason };
    expect(got, "lead answer").toEqual(answer);
    expect(got, "lead answer = /msg").toEqual(msgGot);
    const lead = await w.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
    if (r.ok) expect(lead.status).toBe("CONTACTED");
    else {
      expect(r.code, "the contractor is told why").toBe("CUSTOMER_UNREACHABLE");
      expect(lead.status).toBe("UNREACHABLE");
      const bid = await w.prisma.bid.findFirstOrThrow({ where: { lead_id: leadId } });
      expect(bid.responded_at, "nothing charged").toBeNull();
    }
  }

  // A nurturing step on its channel.
  const sequence = await w.prisma.nurturingSequence.create({
    data: { owner_id: ownerId, customer_id: customer.id, sequence_type: "test", total_steps: 1, started_at: leadAt },
  });
  const event = await w.prisma.sequenceEvent.create({
    data: {
      sequence_id: sequence.id,
      step_number: 1,
      action_type: s.stepChannel,
      scheduled_at: moment,
      message_content: "Hi {{first_name}}, time for a check-up?",
    },
  });
  const sent = await sendStep(w.deps, event.id);
  if (!sent.ok) throw new Error(sent.message);
  const ev = await w.prisma.sequenceEvent.findUniqueOrThrow({ where: { id: event.id } });
  const stepRow = await w.prisma.outboundMessage.findFirst({ where: { sequence_event_id: event.id } });
  const stepGot =
    sent.value.action === "sent"
      ? { status: "queued", channel: stepRow?.channel }
      : sent.value.action === "deferred"
        ? {
            status: "deferred",
            channel: step.status === "deferred" ? step.channel : "?",
            until: (
              await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: sequence.id } })
            ).next_action_at?.toISOString(),
          }
        : {
            status: "not_sent",
            reason:
              sent.value.action === "stopped"
                ? "opted_out"
                : ev.error_message?.includes("opted out")
                  ? "opted_out"
                  : "unreachable",
          };
  expect(stepGot, "nurturing step").toEqual(step);
  if (sent.value.action === "failed") expect(ev.error_message, "the failed step says why").toBeTruthy();

  // A blast to a segment holding just this customer.
  const segment = await makeSegment(w.prisma, {
    owner_id: ownerId,
    filter: { field: "city", op: "=", value: `City${i}` },
  });
  const scope: ApiScope = { kind: "contractor", ownerId };
  const b = await sendBlast(w.deps, scope, {
    segment_id: segment.id,
    body: "Hi {{first_name}}, spring check-ups are on!",
    ...(s.blastChannel ? { channel: s.blastChannel } : {}),
  });
  if (!b.ok) throw new Error(b.message);
  expect(b.value.matched).toBe(1);
  const blastRow = await w.prisma.outboundMessage.findFirst({ where: { campaign_id: b.value.campaign.id } });
  const blastGot = blastRow
    ? blastRow.next_attempt_at.getTime() > moment.getTime()
      ? { status: "deferred", channel: blastRow.channel, until: blastRow.next_attempt_at.toISOString() }
      : { status: "queued", channel: blastRow.channel }
    : {
        status: "not_sent",
        reason: b.value.skipped.opted_out === 1 ? "opted_out" : b.value.skipped.unreachable === 1 ? "unreachable" : "?",
      };
  expect(blastGot, "blast").toEqual(blast);

  // Quiet hours are the same instant for every path that waits.
  const untils = new Set([answer, step, blast].flatMap((d) => ("until" in d ? [d.until] : [])));
  expect(untils.size, "one end of quiet hours").toBeLessThanOrEqual(1);

  // Everything queued to this customer: never to an opted-out customer or address, never into quiet hours
  // unless it answers someone who wrote within the hour.
  const rows = await w.prisma.outboundMessage.findMany({ where: { customer_id: customer.id } });
  const window = { timezone: s.zone, quietStart: QUIET.start, quietEnd: QUIET.end };
  const talking = facts.lastWroteAt !== null && moment.getTime() - facts.lastWroteAt.getTime() <= HOUR;
  for (const row of rows) {
    expect(s.customerOptedOut, "nothing to an opted-out customer").toBe(false);
    const ch = row.channel as ChannelKind;
    const id = (CHANNELS as readonly string[]).includes(ch) ? s.identities[ch as Ch] : null;
    expect(row.to_address, "an address of theirs").toBe(addr[ch as Ch]);
    expect(Boolean(id?.present && id.optedOut), `nothing to an opted-out ${ch}`).toBe(false);
    if (!isAllowedTime(row.next_attempt_at, window)) {
      expect(row.kind, "only an answer goes out in quiet hours").toBe("relay");
      expect(talking, "…to someone who wrote within the hour").toBe(true);
    }
  }
}

describe("one way to reach a customer", () => {
  it("every path makes the same decision for the same customer and moment", async () => {
    const none = { present: false, optedOut: false, wroteMinAgo: null };
    const quiet = {
      zone: "America/Phoenix",
      hasEmail: true,
      hasPhone: true,
      customerOptedOut: false,
      preferred: null,
      identities: { sms: none, email: none, whatsapp: none, telegram: none },
      minute: 9 * 60, // 02:00 in Phoenix
      stepChannel: "email" as const,
      blastChannel: null,
    };
    // Besides the random samples, the corners every run must cover: quiet hours (and the customer
    // who just wrote), an opted-out customer, a customer with no address at all.
    const examples: Array<[Sample]> = [
      [quiet],
      [{ ...quiet, identities: { ...quiet.identities, sms: { present: true, optedOut: false, wroteMinAgo: 20 } } }],
      [{ ...quiet, customerOptedOut: true }],
      [{ ...quiet, hasEmail: false, hasPhone: false }],
    ];
    await fc.assert(fc.asyncProperty(sampleArb, runSample), { numRuns: 40, endOnFailure: true, examples });
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        "answer:deferred",
        "answer:not_sent:opted_out",
        "answer:not_sent:unreachable",
        "answer:queued",
      ]),
    );
  });
});
