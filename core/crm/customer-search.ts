import type { CanonicalStatus } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { bestNameMatches, normaliseName } from "./name-match.js";

/** A customer as a name search returns it. */
export interface CustomerHit {
  id: string;
  name: string;
  pipeline_status: CanonicalStatus;
}

/** How many rows the quick (ILIKE) pass looks at, and how many the typo pass scans at most. */
const QUICK_ROWS = 200;
const SCAN_ROWS = 2_000;
const select = { id: true, name: true, pipeline_status: true } as const;

/**
 * The owner's customers whose name best matches `query` (core/crm/name-match.ts tiers), most
 * recently active first, at most `limit`. Only ever the owner's OWN customers: a contractor's
 * chat can never reach another contractor's customer, whatever they type. A quick pass reads
 * names containing a typed word; only when that finds nothing does a typo pass score the
 * owner's most recently active customers.
 */
export async function findOwnCustomers(
  deps: CoreDeps,
  ownerId: string,
  query: string,
  limit = 8,
): Promise<CustomerHit[]> {
  const words = normaliseName(query)
    .split(" ")
    .filter((w) => w.length > 0)
    .slice(0, 4);
  if (words.length === 0) return [];
  const raw = query.trim().slice(0, 100);
  const quick = await deps.prisma.customer.findMany({
    where: {
      owner_id: ownerId,
      OR: [
        { name: { contains: raw, mode: "insensitive" } },
        ...words.map((w) => ({ name: { contains: w, mode: "insensitive" as const } })),
      ],
    },
    orderBy: [{ last_activity_at: "desc" }, { id: "asc" }],
    take: QUICK_ROWS,
    select,
  });
  const found = bestNameMatches(raw, quick);
  if (found.length > 0) return found.slice(0, limit);
  const scan = await deps.prisma.customer.findMany({
    where: { owner_id: ownerId },
    orderBy: [{ last_activity_at: "desc" }, { id: "asc" }],
    take: SCAN_ROWS,
    select,
  });
  return bestNameMatches(raw, scan).slice(0, limit);
}
