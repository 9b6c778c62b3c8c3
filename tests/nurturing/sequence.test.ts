import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleNurturingWakeup, reconcileNurturing } from "../../core/nurturing/deadlines.js";
import { sendStep } from "../../core/nurturing/send.service.js";
import {
  enroll,
  handleCustomerReply,
  handleOptOut,
  markOutcome,
  pause,
  resume,
  stop,
} from "../../core/nurturing/sequence.service.js";
import { stepWakeKey } from "../../core/nurturing/wakeups.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeOpportunity } from "../support/factories.js";
import {
  advance,
  advanceTo,
  contractorAndCustomer,
  DAY,
  fire,
  HOUR,
  MIN,
  noticesTo,
  PHOENIX_MORNING,
  stepMessages,
  template,
} from "./support.js";

let w: TestWorld;
beforeAll(async () => {
  w = await createWorld({ PUBLIC_URL: "https://leads.example.com" });
});
afterAll(async () => w?.close());
beforeEach(() => {
  w.clock.set(PHOENIX_MORNING);
  w.scheduler.pending.clear();
});

const admin = { kind: "admin" } as const;
const THREE_STEPS = [
  {
    delay: "0m",
    channel: "sms",
    text: "Hi {{first_name}}, it's {{company}}. Options: {{link}}",
    link_url: "https://desertbreeze.example/options",
  },
  {
    delay: "1d",
    channel: "email",
    subject: "Your report, {{first_name}}",
    text: "Hi {{first_name}} & family,\nreport: {{link}}",
  },
  { delay: "2d", channel: "call_reminder", text: "Call {{first_name}} about the {{asset_brand}}" },
];

async function enrolled(steps = THREE_STEPS, customer = {}) {
  const { contractor, customer: c } = await contractorAndCustomer(w, customer);
  const t = await template(w, steps);
  const r = await enroll(w.deps, { customerId: c.id, templateId: t.id });
  if (!r.ok) throw new Error(r.message);
  return { contractor, customer: c, template: t, seq: r.value };
}

const seqRow = (id: string) => w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id } });
const events = (id: string) =>
  w.prisma.sequenceEvent.findMany({ where: { sequence_id: id }, orderBy: { step_number: "asc" } });

describe("a sequence on a fake clock", () => {
  it("enrols with every step scheduled, then sends each step at its time and not before", async () => {
    const opp = await makeOpportunity(w.prisma, { opportunity_type: "replacement", asset_brand: "Rheem" });
    const { contractor, customer: c } = await contractorAndCustomer(w);
    await w.prisma.opportunity.update({ where: { id: opp.id }, data: { owner_id: contractor.id, customer_id: c.id } });
    const t = await template(w, THREE_STEPS);
    const r = await enroll(w.deps, { customerId: c.id, templateId: t.id, opportunityId: opp.id });
    if (!r.ok) throw new Error(r.message);
    const seq = r.value;
    expect(seq.events.map((e) => [e.step_number, e.action_type, e.status, e.scheduled_at.toISOString()])).toEqual([
      [1, "sms", "pending", "2026-01-05T17:00:00.000Z"],
      [2, "email", "pending", "2026-01-06T17:00:00.000Z"],
      [3, "call_reminder", "pending", "2026-01-08T17:00:00.000Z"],
    ]);
    expect(seq).toMatchObject({ status: "active", current_step: 1, total_steps: 3, sequence_type: t.name });
    expect(seq.est_value_usd?.toString()).toBe("18000");
    expect([...w.scheduler.pending.keys()].sort()).toEqual(seq.events.map((e) => stepWakeKey(e.id)).sort());

    // Step 1 is due at once.
    await fire(w);
    let sent = await stepMessages(w, seq.id);
    expect(sent).toHaveLength(1);
    const sms = sent[0];
    expect(sms).toMatchObject({ channel: "sms", to_address: c.phone, lane: "bulk", customer_id: c.id });
    expect(sms?.body).toMatch(/^Hi Anna, it's Desert Breeze HVAC\. Options: https:\/\/leads\.example\.com\/t\/[\w-]+$/);
    const link = await w.prisma.trackedLink.findFirstOrThrow({ where: { sequence_event_id: seq.events[0]?.id } });
    expect(link.url).toBe("https://desertbreeze.example/options");
    expect(sms?.body.endsWith(`/t/${link.token}`)).toBe(true);
    const [e1] = await events(seq.id);
    expect(e1).toMatchObject({ status: "sent", message_content: sms?.body, delivery_status: "pending" });
    expect(e1?.executed_at?.toISOString()).toBe("2026-01-05T17:00:00.000Z");
    expect(await seqRow(seq.id)).toMatchObject({
      current_step: 2,
      next_action_at: new Date("2026-01-06T17:00:00.000Z"),
    });

    // One minute before step 2: nothing.
    await advance(w, DAY - MIN);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
    await advance(w, MIN);
    sent = await stepMessages(w, seq.id);
    expect(sent).toHaveLength(2);
    const email = sent[1];
    expect(email).toMatchObject({ channel: "email", to_address: c.email, subject: "Your report, Anna", lane: "bulk" });
    expect(email?.body).toMatch(/^Hi Anna & family,\nreport: https:\/\/leads\.example\.com\/t\//);
    const html = (email?.payload as { html?: string } | undefined)?.html;
    expect(html).toContain("Hi Anna &amp; family,<br>");
    expect(html).toMatch(/<img src="https:\/\/leads\.example\.com\/o\/[\w-]+\.gif" width="1" height="1" alt="">$/);

    // Step 3 is a call reminder to the contractor two days later, and it completes the sequence.
    await advance(w, 2 * DAY - MIN);
    expect(await noticesTo(w, contractor.id, "call_reminder")).toHaveLength(0);
    await advance(w, MIN);
    const reminders = await noticesTo(w, contractor.id, "call_reminder");
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.body).toBe(`Call reminder — Anna Jensen (${c.phone}): Call Anna about the Rheem`);
    expect(reminders[0]?.sequence_event_id).toBe(seq.events[2]?.id);
    expect(await stepMessages(w, seq.id).then((m) => m.filter((x) => x.customer_id === c.id))).toHaveLength(2);
    const done = await seqRow(seq.id);
    expect(done).toMatchObject({ status: "completed", current_step: 3, next_action_at: null, outcome: null });
    expect(done.completed_at?.toISOString()).toBe("2026-01-08T17:00:00.000Z");
  });

  it("defers a step due 22:30 in Phoenix to 08:00 the next day, and sends it then", async () => {
    const { seq } = await enrolled([
      { delay: "0m", channel: "sms", text: "Hi {{first_name}}" },
      { delay: "12.5h", channel: "sms", text: "Still there, {{first_name}}?" },
      { delay: "1h", channel: "sms", text: "Last one" },
    ]);
    // 10:00 + 12h30 = 22:30 → 08:00 next day (15:00Z); the next step counts from there.
    expect(seq.events.map((e) => e.scheduled_at.toISOString())).toEqual([
      "2026-01-05T17:00:00.000Z",
      "2026-01-06T15:00:00.000Z",
      "2026-01-06T16:00:00.000Z",
    ]);
    await fire(w);
    await advanceTo(w, new Date("2026-01-06T05:30:00.000Z")); // 22:30 Phoenix
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
    await advanceTo(w, new Date("2026-01-06T14:59:00.000Z"));
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
    await advanceTo(w, new Date("2026-01-06T15:00:00.000Z"));
    const sent = await stepMessages(w, seq.id);
    expect(sent.map((m) => m.body)).toEqual(["Hi Anna", "Still there, Anna?"]);
  });

  it("an enrolment at 02:00 local waits for 08:00", async () => {
    w.clock.set("2026-01-05T09:00:00.000Z"); // 02:00 Phoenix
    const { seq } = await enrolled([{ delay: "0m", channel: "sms", text: "Morning {{first_name}}" }]);
    expect(seq.events[0]?.scheduled_at.toISOString()).toBe("2026-01-05T15:00:00.000Z");
    expect(await fire(w)).toEqual([]);
    await advanceTo(w, new Date("2026-01-05T15:00:00.000Z"));
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
  });

  it("re-checks quiet hours at send time: a customer who moved zones is deferred, later steps keep their spacing", async () => {
    const { seq, customer } = await enrolled([
      { delay: "0m", channel: "sms", text: "One" },
      { delay: "10h", channel: "sms", text: "Two" }, // 20:00 Phoenix = 03:00Z
      { delay: "1d", channel: "sms", text: "Three" },
    ]);
    await fire(w);
    await w.prisma.customer.update({ where: { id: customer.id }, data: { timezone: "Europe/Copenhagen" } });
    await advanceTo(w, new Date("2026-01-06T03:00:00.000Z")); // 04:00 in Copenhagen: quiet
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
    const moved = await events(seq.id);
    expect(moved.map((e) => e.scheduled_at.toISOString())).toEqual([
      "2026-01-05T17:00:00.000Z",
      "2026-01-06T07:00:00.000Z", // 08:00 CET
      "2026-01-07T07:00:00.000Z", // shifted by the same 4 hours
    ]);
    expect((await seqRow(seq.id)).next_action_at?.toISOString()).toBe("2026-01-06T07:00:00.000Z");
    await advanceTo(w, new Date("2026-01-06T07:00:00.000Z"));
    expect((await stepMessages(w, seq.id)).map((m) => m.body)).toEqual(["One", "Two"]);
  });

  it("stops the moment the customer replies: no later step goes out, even when its wake-up fires", async () => {
    const { seq, customer } = await enrolled();
    await fire(w);
    const [first] = await stepMessages(w, seq.id);
    await w.prisma.outboundMessage.update({ where: { id: first?.id }, data: { status: "sent" } });
    await advance(w, 2 * HOUR);
    const r = await handleCustomerReply(w.deps, customer.id);
    expect(r.ok && r.value.stopped).toEqual([seq.id]);
    const stopped = await seqRow(seq.id);
    expect(stopped).toMatchObject({
      status: "cancelled",
      outcome: "stopped",
      outcome_reason: "customer replied",
      outcome_step: 1,
      next_action_at: null,
    });
    expect((await events(seq.id)).map((e) => e.status)).toEqual(["sent", "skipped", "skipped"]);
    await advance(w, 5 * DAY);
    for (const e of seq.events) expect(await handleNurturingWakeup(w.deps, stepWakeKey(e.id))).toBe(true);
    await reconcileNurturing(w.deps);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
    // A second reply finds nothing running.
    const again = await handleCustomerReply(w.deps, customer.id);
    expect(again.ok && again.value.stopped).toEqual([]);
  });

  it("a reply cancels a step message still waiting in the outbox", async () => {
    const { seq, customer } = await enrolled();
    await fire(w);
    await handleCustomerReply(w.deps, customer.id);
    const [msg] = await stepMessages(w, seq.id);
    expect(msg).toMatchObject({ status: "cancelled" });
    expect(msg?.sequence_event).toMatchObject({ status: "skipped", error_message: "cancelled before delivery" });
  });

  it("stops on opt-out (STOP), and a step never goes to an opted-out customer even without the handler", async () => {
    const a = await enrolled();
    await fire(w);
    await w.prisma.customer.update({ where: { id: a.customer.id }, data: { opted_out_at: w.clock.now() } });
    const r = await handleOptOut(w.deps, a.customer.id);
    expect(r.ok && r.value.stopped).toEqual([a.seq.id]);
    expect(await seqRow(a.seq.id)).toMatchObject({
      status: "cancelled",
      outcome: "stopped",
      outcome_reason: "opted out",
    });

    const b = await enrolled();
    await fire(w);
    await w.prisma.customer.update({ where: { id: b.customer.id }, data: { opted_out_at: w.clock.now() } });
    await advance(w, DAY);
    expect(await stepMessages(w, b.seq.id)).toHaveLength(1);
    expect(await seqRow(b.seq.id)).toMatchObject({ status: "cancelled", outcome_reason: "opted out" });
    // and an opted-out customer cannot be enrolled again
    const again = await enroll(w.deps, { customerId: b.customer.id, templateId: b.template.id });
    expect(again.ok ? "ok" : again.code).toBe("CUSTOMER_OPTED_OUT");
  });

  it("pause holds every step; resume shifts the remaining steps by the paused time", async () => {
    const { seq } = await enrolled();
    await fire(w);
    await advance(w, 6 * HOUR);
    const paused = await pause(w.deps, seq.id, admin);
    expect(paused.ok && paused.value).toMatchObject({ status: "paused", next_action_at: null });
    expect((await pause(w.deps, seq.id, admin)).ok).toBe(true); // idempotent

    // Step 2's original time (day 1, 17:00Z) passes while paused: nothing goes out.
    await advance(w, 2 * DAY);
    await reconcileNurturing(w.deps);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);

    const resumed = await resume(w.deps, seq.id, admin); // paused for exactly 2 days
    expect(resumed.ok && resumed.value.status).toBe("active");
    const shifted = await events(seq.id);
    expect(shifted.map((e) => e.scheduled_at.toISOString())).toEqual([
      "2026-01-05T17:00:00.000Z",
      "2026-01-08T17:00:00.000Z",
      "2026-01-10T17:00:00.000Z",
    ]);
    expect((await seqRow(seq.id)).next_action_at?.toISOString()).toBe("2026-01-08T17:00:00.000Z");
    await advanceTo(w, new Date("2026-01-08T16:59:00.000Z"));
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
    await advanceTo(w, new Date("2026-01-08T17:00:00.000Z"));
    expect(await stepMessages(w, seq.id)).toHaveLength(2);
  });

  it("a duplicate or concurrent wake-up sends nothing twice", async () => {
    const { seq } = await enrolled();
    const key = stepWakeKey(seq.events[0]?.id as string);
    await Promise.all([
      handleNurturingWakeup(w.deps, key),
      handleNurturingWakeup(w.deps, key),
      sendStep(w.deps, seq.events[0]?.id as string),
    ]);
    await handleNurturingWakeup(w.deps, key);
    await reconcileNurturing(w.deps);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
    expect(await w.prisma.trackedLink.count({ where: { sequence_event: { sequence_id: seq.id } } })).toBe(1);
    // an early wake-up for step 2 does nothing and re-arms it for its time
    expect(await handleNurturingWakeup(w.deps, stepWakeKey(seq.events[1]?.id as string))).toBe(true);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
  });

  it("the reconciler sends a due step whose wake-up was lost", async () => {
    const { seq } = await enrolled();
    w.scheduler.pending.clear();
    const r = await reconcileNurturing(w.deps);
    expect(r.handled).toBeGreaterThanOrEqual(1);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
  });

  it("after two days of downtime the overdue steps go out one by one, keeping their spacing", async () => {
    const { seq } = await enrolled();
    w.scheduler.pending.clear();
    w.clock.advance(2 * DAY); // nothing ran: steps 1 and 2 are both overdue
    await reconcileNurturing(w.deps);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
    expect((await events(seq.id)).map((e) => e.scheduled_at.toISOString())).toEqual([
      "2026-01-05T17:00:00.000Z",
      "2026-01-08T17:00:00.000Z",
      "2026-01-10T17:00:00.000Z",
    ]);
    await advanceTo(w, new Date("2026-01-08T17:00:00.000Z"));
    expect(await stepMessages(w, seq.id)).toHaveLength(2);
  });

  it("refuses a second running sequence of the same template; allows it again after a stop", async () => {
    const { seq, customer, template: t } = await enrolled();
    const twice = await enroll(w.deps, { customerId: customer.id, templateId: t.id });
    expect(twice.ok ? "ok" : twice.code).toBe("SEQUENCE_ALREADY_ACTIVE");
    await pause(w.deps, seq.id, admin);
    const whilePaused = await enroll(w.deps, { customerId: customer.id, templateId: t.id });
    expect(whilePaused.ok ? "ok" : whilePaused.code).toBe("SEQUENCE_ALREADY_ACTIVE");
    const stopped = await stop(w.deps, seq.id, admin);
    expect(stopped.ok && stopped.value).toMatchObject({ outcome: "stopped", outcome_reason: "stopped by contractor" });
    expect((await stop(w.deps, seq.id, admin)).ok ? "ok" : "ended").toBe("ended");
    expect((await resume(w.deps, seq.id, admin)).ok).toBe(false);
    expect((await enroll(w.deps, { customerId: customer.id, templateId: t.id })).ok).toBe(true);
  });

  it("a contractor cannot touch another contractor's customer or sequence", async () => {
    const a = await enrolled();
    const b = await contractorAndCustomer(w);
    const mine = { kind: "contractor", ownerId: b.contractor.id } as const;
    const r = await enroll(w.deps, { customerId: a.customer.id, templateId: a.template.id }, mine);
    expect(r.ok ? "ok" : r.code).toBe("NOT_FOUND");
    for (const op of [pause, resume, stop]) {
      const x = await op(w.deps, a.seq.id, mine);
      expect(x.ok ? "ok" : x.code).toBe("NOT_FOUND");
    }
  });

  it("enrols by trigger type, preferring the owner's own template", async () => {
    const { contractor, customer } = await contractorAndCustomer(w);
    await template(w, [{ delay: "0m", channel: "sms", text: "platform" }], { trigger_type: "code_violation" });
    const own = await template(w, [{ delay: "0m", channel: "sms", text: "own" }], {
      trigger_type: "code_violation",
      owner_id: contractor.id,
    });
    const r = await enroll(w.deps, { customerId: customer.id, triggerType: "code_violation" });
    expect(r.ok && r.value.template_id).toBe(own.id);
    expect(r.ok && r.value.est_value_usd?.toString()).toBe("6500");
    const none = await enroll(w.deps, { customerId: customer.id, triggerType: "nothing_here" });
    expect(none.ok ? "ok" : none.code).toBe("NOT_FOUND");
  });
});

describe("outcome", () => {
  it("converted with the revenue a person entered: remaining steps skipped, contractor congratulated once", async () => {
    const { seq, contractor } = await enrolled();
    await fire(w);
    await w.prisma.outboundMessage.updateMany({ where: { customer_id: { not: null } }, data: { status: "sent" } });
    const r = await markOutcome(w.deps, seq.id, admin, {
      outcome: "converted",
      revenue_usd: 9000,
      reason: "Booked the full replacement",
    });
    expect(r.ok).toBe(true);
    const done = await seqRow(seq.id);
    expect(done).toMatchObject({
      status: "completed",
      outcome: "converted",
      outcome_reason: "Booked the full replacement",
      outcome_step: 1,
    });
    expect(done.revenue_usd?.toString()).toBe("9000");
    expect((await events(seq.id)).map((e) => e.status)).toEqual(["sent", "skipped", "skipped"]);
    const notices = await noticesTo(w, contractor.id, "conversion_celebration");
    expect(notices.map((n) => n.body)).toEqual([
      "🎉 Congratulations! Anna Jensen converted — $9000.00 booked. Keep it going!",
    ]);
    const again = await markOutcome(w.deps, seq.id, admin, { outcome: "lost" });
    expect(again.ok ? "ok" : again.code).toBe("SEQUENCE_ENDED");
    await advance(w, 5 * DAY);
    expect(await stepMessages(w, seq.id)).toHaveLength(1);
  });

  it("lost takes no revenue; a replied (stopped) sequence can still convert later", async () => {
    const { seq, customer } = await enrolled();
    const bad = await markOutcome(w.deps, seq.id, admin, { outcome: "lost", revenue_usd: 10 });
    expect(bad.ok ? "ok" : bad.code).toBe("VALIDATION_FAILED");
    const negative = await markOutcome(w.deps, seq.id, admin, { outcome: "converted", revenue_usd: -5 });
    expect(negative.ok ? "ok" : negative.code).toBe("VALIDATION_FAILED");
    await handleCustomerReply(w.deps, customer.id);
    const r = await markOutcome(w.deps, seq.id, admin, { outcome: "converted", revenue_usd: "4500.50" });
    expect(r.ok && r.value).toMatchObject({ status: "completed", outcome: "converted" });
    expect(r.ok && r.value.revenue_usd?.toString()).toBe("4500.5");
  });
});

describe("channel choice", () => {
  it("uses the step's channel when reachable, else the preferred one, never an opted-out address", async () => {
    const { seq, customer } = await enrolled([{ delay: "0m", channel: "whatsapp", text: "Hi {{first_name}}" }], {
      preferred_contact_method: "email",
    });
    await fire(w);
    const [m] = await stepMessages(w, seq.id);
    expect(m).toMatchObject({ channel: "email", to_address: customer.email });
    expect(m?.sequence_event?.action_type).toBe("email");

    const other = await contractorAndCustomer(w, { email: null, preferred_contact_method: "sms" });
    await w.prisma.channelIdentity.create({
      data: {
        channel: "sms",
        address: other.customer.phone as string,
        customer_id: other.customer.id,
        opted_out: true,
      },
    });
    await w.prisma.channelIdentity.create({
      data: { channel: "whatsapp", address: "16025550999@s.whatsapp.net", customer_id: other.customer.id },
    });
    const t = await template(w, [{ delay: "0m", channel: "sms", text: "Hi" }]);
    const r = await enroll(w.deps, { customerId: other.customer.id, templateId: t.id });
    if (!r.ok) throw new Error(r.message);
    await fire(w);
    const [wa] = await stepMessages(w, r.value.id);
    expect(wa).toMatchObject({ channel: "whatsapp", to_address: "16025550999@s.whatsapp.net" });
  });

  it("a customer with no reachable address: the step is marked failed and the sequence moves on", async () => {
    const { seq } = await enrolled(
      [
        { delay: "0m", channel: "sms", text: "Hi" },
        { delay: "1h", channel: "call_reminder", text: "Call {{first_name}}" },
      ],
      { email: null, phone: null },
    );
    await fire(w);
    const [e1] = await events(seq.id);
    expect(e1).toMatchObject({ status: "failed", delivery_status: "failed" });
    expect(e1?.error_message).toMatch(/no reachable channel/);
    expect((await seqRow(seq.id)).current_step).toBe(2);
  });
});
