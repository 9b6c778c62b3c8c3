/**
 * The post-service survey (seed 004): SURVEY_AFTER (default 2 days) after a job is completed,
 * one question to the customer through the one customer-message path (quiet hours, opt-out,
 * routing); a 1–5 reply becomes a review and a COMPLETED follow-up with its satisfaction; a low
 * score (1–2) alerts the owner in chat at once.
 */
import type { ChannelKind, FollowUpStatus } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { ok } from "../errors.js";
import { sendCustomerMessage } from "../messaging/customer-message.js";
import { notifyUser } from "../messaging/outbox.js";
import { transact } from "../service.js";
import { LOW_SCORE_MAX, parseSurveyAnswer, SURVEY_ANSWER_WINDOW_MS, surveyDueRange, surveyMessage } from "./survey.js";

/** The message kind of a survey in the outbox. */
export const SURVEY_KIND = "post_service_survey";

/** What sending one survey did: sent / deferred (quiet hours) / not sent (opted out, unreachable). */
export type SurveySent =
  | { status: "queued" | "deferred"; followUpId: string; channel: ChannelKind }
  | { status: "not_sent"; followUpId: string; reason: string };

/**
 * Send one job's survey, once: `jobs.survey_sent_at` is claimed with a conditional update in
 * the transaction that queues the message and writes the follow-up (SENT, SCHEDULED when quiet
 * hours defer it, FAILED when the customer opted out or cannot be reached — never retried).
 * Null when the job is not due (someone else sent it, or it is no longer completed).
 */
export async function sendSurvey(deps: CoreDeps, jobId: string): Promise<SurveySent | null> {
  const r = await transact<SurveySent | null>(deps, async ({ tx, now }) => {
    const claimed = await tx.job.updateMany({
      where: { id: jobId, status: "completed", survey_sent_at: null },
      data: { survey_sent_at: now },
    });
    if (claimed.count !== 1) return ok(null);
    // One statement at a time: sibling includes would run in parallel on the transaction's connection.
    const job = await tx.job.findUniqueOrThrow({ where: { id: jobId } });
    const customer = await tx.customer.findUniqueOrThrow({ where: { id: job.customer_id } });
    const owner = await tx.user.findUniqueOrThrow({
      where: { id: job.owner_id },
      select: { name: true, company_name: true },
    });
    const technician = job.technician_id
      ? await tx.technician.findUnique({ where: { id: job.technician_id }, select: { name: true } })
      : null;
    const { subject, body } = surveyMessage({
      language: customer.language_preference,
      customerName: customer.name,
      companyName: owner.company_name || owner.name,
      technicianName: technician?.name ?? null,
      jobTitle: job.title,
    });
    const sent = await sendCustomerMessage(tx, {
      customer,
      intent: { answer: false, templated: true },
      now,
      config: deps.config,
      render: () => ({
        kind: SURVEY_KIND,
        lane: "bulk",
        subject,
        body,
        payload: { job_id: job.id },
        dedupeKey: `survey:${job.id}`,
      }),
    });
    const status: FollowUpStatus =
      sent.status === "queued" ? "SENT" : sent.status === "deferred" ? "SCHEDULED" : "FAILED";
    const followUp = await tx.serviceFollowUp.create({
      data: {
        job_id: job.id,
        customer_id: job.customer_id,
        status,
        follow_up_date: sent.status === "deferred" ? sent.until : now,
        message: body,
        channel: sent.status === "not_sent" ? null : sent.channel,
        feedback: sent.status === "not_sent" ? `survey not sent: ${sent.reason}` : null,
        created_at: now,
      },
    });
    return ok(
      sent.status === "not_sent"
        ? { status: "not_sent" as const, followUpId: followUp.id, reason: sent.reason }
        : { status: sent.status, followUpId: followUp.id, channel: sent.channel },
    );
  });
  return r.ok ? r.value : null;
}

/**
 * The reconciler's pass: send every survey due now — completed jobs whose completion is at least
 * SURVEY_AFTER ago (and not more than a week beyond, so turning the feature on does not survey
 * years of history) with no `survey_sent_at`. A restart or a second reconciler sends none twice.
 */
export async function reconcileSurveys(deps: CoreDeps, limit = 200): Promise<{ handled: number }> {
  const { from, to } = surveyDueRange(deps.clock.now(), deps.config.surveyAfterMs);
  const due = await deps.prisma.job.findMany({
    where: { status: "completed", survey_sent_at: null, completion_date: { gte: from, lte: to } },
    orderBy: [{ completion_date: "asc" }, { id: "asc" }],
    select: { id: true },
    take: limit,
  });
  let handled = 0;
  for (const { id } of due) if (await sendSurvey(deps, id)) handled += 1;
  return { handled };
}

/** A survey answer that was recorded. */
export interface SurveyAnswer {
  followUpId: string;
  reviewId: string | null;
  rating: number;
  alerted: boolean;
}

/**
 * A customer's reply, read as the answer to their open survey (in the caller's transaction — the
 * one that stores the reply): when a survey of theirs was sent within the last 14 days and is
 * unanswered, and the reply is a 1–5 score, the follow-up becomes COMPLETED with the
 * satisfaction and the rest of the reply as feedback, the job gets the review (one per job), and
 * a score of 1–2 alerts the owner in chat at once. Anything else returns null and changes nothing.
 */
export async function recordSurveyAnswer(
  tx: Db,
  input: { customerId: string; ownerId: string; customerName: string; text: string; now: Date },
): Promise<SurveyAnswer | null> {
  const answer = parseSurveyAnswer(input.text);
  if (!answer) return null;
  const open = await tx.serviceFollowUp.findFirst({
    where: {
      customer_id: input.customerId,
      status: { in: ["SENT", "SCHEDULED"] },
      satisfaction_rating: null,
      created_at: { gte: new Date(input.now.getTime() - SURVEY_ANSWER_WINDOW_MS) },
      job: { survey_sent_at: { not: null } },
    },
    orderBy: [{ created_at: "desc" }, { id: "asc" }],
    include: {
      job: { select: { id: true, title: true, technician_id: true, technician: { select: { name: true } } } },
    },
  });
  if (!open) return null;
  const claimed = await tx.serviceFollowUp.updateMany({
    where: { id: open.id, satisfaction_rating: null },
    data: { status: "COMPLETED", satisfaction_rating: answer.rating, feedback: answer.comment },
  });
  if (claimed.count !== 1) return null;
  const existing = await tx.review.findFirst({ where: { job_id: open.job_id }, select: { id: true } });
  const review = existing
    ? null
    : await tx.review.create({
        data: {
          job_id: open.job_id,
          customer_id: input.customerId,
          technician_id: open.job.technician_id,
          rating: answer.rating,
          comment: answer.comment,
          created_at: input.now,
        },
      });
  const low = answer.rating <= LOW_SCORE_MAX;
  if (low) {
    await notifyUser(tx, {
      userId: input.ownerId,
      now: input.now,
      dedupeKey: `survey-low:${open.id}`,
      notice: {
        kind: "survey_low_score",
        customerId: input.customerId,
        customerName: input.customerName,
        jobId: open.job.id,
        jobTitle: open.job.title,
        technicianName: open.job.technician?.name ?? null,
        rating: answer.rating,
        comment: answer.comment,
      },
    });
  }
  return { followUpId: open.id, reviewId: review?.id ?? null, rating: answer.rating, alerted: low };
}
