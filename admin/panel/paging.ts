/** Pagination for the panel's lists: links that work without JavaScript, the same URLs htmx pushes. */

/** The query string's plain string values (what the filter form shows back). */
export function listQuery(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === "string" && k !== "page") out[k] = v;
  return out;
}

export interface Pager {
  page: number;
  pages: number;
  total: number;
  prev: string | null;
  next: string | null;
  /** A few page numbers around the current one, each with its URL. */
  links: Array<{ page: number; href: string; current: boolean }>;
}

/** Page links for `base` keeping the current filters. */
export function pagerFor(
  base: string,
  raw: Record<string, unknown>,
  r: { page: number; pages: number; total: number },
): Pager {
  const filters = listQuery(raw);
  const href = (page: number) => {
    const q = new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== "")) });
    if (page > 1) q.set("page", String(page));
    const s = q.toString();
    return s ? `${base}?${s}` : base;
  };
  const from = Math.max(1, r.page - 3);
  const to = Math.min(r.pages, r.page + 3);
  const links = [];
  for (let p = from; p <= to; p++) links.push({ page: p, href: href(p), current: p === r.page });
  return {
    page: r.page,
    pages: r.pages,
    total: r.total,
    prev: r.page > 1 ? href(r.page - 1) : null,
    next: r.page < r.pages ? href(r.page + 1) : null,
    links,
  };
}
