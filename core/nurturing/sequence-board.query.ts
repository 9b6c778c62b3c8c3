/**
 * The nurturing board (seed 000): every sequence a scope may see with its customer, template,
 * step, status, last event, high-interest flag, est. value and revenue — filtered and paged
 * for the panel's sequences page.
 */
import { z } from "zod";
import { type Prisma, SequenceStatus } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { isAdmin, narrowTo, ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { isUuid } from "../ids.js";

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** Every sequence status, in the filter's order. */
export const BOARD_STATUSES = Object.values(SequenceStatus);

/** The board's query string: every field optional, blanks ignored (a submitted empty form field). */
export const boardFilterSchema = z.object({
  status: z.preprocess(blankToUndefined, z.enum(SequenceStatus).optional()),
  template: z.preprocess(blankToUndefined, z.guid("not a template id").optional()),
  high_interest: z.preprocess(blankToUndefined, z.enum(["yes", "no"]).optional()),
  owner: z.preprocess(blankToUndefined, z.guid("not an owner id").optional()),
  page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100_000).default(1)),
});
export type BoardFilter = z.output<typeof boardFilterSchema>;

const PER_PAGE = 25;

/** The newest thing that happened on a sequence's steps (opened, clicked, sent, failed). */
export interface LastEvent {
  what: "clicked" | "opened" | "sent" | "failed" | "skipped";
  step: number;
  at: Date;
}

/** The last event of one sequence's steps: the latest click, open, send or failure. */
export function lastEventOf(
  events: ReadonlyArray<{
    step_number: number;
    status: string;
    executed_at: Date | null;
    opened_at: Date | null;
    clicked_at: Date | null;
  }>,
): LastEvent | null {
  let best: LastEvent | null = null;
  const consider = (what: LastEvent["what"], step: number, at: Date | null) => {
    if (at && (!best || at.getTime() > best.at.getTime())) best = { what, step, at };
  };
  for (const e of events) {
    const sent = e.status === "failed" ? "failed" : e.status === "skipped" ? "skipped" : "sent";
    consider(sent, e.step_number, e.executed_at);
    consider("opened", e.step_number, e.opened_at);
    consider("clicked", e.step_number, e.clicked_at);
  }
  return best;
}

/**
 * One page of the board for `scope`, newest first. An admin may narrow to one owner; a scope
 * that names an owner it may not see gets an empty page (never someone else's rows). High
 * interest means the sequence was flagged (2+ link clicks). The owners and templates to filter
 * by come back with the page.
 */
export async function sequenceBoard(deps: CoreDeps, scope: ApiScope, f: BoardFilter) {
  const narrowed = narrowTo(scope, f.owner);
  const where: Prisma.NurturingSequenceWhereInput = {
    ...(narrowed ? ownedBy(narrowed) : { owner_id: "00000000-0000-0000-0000-000000000000" }),
    ...(f.status ? { status: f.status } : {}),
    ...(f.template && isUuid(f.template) ? { template_id: f.template } : {}),
    ...(f.high_interest ? { high_interest_at: f.high_interest === "yes" ? { not: null } : null } : {}),
  };
  const [total, rows, templates, owners] = await Promise.all([
    deps.prisma.nurturingSequence.count({ where }),
    deps.prisma.nurturingSequence.findMany({
      where,
      orderBy: [{ started_at: "desc" }, { id: "asc" }],
      skip: (f.page - 1) * PER_PAGE,
      take: PER_PAGE,
      include: {
        customer: { select: { id: true, name: true } },
        owner: { select: { id: true, name: true } },
        template: { select: { id: true, name: true } },
        events: {
          select: { step_number: true, status: true, executed_at: true, opened_at: true, clicked_at: true },
        },
      },
    }),
    deps.prisma.sequenceTemplate.findMany({
      where: { deleted_at: null },
      select: { id: true, name: true },
      orderBy: [{ name: "asc" }, { id: "asc" }],
      take: 200,
    }),
    isAdmin(scope)
      ? deps.prisma.user.findMany({
          where: { role: { in: ["contractor", "marketer"] } },
          select: { id: true, name: true },
          orderBy: [{ name: "asc" }, { id: "asc" }],
          take: 500,
        })
      : Promise.resolve([]),
  ]);
  const board = rows.map(({ events, ...s }) => ({ ...s, last_event: lastEventOf(events) }));
  return {
    rows: board,
    total,
    page: f.page,
    perPage: PER_PAGE,
    pages: Math.max(1, Math.ceil(total / PER_PAGE)),
    templates,
    owners,
  };
}

/** A sequence of the board, if the scope may see it (for the actions' answer). */
export async function boardRow(deps: CoreDeps, scope: ApiScope, id: string) {
  if (!isUuid(id)) return null;
  const s = await deps.prisma.nurturingSequence.findFirst({
    where: { id, ...ownedBy(scope) },
    include: {
      customer: { select: { id: true, name: true } },
      owner: { select: { id: true, name: true } },
      template: { select: { id: true, name: true } },
      events: {
        select: { step_number: true, status: true, executed_at: true, opened_at: true, clicked_at: true },
      },
    },
  });
  if (!s) return null;
  const { events, ...rest } = s;
  return { ...rest, last_event: lastEventOf(events) };
}
