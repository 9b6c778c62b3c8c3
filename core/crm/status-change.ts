import type { CanonicalStatus, Customer, Prisma } from "../../prisma/generated/client.js";
import type { TxCtx } from "../service.js";
import { payloadHash } from "./canonical-json.js";
import { inactiveAt } from "./reminder-rules.js";
import { crmWakeKey } from "./wakeups.js";

/** The later of two times. */
function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

/** A move to another canonical status, recorded as a STATUS_CHANGED event with this id. */
export interface StatusMove {
  to: CanonicalStatus;
  eventId: string;
  source: string;
  /** The event_id that caused the move, if an event did. */
  cause?: string | null;
}

/**
 * Update a customer (inside the caller's transaction). `activityAt` (default now; null = not
 * activity) moves `last_activity_at` forward — never back — and re-arms the 7-day inactivity
 * wake-up. A move to a different canonical status restarts the stage clock
 * (`stage_entered_at`) at the activity time and logs STATUS_CHANGED for the ticker, KPIs and
 * audit; a "move" to the current status changes nothing.
 */
export async function touchCustomer(
  c: TxCtx,
  customer: Customer,
  patch: Prisma.CustomerUncheckedUpdateInput,
  opts: { activityAt?: Date | null; move?: StatusMove } = {},
): Promise<{ customer: Customer; moved: { from: CanonicalStatus; to: CanonicalStatus } | null }> {
  const at = opts.activityAt === undefined ? c.now : opts.activityAt;
  const lastActivity = at ? later(customer.last_activity_at, at) : customer.last_activity_at;
  const move = opts.move && opts.move.to !== customer.pipeline_status ? opts.move : undefined;
  const updated = await c.tx.customer.update({
    where: { id: customer.id },
    data: {
      ...patch,
      ...(move ? { pipeline_status: move.to, stage_entered_at: at ?? c.now } : {}),
      last_activity_at: lastActivity,
      updated_at: c.now,
    },
  });
  if (lastActivity.getTime() !== customer.last_activity_at.getTime() && !updated.opted_out_at) {
    c.wake(crmWakeKey("inactive", customer.id), inactiveAt(lastActivity));
  }
  if (!move) return { customer: updated, moved: null };
  const properties = { from: customer.pipeline_status, to: move.to, cause: move.cause ?? null };
  const timestamp = at ?? c.now;
  await c.tx.eventLog.create({
    data: {
      event_id: move.eventId,
      event_name: "STATUS_CHANGED",
      customer_id: customer.id,
      owner_id: customer.owner_id,
      source: move.source,
      timestamp,
      properties,
      payload_hash: payloadHash({ event_id: move.eventId, customer_id: customer.id, timestamp, properties }),
      result: { status_change: { from: customer.pipeline_status, to: move.to } },
      created_at: c.now,
    },
  });
  return { customer: updated, moved: { from: customer.pipeline_status, to: move.to } };
}
