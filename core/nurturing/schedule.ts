/**
 * When each step of a sequence goes out. Pure: the customer's contact rules, a start and the
 * step delays in, the times out. Each step's delay counts from the previous step's (deferred)
 * time, so the spacing the template promises is kept after a quiet-hours deferral.
 */
import type { Config } from "../config/config.js";
import { type ContactWindowOptions, nextAllowedTime } from "../messaging/quiet-hours.js";

/** The customer columns that decide when they may be messaged. */
export interface CustomerContactRules {
  timezone: string | null;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  preferred_contact_times: unknown;
}

/** The customer's own quiet hours, zone and contact times, with the platform defaults for gaps. */
export function contactWindowFor(
  customer: CustomerContactRules,
  config: Pick<Config, "quietHours" | "defaultTimezone">,
): ContactWindowOptions {
  return {
    timezone: customer.timezone || config.defaultTimezone,
    quietStart: customer.quiet_hours_start || config.quietHours.start,
    quietEnd: customer.quiet_hours_end || config.quietHours.end,
    contactTimes: customer.preferred_contact_times ?? undefined,
  };
}

/** Scheduled times of steps with these delays, starting at `start`, each moved out of closed hours. */
export function scheduleSteps(start: Date, delaysMs: readonly number[], window: ContactWindowOptions): Date[] {
  let previous = start;
  return delaysMs.map((delay) => {
    previous = nextAllowedTime(new Date(previous.getTime() + delay), window);
    return previous;
  });
}
