import type {
  CanonicalStatus,
  CustomerStatus,
  InteractionType,
  SequenceStatus,
} from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { daysSince } from "./customer-query.js";
import { notFound } from "./owned.js";
import { isOverdue } from "./reminder-rules.js";
import { nextStage } from "./status-mapping.js";

/** How many interactions and reminders the brief card shows. */
const BRIEF_INTERACTIONS = 3;
const BRIEF_REMINDERS = 5;

/** The customer card as a chat shows it: short, typed, and only what fits on a phone. */
export interface CustomerBrief {
  id: string;
  name: string;
  phone: string | null;
  email: string | null;
  status: CustomerStatus;
  pipeline_status: CanonicalStatus;
  next_stage: CanonicalStatus | null;
  days_in_stage: number;
  next_action: string | null;
  next_action_date: string | null;
  opted_out: boolean;
  interactions: Array<{ id: string; type: InteractionType; content: string; created_at: string }>;
  interactions_total: number;
  reminders: Array<{ id: string; type: string; message: string; scheduled_for: string; overdue: boolean }>;
  reminders_open: number;
  /** The running (or paused) nurturing sequence, newest first. */
  sequence: {
    id: string;
    name: string;
    status: SequenceStatus;
    current_step: number;
    total_steps: number;
    next_action_at: string | null;
  } | null;
  deals_open: number;
}

/**
 * The Kundekort in brief (seed 003) for one of `ownerId`'s own customers: lifecycle status and
 * canonical stage (with days in stage and the next stage), the next action, the last three
 * interactions, open reminders (overdue flagged), the active sequence and the open deals count.
 * Someone else's customer answers NOT_FOUND, exactly like a missing one.
 */
export async function customerBrief(
  deps: CoreDeps,
  ownerId: string,
  customerId: string,
): Promise<Result<CustomerBrief>> {
  if (!isUuid(customerId)) return notFound("customer");
  const now = deps.clock.now();
  const c = await deps.prisma.customer.findFirst({
    where: { id: customerId, owner_id: ownerId },
    include: {
      interactions: { orderBy: [{ created_at: "desc" }, { id: "asc" }], take: BRIEF_INTERACTIONS },
      reminders: {
        where: { completed: false },
        orderBy: [{ scheduled_for: "asc" }, { id: "asc" }],
        take: BRIEF_REMINDERS,
      },
      sequences: {
        where: { status: { in: ["active", "paused"] } },
        orderBy: { started_at: "desc" },
        take: 1,
        include: { template: { select: { name: true } } },
      },
      _count: {
        select: {
          interactions: true,
          reminders: { where: { completed: false } },
          deals: { where: { status: "open" } },
        },
      },
    },
  });
  if (!c) return notFound("customer");
  const seq = c.sequences[0];
  return ok({
    id: c.id,
    name: c.name,
    phone: c.phone,
    email: c.email,
    status: c.status,
    pipeline_status: c.pipeline_status,
    next_stage: nextStage(c.pipeline_status),
    days_in_stage: daysSince(c.stage_entered_at, now),
    next_action: c.next_action,
    next_action_date: c.next_action_date?.toISOString() ?? null,
    opted_out: c.opted_out_at !== null,
    interactions: c.interactions.map((i) => ({
      id: i.id,
      type: i.type,
      content: i.content,
      created_at: i.created_at.toISOString(),
    })),
    interactions_total: c._count.interactions,
    reminders: c.reminders.map((r) => ({
      id: r.id,
      type: r.type,
      message: r.message,
      scheduled_for: r.scheduled_for.toISOString(),
      overdue: isOverdue(r, now),
    })),
    reminders_open: c._count.reminders,
    sequence: seq
      ? {
          id: seq.id,
          name: seq.template?.name ?? seq.sequence_type,
          status: seq.status,
          current_step: seq.current_step,
          total_steps: seq.total_steps,
          next_action_at: seq.next_action_at?.toISOString() ?? null,
        }
      : null,
    deals_open: c._count.deals,
  });
}
