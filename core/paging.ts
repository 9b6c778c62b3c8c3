/**
 * Pages of a list: the one shape every list the API answers (`data`, `total`, `page`,
 * `per_page`) and the offset maths behind it, so no list counts its own `skip`.
 */

/** The first page is 1; a page holds 1–200 rows, 50 unless asked otherwise. */
export const PAGE_DEFAULTS = { page: 1, perPage: 50, maxPerPage: 200, maxPage: 10_000 } as const;

/** Which page of a list is asked for (already validated: page ≥ 1, per_page 1–200). */
export interface PageQuery {
  page: number;
  per_page: number;
}

/** One page of a list and where it sits in the whole. */
export interface Page<T> {
  data: T[];
  total: number;
  page: number;
  per_page: number;
}

/**
 * A page request clamped to the house limits (page 1–10,000, per_page 1–200); missing or
 * non-numeric values take the defaults. Adapters validate first (a bad value is a 400 there);
 * this keeps internal callers from asking for an unbounded page.
 */
export function clampPage(q: Partial<PageQuery> = {}): PageQuery {
  const int = (v: number | undefined, dflt: number, max: number) =>
    v === undefined || !Number.isFinite(v) ? dflt : Math.min(max, Math.max(1, Math.trunc(v)));
  return {
    page: int(q.page, PAGE_DEFAULTS.page, PAGE_DEFAULTS.maxPage),
    per_page: int(q.per_page, PAGE_DEFAULTS.perPage, PAGE_DEFAULTS.maxPerPage),
  };
}

/** The rows a page covers, as Prisma's `skip`/`take` (SQL OFFSET/LIMIT). */
export function pageWindow(q: PageQuery): { skip: number; take: number } {
  const c = clampPage(q);
  return { skip: (c.page - 1) * c.per_page, take: c.per_page };
}

/** Wrap one page of rows with the list's total in the one list shape. */
export function pageResult<T>(data: T[], total: number, q: PageQuery): Page<T> {
  const c = clampPage(q);
  return { data, total, page: c.page, per_page: c.per_page };
}

/**
 * Read one page from the database: the count and the page's rows run together, both with the
 * same filter (the caller closes over it), so `total` always describes the rows paged.
 */
export async function paginate<T>(
  q: PageQuery,
  count: () => Promise<number>,
  rows: (window: { skip: number; take: number }) => Promise<T[]>,
): Promise<Page<T>> {
  const [total, data] = await Promise.all([count(), rows(pageWindow(q))]);
  return pageResult(data, total, q);
}

/**
 * One page of a list already in memory (small, bounded sets: categories, templates, pipelines,
 * a computed overview), with the same shape as a database page.
 */
export function pageOf<T>(items: readonly T[], q: PageQuery): Page<T> {
  const { skip, take } = pageWindow(q);
  return pageResult(items.slice(skip, skip + take), items.length, q);
}
