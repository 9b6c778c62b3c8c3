/**
 * "Won" and "lost" from a person's point of view (the chat's /won AMOUNT and /lost REASON): one
 * call whatever the thing is — a nurturing sequence, a deal on a pipeline, or a marketplace lead
 * they contacted — and the list of open things a message could be about. Each win is recorded
 * on exactly one of the three, so the weekly figures (core/kpi/wins.kpi.ts) never count a job
 * twice: a lead is only offered while its customer has no sequence or deal to carry the win.
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import type { AuditActor } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { recordConversion } from "../marketplace/conversion.service.js";
import { markOutcome } from "../nurturing/sequence.service.js";
import { moveDeal, updateDeal } from "./deal.service.js";

export type OutcomeKind = "sequence" | "deal" | "lead";

/** Something open that can be marked won (or lost), with what a person recognises it by. */
export interface OutcomeTarget {
  kind: OutcomeKind;
  id: string;
  customerId: string | null;
  customerName: string;
  title: string;
}

/** What a message the person answered was about (see conversation.service refsOfSentMessage). */
export interface AboutRefs {
  leadId?: string | null;
  customerId?: string | null;
  sequenceId?: string | null;
  dealId?: string | null;
}

const DAY = 86_400_000;
/** A sequence that ended without an outcome (the customer replied, it ran out) stays winnable this long. */
const ENDED_SEQUENCE_WINNABLE_MS = 30 * DAY;
/** At most this many candidates are offered as buttons. */
export const MAX_TARGETS = 8;

const scopeOf = (ownerId: string): ApiScope => ({ kind: "contractor", ownerId });
const customerName = { select: { name: true } } as const;

/** The sequences of an owner that can still get an outcome (running, or ended quietly within 30 days). */
function openSequenceWhere(ownerId: string, now: Date) {
  return {
    owner_id: ownerId,
    OR: [
      { status: { in: ["active" as const, "paused" as const] } },
      {
        status: { in: ["completed" as const, "cancelled" as const] },
        OR: [{ outcome: null }, { outcome: "stopped" as const }],
        completed_at: { gte: new Date(now.getTime() - ENDED_SEQUENCE_WINNABLE_MS) },
      },
    ],
  };
}

/**
 * The open things `ownerId` could mean by /won or /lost, narrowed by what the answered message
 * was about: a sequence or deal named directly is the only candidate; a customer (or the lead
 * they came from) narrows to that customer's. Per customer one sequence (a running one before
 * an ended one, newest first); open deals; for /won also contacted marketplace leads with no
 * `paid` conversion whose customer has no sequence or deal to carry the win.
 */
export async function outcomeTargets(
  deps: CoreDeps,
  ownerId: string,
  outcome: "won" | "lost",
  about: AboutRefs = {},
): Promise<OutcomeTarget[]> {
  const now = deps.clock.now();
  if (about.sequenceId) {
    const one = await loadTarget(deps, ownerId, "sequence", about.sequenceId);
    if (one) return [one];
  }
  if (about.dealId) {
    const one = await loadTarget(deps, ownerId, "deal", about.dealId);
    if (one) return [one];
  }
  let customerId = isUuid(about.customerId) ? about.customerId : null;
  if (!customerId && isUuid(about.leadId)) {
    const lead = await deps.prisma.lead.findUnique({ where: { id: about.leadId }, select: { customer_id: true } });
    customerId = lead?.customer_id ?? null;
  }
  const forCustomer = customerId ? { customer_id: customerId } : {};
  const [sequences, deals, leads] = await Promise.all([
    deps.prisma.nurturingSequence.findMany({
      where: { ...openSequenceWhere(ownerId, now), ...forCustomer },
      orderBy: [{ started_at: "desc" }, { id: "asc" }],
      take: 50,
      include: { customer: customerName, template: { select: { name: true } } },
    }),
    deps.prisma.deal.findMany({
      where: { owner_id: ownerId, status: "open", ...forCustomer },
      orderBy: [{ updated_at: "desc" }, { id: "asc" }],
      take: MAX_TARGETS,
      include: { customer: customerName },
    }),
    outcome === "won"
      ? deps.prisma.lead.findMany({
          where: {
            contacted_by_id: ownerId,
            status: "CONTACTED",
            customer_id: customerId ?? { not: null },
            conversions: { none: { conversion_type: "paid" } },
            customer: {
              owner_id: ownerId,
              sequences: { none: { outcome: "converted" } },
              deals: { none: { status: "won" } },
            },
          },
          orderBy: [{ contacted_at: "desc" }, { id: "asc" }],
          take: MAX_TARGETS,
          include: { customer: customerName },
        })
      : Promise.resolve([]),
  ]);
  const running = (s: (typeof sequences)[number]) => (s.status === "active" || s.status === "paused" ? 0 : 1);
  const perCustomer = new Map<string, (typeof sequences)[number]>();
  for (const s of [...sequences].sort((a, b) => running(a) - running(b))) {
    if (!perCustomer.has(s.customer_id)) perCustomer.set(s.customer_id, s);
  }
  const carried = new Set([...perCustomer.keys(), ...deals.map((d) => d.customer_id)]);
  const targets: OutcomeTarget[] = [
    ...[...perCustomer.values()].map((s) => sequenceTarget(s)),
    ...deals.map((d) => ({
      kind: "deal" as const,
      id: d.id,
      customerId: d.customer_id,
      customerName: d.customer.name,
      title: d.title,
    })),
    ...leads
      .filter((l) => l.customer_id && !carried.has(l.customer_id))
      .map((l) => ({
        kind: "lead" as const,
        id: l.id,
        customerId: l.customer_id,
        customerName: l.customer?.name ?? l.customer_name,
        title: l.title,
      })),
  ];
  return targets.slice(0, MAX_TARGETS);
}

function sequenceTarget(s: {
  id: string;
  customer_id: string;
  sequence_type: string;
  customer: { name: string };
  template: { name: string } | null;
}): OutcomeTarget {
  return {
    kind: "sequence",
    id: s.id,
    customerId: s.customer_id,
    customerName: s.customer.name,
    title: s.template?.name ?? s.sequence_type,
  };
}

/** One of the owner's open targets by kind and id, or null (someone else's, closed, or unknown). */
export async function loadTarget(
  deps: CoreDeps,
  ownerId: string,
  kind: OutcomeKind,
  id: string,
): Promise<OutcomeTarget | null> {
  if (!isUuid(id)) return null;
  if (kind === "sequence") {
    const s = await deps.prisma.nurturingSequence.findFirst({
      where: { id, ...openSequenceWhere(ownerId, deps.clock.now()) },
      include: { customer: customerName, template: { select: { name: true } } },
    });
    return s ? sequenceTarget(s) : null;
  }
  if (kind === "deal") {
    const d = await deps.prisma.deal.findFirst({
      where: { id, owner_id: ownerId, status: "open" },
      include: { customer: customerName },
    });
    return d ? { kind, id, customerId: d.customer_id, customerName: d.customer.name, title: d.title } : null;
  }
  const l = await deps.prisma.lead.findFirst({
    where: { id, contacted_by_id: ownerId, status: "CONTACTED", conversions: { none: { conversion_type: "paid" } } },
    include: { customer: customerName },
  });
  return l
    ? { kind, id, customerId: l.customer_id, customerName: l.customer?.name ?? l.customer_name, title: l.title }
    : null;
}

/** The stage of a deal's pipeline flagged won (or lost), if the pipeline has one. */
async function closingStage(deps: CoreDeps, dealId: string, flag: "is_won" | "is_lost") {
  const deal = await deps.prisma.deal.findUnique({ where: { id: dealId }, select: { pipeline_id: true } });
  if (!deal) return null;
  return deps.prisma.dealStage.findFirst({
    where: { pipeline_id: deal.pipeline_id, [flag]: true },
    orderBy: { position: "asc" },
  });
}

/**
 * Mark one open target won with the sale amount a person entered (`revenueUsd`, e.g. "9000.00";
 * revenue is never estimated): a sequence is converted (core congratulates them with its own
 * notice: `celebrated` true), a deal moves to its pipeline's won stage (or is set won) with the
 * revenue, a contacted marketplace lead gets its `paid` conversion. Something already closed,
 * or not the owner's, is NOT_FOUND. The panel names an `actor`: the sequence's outcome is then
 * audited in its own transaction.
 */
export async function markWon(
  deps: CoreDeps,
  ownerId: string,
  ref: { kind: OutcomeKind; id: string },
  revenueUsd: string,
  actor?: AuditActor,
): Promise<Result<{ target: OutcomeTarget; revenueUsd: string; celebrated: boolean }>> {
  const target = await loadTarget(deps, ownerId, ref.kind, ref.id);
  if (!target) return fail("NOT_FOUND", `${ref.kind} not found or already closed`);
  const scope = scopeOf(ownerId);
  if (target.kind === "sequence") {
    const r = await markOutcome(deps, target.id, scope, { outcome: "converted", revenue_usd: revenueUsd }, actor);
    return r.ok ? ok({ target, revenueUsd, celebrated: true }) : r;
  }
  if (target.kind === "deal") {
    const stage = await closingStage(deps, target.id, "is_won");
    const r = stage
      ? await moveDeal(deps, scope, target.id, { stage_id: stage.id, revenue_usd: revenueUsd })
      : await updateDeal(deps, scope, target.id, { status: "won", revenue_usd: revenueUsd });
    return r.ok ? ok({ target, revenueUsd, celebrated: false }) : r;
  }
  const r = await recordConversion(deps, {
    leadId: target.id,
    contractorId: ownerId,
    type: "paid",
    revenueUsd: Number(revenueUsd),
  });
  return r.ok ? ok({ target, revenueUsd, celebrated: false }) : r;
}

/**
 * Mark one open sequence or deal lost with the reason given: the sequence's remaining steps are
 * skipped; the deal moves to its pipeline's lost stage (or is set lost). A marketplace lead has
 * no "lost" of its own (VALIDATION_FAILED): it was contacted and paid for already.
 */
export async function markLost(
  deps: CoreDeps,
  ownerId: string,
  ref: { kind: OutcomeKind; id: string },
  reason: string,
): Promise<Result<{ target: OutcomeTarget }>> {
  if (ref.kind === "lead") return fail("VALIDATION_FAILED", "a marketplace lead cannot be marked lost");
  const target = await loadTarget(deps, ownerId, ref.kind, ref.id);
  if (!target) return fail("NOT_FOUND", `${ref.kind} not found or already closed`);
  const scope = scopeOf(ownerId);
  const why = reason.trim().slice(0, 500);
  if (target.kind === "sequence") {
    const r = await markOutcome(deps, target.id, scope, { outcome: "lost", reason: why || null });
    return r.ok ? ok({ target }) : r;
  }
  const stage = await closingStage(deps, target.id, "is_lost");
  const r = stage
    ? await moveDeal(deps, scope, target.id, { stage_id: stage.id, lost_reason: why || null })
    : await updateDeal(deps, scope, target.id, { status: "lost", lost_reason: why || null });
  return r.ok ? ok({ target }) : r;
}
