/**
 * Job status and date rules (seed 004 jobs). Pure.
 */
import type { JobStatus } from "../../prisma/generated/client.js";
import { fail, ok, type Result } from "../errors.js";
import { isFutureDate } from "./service-input.js";

/**
 * The status and completion date a job ends up with after a change. Rule: only a completed job
 * has a completion date; completing one without a date stamps `now` (the post-service survey
 * counts its days from it); a completion date may not lie in the future.
 */
export function jobCompletion(
  current: { status: JobStatus; completion_date: Date | null } | null,
  patch: { status?: JobStatus; completion_date?: Date | null },
  now: Date,
): Result<{ status: JobStatus; completion_date: Date | null }> {
  const status = patch.status ?? current?.status ?? "scheduled";
  if (status !== "completed") {
    if (patch.completion_date) {
      return fail("VALIDATION_FAILED", "completion_date: only a completed job has a completion date", [
        { field: "completion_date", message: "only a completed job has a completion date" },
      ]);
    }
    return ok({ status, completion_date: null });
  }
  const date = patch.completion_date !== undefined ? patch.completion_date : (current?.completion_date ?? null);
  const completion = date ?? now;
  if (isFutureDate(completion, now)) {
    return fail("VALIDATION_FAILED", "completion_date: must not be in the future", [
      { field: "completion_date", message: "must not be in the future" },
    ]);
  }
  return ok({ status, completion_date: completion });
}
