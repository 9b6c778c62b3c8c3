import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dueNurturingKeys, handleNurturingWakeup, reconcileNurturing } from "../../core/nurturing/deadlines.js";
import { enrollForOpportunity, nurtureStaleEstimates } from "../../core/nurturing/triggers.js";
import { STALE_ESTIMATES_KEY } from "../../core/nurturing/wakeups.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeDeal, makeMessageTemplate, makeOpportunity, makePipeline } from "../support/factories.js";
import { contractorAndCustomer, DAY, fire, HOUR, PHOENIX_MORNING, stepMessages, template } from "./support.js";

let w: TestWorld;
beforeAll(async () => {
  w = await createWorld({ PUBLIC_URL: "https://leads.example.com" });
});
afterAll(async () => w?.close());
beforeEach(() => {
  w.clock.set(PHOENIX_MORNING);
  w.scheduler.pending.clear();
});

describe("new opportunity → sequence by type", () => {
  it("enrols the opportunity's customer in the active template for its type, once", async () => {
    await template(w, [{ delay: "0m", channel: "sms", text: "Maintenance for {{first_name}}" }], {
      trigger_type: "maintenance",
    });
    const { contractor, customer } = await contractorAndCustomer(w);
    const opp = await makeOpportunity(w.prisma, {
      owner_id: contractor.id,
      customer_id: customer.id,
      opportunity_type: "maintenance",
    });
    const r = await enrollForOpportunity(w.deps, opp.id);
    expect(r.ok && r.value.sequenceId).toBeTruthy();
    const seq = await w.prisma.nurturingSequence.findFirstOrThrow({ where: { opportunity_id: opp.id } });
    expect(seq.est_value_usd?.toString()).toBe("450");
    await fire(w);
    expect((await stepMessages(w, seq.id)).map((m) => m.body)).toEqual(["Maintenance for Anna"]);

    const again = await enrollForOpportunity(w.deps, opp.id);
    expect(again.ok && again.value).toMatchObject({ sequenceId: null });
    expect(await w.prisma.nurturingSequence.count({ where: { opportunity_id: opp.id } })).toBe(1);
  });

  it("does nothing (successfully) without a customer or a template; unknown ids are NOT_FOUND", async () => {
    const { contractor } = await contractorAndCustomer(w);
    const noCustomer = await makeOpportunity(w.prisma, { owner_id: contractor.id, opportunity_type: "maintenance" });
    expect(await enrollForOpportunity(w.deps, noCustomer.id)).toMatchObject({ ok: true, value: { sequenceId: null } });
    const { customer } = await contractorAndCustomer(w);
    const noTemplate = await makeOpportunity(w.prisma, { customer_id: customer.id, opportunity_type: "solar_panels" });
    expect(await enrollForOpportunity(w.deps, noTemplate.id)).toMatchObject({ ok: true, value: { sequenceId: null } });
    const unknown = await enrollForOpportunity(w.deps, "00000000-0000-4000-8000-000000000000");
    expect(unknown.ok ? "ok" : unknown.code).toBe("NOT_FOUND");
  });
});

describe("stale estimates", () => {
  async function staleDeal(opts: { customer?: object; activityAgoMs?: number; stage?: string } = {}) {
    const { contractor, customer } = await contractorAndCustomer(w, opts.customer ?? {});
    const pipeline = await makePipeline(w.prisma, { owner_id: contractor.id });
    const stage = pipeline.stages.find((s) => s.name === (opts.stage ?? "Sent"));
    const fourDaysAgo = new Date(w.clock.now().getTime() - 4 * DAY);
    const deal = await makeDeal(w.prisma, {
      customer_id: customer.id,
      pipeline_id: pipeline.id,
      stage_id: stage?.id,
      stage_entered_at: fourDaysAgo,
      last_activity_at: new Date(w.clock.now().getTime() - (opts.activityAgoMs ?? 4 * DAY)),
    });
    return { contractor, customer, deal };
  }

  it("sends one nurture e-mail per deal in Sent > 3 days without activity, idempotently", async () => {
    await makeMessageTemplate(w.prisma, {
      key: "stale_estimate_nurture",
      channel: "email",
      subject: "Your quote from {{company_name}}",
      body: "Hi {{first_name}},\n\nAny questions about the quote? {{link}}\n\n{{contractor_name}}",
    });
    const stale = await staleDeal();
    const fresh = await staleDeal({ activityAgoMs: DAY });
    const elsewhere = await staleDeal({ stage: "Negotiation" });
    const optedOut = await staleDeal({ customer: { opted_out_at: PHOENIX_MORNING } });

    const r = await nurtureStaleEstimates(w.deps);
    expect(r).toEqual({ nurtured: 1, skipped: 1 });
    const mails = await w.prisma.outboundMessage.findMany({ where: { kind: "stale_estimate" } });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      channel: "email",
      to_address: stale.customer.email,
      subject: "Your quote from Desert Breeze HVAC",
      lane: "bulk",
      dedupe_key: `stale:${stale.deal.id}`,
    });
    expect(mails[0]?.body).toMatch(
      /^Hi Anna,\n\nAny questions about the quote\? https:\/\/leads\.example\.com\/t\/[\w-]+\n\n/,
    );
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: stale.deal.id } })).nurtured_at).not.toBeNull();
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: optedOut.deal.id } })).nurtured_at).not.toBeNull();
    for (const d of [fresh, elsewhere])
      expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: d.deal.id } })).nurtured_at).toBeNull();

    // Running again (the reconciler, or the wake-up key) sends nothing more.
    expect(await nurtureStaleEstimates(w.deps)).toEqual({ nurtured: 0, skipped: 0 });
    expect(await handleNurturingWakeup(w.deps, STALE_ESTIMATES_KEY)).toBe(true);
    await reconcileNurturing(w.deps);
    expect(await w.prisma.outboundMessage.count({ where: { kind: "stale_estimate" } })).toBe(1);

    // Two days later the fresh one has been quiet exactly 3 days: not stale yet ("> 3 days")…
    w.clock.advance(2 * DAY);
    await reconcileNurturing(w.deps);
    expect(await w.prisma.outboundMessage.count({ where: { kind: "stale_estimate" } })).toBe(1);
    // …one millisecond more and it has gone stale too.
    w.clock.advance(1);
    await reconcileNurturing(w.deps);
    expect(await w.prisma.outboundMessage.count({ where: { kind: "stale_estimate" } })).toBe(2);
  });

  it("a nurture e-mail found at night waits for the morning in the customer's zone", async () => {
    await makeMessageTemplate(w.prisma, {
      key: "stale_estimate_nurture",
      body: "Hi {{first_name}}",
      owner_id: null,
    }).catch(() => null);
    w.clock.set(new Date("2026-01-06T06:00:00.000Z")); // 23:00 in Phoenix
    const { deal } = await staleDeal();
    await nurtureStaleEstimates(w.deps);
    const mail = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { dedupe_key: `stale:${deal.id}` } });
    expect(mail.next_attempt_at.toISOString()).toBe("2026-01-06T15:00:00.000Z");
  });
});

describe("reconciler", () => {
  it("lists and sends only due steps of active sequences", async () => {
    const t = await template(w, [
      { delay: "0m", channel: "sms", text: "One" },
      { delay: "4h", channel: "sms", text: "Two" },
    ]);
    const { customer } = await contractorAndCustomer(w);
    const { enroll, pause } = await import("../../core/nurturing/sequence.service.js");
    const r = await enroll(w.deps, { customerId: customer.id, templateId: t.id });
    if (!r.ok) throw new Error(r.message);
    expect(await dueNurturingKeys(w.deps, w.clock.now())).toEqual([`seq:${r.value.events[0]?.id}`]);
    await reconcileNurturing(w.deps);
    expect(await dueNurturingKeys(w.deps, w.clock.now())).toEqual([]);
    w.clock.advance(4 * HOUR);
    await pause(w.deps, r.value.id, { kind: "admin" });
    expect(await dueNurturingKeys(w.deps, w.clock.now())).toEqual([]);
    expect(await handleNurturingWakeup(w.deps, "close:00000000-0000-4000-8000-000000000000")).toBe(false);
  });
});
