import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordCustomerReply } from "../../core/messaging/customer-inbound.service.js";
import { parseSurveyAnswer, surveyMessage } from "../../core/service/survey.js";
import { SURVEY_KIND } from "../../core/service/survey.service.js";
import { reconcileAll } from "../../core/wakeups.js";
import { linkChat } from "../crm/fixtures.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeJob, makeTechnician } from "../support/factories.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("reading a survey answer", () => {
  it.each([
    ["5", 5, null],
    [" 4/5 ", 4, null],
    ["3 stars", 3, null],
    ["5 - great job!", 5, "great job!"],
    ["2, he was late", 2, "he was late"],
    ["★★★★", 4, null],
    ["1 af 5", 1, null],
  ])("%j → %i", (text, rating, comment) => {
    expect(parseSurveyAnswer(text)).toEqual({ rating, comment });
  });

  it.each(["0", "6", "10", "15 min", "thanks!", "", "great, 5"])("%j is not an answer", (text) => {
    expect(parseSurveyAnswer(text)).toBeNull();
  });

  it("asks in the customer's language, naming the technician", () => {
    const da = surveyMessage({
      language: "da",
      customerName: "Anna Jensen",
      companyName: "Cool Air",
      technicianName: "Mike",
      jobTitle: "AC tune-up",
    });
    expect(da.body).toContain("Hej Anna");
    expect(da.body).toContain("Mike");
    expect(da.body).toContain("1 (dårligt) til 5");
    expect(
      surveyMessage({ language: "xx", customerName: "Bo", companyName: "C", technicianName: null, jobTitle: "T" }).body,
    ).toMatch(/^Hi Bo, .* How did we do on "T"\?/);
  });
});

describe("the post-service survey (real database)", () => {
  let w: TestWorld;
  let owner: string;
  let tech: string;

  beforeAll(async () => {
    w = await createWorld({ SURVEY_AFTER: "2d" });
    // 11:00 in Phoenix: outside the customers' quiet hours.
    w.clock.set("2026-01-07T18:00:00.000Z");
    owner = (await makeContractor(w.prisma, { company_name: "Cool Air LLC" })).id;
    await linkChat(w.prisma, owner);
    tech = (await makeTechnician(w.prisma, { owner_id: owner, name: "Mike Tech" })).id;
  });
  afterAll(async () => {
    await w?.close();
  });

  const ago = (ms: number) => new Date(w.clock.now().getTime() - ms);
  const completedJob = async (customerId: string, completedAgoMs: number, title = "AC tune-up") =>
    makeJob(w.prisma, {
      owner_id: owner,
      customer_id: customerId,
      technician_id: tech,
      title,
      status: "completed",
      completion_date: ago(completedAgoMs),
    });
  const surveysTo = (customerId: string) =>
    w.prisma.outboundMessage.findMany({ where: { customer_id: customerId, kind: SURVEY_KIND } });

  it("goes out SURVEY_AFTER the job is done, once, through the outbox; not earlier, not for old jobs", async () => {
    const customer = await makeCustomer(w.prisma, { owner_id: owner, name: "Anna Lopez" });
    const due = await completedJob(customer.id, 2 * DAY + HOUR);
    const early = await completedJob(customer.id, DAY, "Water heater flush");
    const ancient = await completedJob(customer.id, 60 * DAY, "Old job");

    for (let i = 0; i < 3; i++) await reconcileAll(w.deps);
    const sent = await surveysTo(customer.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain("Hi Anna");
    expect(sent[0]?.body).toContain("Mike Tech");
    expect(sent[0]?.body).toContain("Cool Air LLC");
    expect(sent[0]?.payload).toMatchObject({ job_id: due.id });
    expect(sent[0]?.status).toBe("queued");
    const job = await w.prisma.job.findUniqueOrThrow({ where: { id: due.id } });
    expect(job.survey_sent_at?.toISOString()).toBe(w.clock.now().toISOString());
    const followUps = await w.prisma.serviceFollowUp.findMany({ where: { job_id: due.id } });
    expect(followUps).toHaveLength(1);
    expect(followUps[0]).toMatchObject({ status: "SENT", customer_id: customer.id, satisfaction_rating: null });
    expect((await w.prisma.job.findUniqueOrThrow({ where: { id: early.id } })).survey_sent_at).toBeNull();
    expect((await w.prisma.job.findUniqueOrThrow({ where: { id: ancient.id } })).survey_sent_at).toBeNull();

    // A day later the second job is due; the first is not sent again.
    w.clock.advance(DAY + HOUR);
    await reconcileAll(w.deps);
    await reconcileAll(w.deps);
    expect((await surveysTo(customer.id)).map((m) => (m.payload as { job_id: string }).job_id).sort()).toEqual(
      [due.id, early.id].sort(),
    );
    expect((await w.prisma.job.findUniqueOrThrow({ where: { id: ancient.id } })).survey_sent_at).toBeNull();
  });

  it('a "5" becomes a review and a COMPLETED follow-up; the owner is not alarmed', async () => {
    const customer = await makeCustomer(w.prisma, { owner_id: owner, name: "Ben Happy" });
    const job = await completedJob(customer.id, 2 * DAY + HOUR);
    await reconcileAll(w.deps);
    const r = await recordCustomerReply(w.deps, { customerId: customer.id, channel: "sms", text: "5 - spotless work" });
    expect(r.ok && r.value.survey).toMatchObject({ rating: 5, alerted: false });
    const reviews = await w.prisma.review.findMany({ where: { job_id: job.id } });
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({
      rating: 5,
      comment: "spotless work",
      customer_id: customer.id,
      technician_id: tech,
    });
    const fu = await w.prisma.serviceFollowUp.findFirstOrThrow({ where: { job_id: job.id } });
    expect(fu).toMatchObject({ status: "COMPLETED", satisfaction_rating: 5, feedback: "spotless work" });
    expect(await w.prisma.outboundMessage.count({ where: { user_id: owner, kind: "survey_low_score" } })).toBe(0);

    // A second "5" is just a reply: the survey was answered.
    const again = await recordCustomerReply(w.deps, { customerId: customer.id, channel: "sms", text: "5" });
    expect(again.ok && again.value.survey).toBeNull();
    expect(await w.prisma.review.count({ where: { job_id: job.id } })).toBe(1);
  });

  it('a "1" alerts the owner in chat at once; an ordinary reply is not taken for a score', async () => {
    const customer = await makeCustomer(w.prisma, { owner_id: owner, name: "Cara Upset" });
    const job = await completedJob(customer.id, 2 * DAY + HOUR, "Furnace repair");
    await reconcileAll(w.deps);
    const chat = await recordCustomerReply(w.deps, { customerId: customer.id, channel: "sms", text: "who is this?" });
    expect(chat.ok && chat.value.survey).toBeNull();
    expect(await w.prisma.review.count({ where: { job_id: job.id } })).toBe(0);

    const r = await recordCustomerReply(w.deps, { customerId: customer.id, channel: "sms", text: "1 left a mess" });
    expect(r.ok && r.value.survey).toMatchObject({ rating: 1, alerted: true });
    const alerts = await w.prisma.outboundMessage.findMany({ where: { user_id: owner, kind: "survey_low_score" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.next_attempt_at.toISOString()).toBe(w.clock.now().toISOString());
    expect(alerts[0]?.body).toContain("Cara Upset");
    expect(alerts[0]?.body).toContain("Furnace repair");
    expect(alerts[0]?.body).toContain("1/5");
    expect(alerts[0]?.payload).toMatchObject({ kind: "survey_low_score", rating: 1, comment: "left a mess" });
    expect(await w.prisma.review.findFirst({ where: { job_id: job.id } })).toMatchObject({ rating: 1 });
  });

  it("respects opt-out (nothing sent, the follow-up FAILED, never retried) and quiet hours (deferred)", async () => {
    const out = await makeCustomer(w.prisma, { owner_id: owner, opted_out_at: ago(DAY) });
    const outJob = await completedJob(out.id, 2 * DAY + HOUR);
    const night = await makeCustomer(w.prisma, { owner_id: owner, timezone: "America/Phoenix" });
    // 22:00 in Phoenix.
    w.clock.set("2026-01-12T05:00:00.000Z");
    const nightJob = await completedJob(night.id, 2 * DAY + HOUR);
    await reconcileAll(w.deps);
    await reconcileAll(w.deps);

    expect(await surveysTo(out.id)).toHaveLength(0);
    const outFu = await w.prisma.serviceFollowUp.findMany({ where: { job_id: outJob.id } });
    expect(outFu).toHaveLength(1);
    expect(outFu[0]).toMatchObject({ status: "FAILED", feedback: "survey not sent: opted_out" });
    expect((await w.prisma.job.findUniqueOrThrow({ where: { id: outJob.id } })).survey_sent_at).not.toBeNull();

    const deferred = await surveysTo(night.id);
    expect(deferred).toHaveLength(1);
    expect(deferred[0]?.next_attempt_at.toISOString()).toBe("2026-01-12T15:00:00.000Z"); // 08:00 Phoenix
    expect(await w.prisma.serviceFollowUp.findFirst({ where: { job_id: nightJob.id } })).toMatchObject({
      status: "SCHEDULED",
    });
  });
});
