/**
 * Service follow-up rules (seed 004 service satisfaction). Pure.
 */
import type { FollowUpStatus } from "../../prisma/generated/client.js";
import { fail, ok, type Result } from "../errors.js";

/**
 * Whether a follow-up may end up in `status` with `date`. Rule: a SCHEDULED follow-up needs the
 * time it is scheduled for (`follow_up_date`), or nothing would ever send it.
 */
export function checkFollowUp(
  current: { status: FollowUpStatus; follow_up_date: Date | null } | null,
  patch: { status?: FollowUpStatus; follow_up_date?: Date | null },
): Result<null> {
  const status = patch.status ?? current?.status ?? "PENDING";
  const date = patch.follow_up_date !== undefined ? patch.follow_up_date : (current?.follow_up_date ?? null);
  if (status === "SCHEDULED" && !date) {
    return fail("VALIDATION_FAILED", "follow_up_date: a SCHEDULED follow-up needs the time it is scheduled for", [
      { field: "follow_up_date", message: "a SCHEDULED follow-up needs the time it is scheduled for" },
    ]);
  }
  return ok(null);
}
