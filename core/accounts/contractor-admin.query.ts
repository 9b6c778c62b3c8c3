/**
 * Read models for the admin panel's Contractors area: the list with metrics, one contractor's
 * page (profile, service area, metrics, strikes, appeals, chat links) and the access requests
 * waiting for a decision.
 */
import type { CoreDeps } from "../context.js";
import type { Prisma } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import type { ApiScope } from "./api-key.service.js";
import { PLATFORM_SCOPE, visibleUsers } from "./visibility.js";

const CONTRACTORS_PER_PAGE = 50;

/** Contractors (and marketers) for the panel: name/company search, banned only, paginated. */
export async function listContractors(
  deps: CoreDeps,
  f: { q?: string; banned?: boolean; page: number },
  perPage = CONTRACTORS_PER_PAGE,
  scope: ApiScope = PLATFORM_SCOPE,
) {
  const where: Prisma.UserWhereInput = {
    role: { in: ["contractor", "marketer"] },
    account_status: { not: "pending" },
    ...visibleUsers(scope), // a sales manager: their team's members only
  };
  if (f.banned) where.is_bidding_banned = true;
  if (f.q) {
    const contains = { contains: f.q, mode: "insensitive" as const };
    where.OR = [{ name: contains }, { company_name: contains }, { email: contains }, { phone: contains }];
  }
  const [total, rows] = await Promise.all([
    deps.prisma.user.count({ where }),
    deps.prisma.user.findMany({
      where,
      orderBy: [{ company_name: { sort: "asc", nulls: "last" } }, { name: "asc" }],
      skip: (f.page - 1) * perPage,
      take: perPage,
      select: {
        id: true,
        name: true,
        company_name: true,
        role: true,
        account_status: true,
        profile_rating: true,
        strike_count: true,
        is_bidding_banned: true,
        metrics: true,
        _count: { select: { identities: true } },
      },
    }),
  ]);
  return { rows, total, page: f.page, perPage, pages: Math.max(1, Math.ceil(total / perPage)) };
}

/** People who asked for access from a chat and wait for an admin (oldest first). */
export function pendingAccessRequests(deps: CoreDeps, scope: ApiScope = PLATFORM_SCOPE) {
  return deps.prisma.user.findMany({
    where: { account_status: "pending", role: { in: ["contractor", "marketer"] }, ...visibleUsers(scope) },
    orderBy: { created_at: "asc" },
    take: 200,
    select: {
      id: true,
      name: true,
      role: true,
      language: true,
      created_at: true,
      identities: { select: { channel: true, address: true, display_name: true } },
    },
  });
}

/** One contractor's page: profile, categories by name, metrics, strikes, appeals, chat links, open link codes. */
export async function contractorDetail(
  deps: CoreDeps,
  id: string,
  scope: ApiScope = PLATFORM_SCOPE,
): Promise<Result<ContractorDetail>> {
  if (!isUuid(id)) return fail("NOT_FOUND", "contractor not found");
  const user = await deps.prisma.user.findFirst({
    where: { AND: [{ id }, visibleUsers(scope)] },
    include: {
      metrics: true,
      identities: { orderBy: { created_at: "asc" } },
      strikes: {
        orderBy: { created_at: "desc" },
        take: 50,
        include: { lead: { select: { id: true, title: true } } },
      },
      appeals: { orderBy: { created_at: "desc" }, take: 10 },
      link_codes: {
        where: { used_at: null, expires_at: { gt: deps.clock.now() } },
        select: { expires_at: true, created_at: true },
        orderBy: { created_at: "desc" },
      },
    },
  });
  if (!user || (user.role !== "contractor" && user.role !== "marketer"))
    return fail("NOT_FOUND", "contractor not found");
  const categories = await deps.prisma.category.findMany({
    where: { id: { in: user.contractor_categories } },
    select: { slug: true, display_name: true },
    orderBy: { display_name: "asc" },
  });
  return ok({ user, categories });
}

export type ContractorDetail = {
  user: Prisma.UserGetPayload<{
    include: {
      metrics: true;
      identities: true;
      strikes: { include: { lead: { select: { id: true; title: true } } } };
      appeals: true;
      link_codes: { select: { expires_at: true; created_at: true } };
    };
  }>;
  categories: Array<{ slug: string; display_name: string }>;
};
