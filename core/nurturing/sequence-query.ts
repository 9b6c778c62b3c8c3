/** Reading sequences for the panel and the API, always through the scope's visibility. */
import type { Prisma, SequenceStatus } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { pageOf, paginate } from "../paging.js";

/** Filters and paging of GET /sequences. */
export interface SequenceFilter {
  status?: SequenceStatus;
  customer_id?: string;
  high_interest?: boolean;
  page: number;
  per_page: number;
}

const customerSummary = { select: { id: true, name: true, timezone: true, opted_out_at: true } } as const;

/** One page of the sequences a scope may see, newest first, with the customer's name. */
export async function listSequences(deps: CoreDeps, scope: ApiScope, f: SequenceFilter) {
  const where: Prisma.NurturingSequenceWhereInput = {
    ...ownedBy(scope),
    ...(f.status ? { status: f.status } : {}),
    ...(f.customer_id && isUuid(f.customer_id) ? { customer_id: f.customer_id } : {}),
    ...(f.high_interest !== undefined ? { high_interest_at: f.high_interest ? { not: null } : null } : {}),
  };
  if (f.customer_id && !isUuid(f.customer_id)) return pageOf([], f);
  return paginate(
    f,
    () => deps.prisma.nurturingSequence.count({ where }),
    (w) =>
      deps.prisma.nurturingSequence.findMany({
        where,
        include: { customer: customerSummary },
        orderBy: [{ started_at: "desc" }, { id: "asc" }],
        ...w,
      }),
  );
}

/** A sequence with its customer, template name and every step (with its link clicks); 404 for others' sequences. */
export async function getSequence(deps: CoreDeps, scope: ApiScope, id: string) {
  const seq = isUuid(id)
    ? await deps.prisma.nurturingSequence.findFirst({
        where: { id, ...ownedBy(scope) },
        include: {
          customer: customerSummary,
          template: { select: { id: true, name: true, trigger_type: true } },
          events: {
            orderBy: { step_number: "asc" },
            include: {
              tracked_links: { select: { click_count: true, first_clicked_at: true, last_clicked_at: true } },
            },
          },
        },
      })
    : null;
  return seq ? ok(seq) : (fail("NOT_FOUND", "sequence not found") as Result<never>);
}

/**
 * The customer's running nurturing sequence — active or paused, the newest — if the scope may see
 * the customer (the chat's "pause Anna" acts on it). Null when there is none.
 */
export async function runningSequenceOf(deps: CoreDeps, scope: ApiScope, customerId: string) {
  if (!isUuid(customerId)) return null;
  return deps.prisma.nurturingSequence.findFirst({
    where: { customer_id: customerId, status: { in: ["active", "paused"] }, ...ownedBy(scope) },
    orderBy: [{ started_at: "desc" }, { id: "asc" }],
    include: { template: { select: { name: true } } },
  });
}
