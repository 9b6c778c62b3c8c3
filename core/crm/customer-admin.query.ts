/**
 * Read models of the admin panel's customer pages: the filtered, paginated list with owner
 * names, and the customer card (Kundekort) — core's getCustomerCard plus the owner and the
 * next best actions of core/nba. An admin sees the whole platform; a sales manager their team (scope).
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import type { CoreDeps } from "../context.js";
import { ok } from "../errors.js";
import { nbaForCustomer } from "../nba/nba.service.js";
import { getCustomerCard } from "./customer-card.js";
import { type CustomerFilter, listCustomers } from "./customer-query.js";
import { ownerNames } from "./kanban.query.js";

const PLATFORM: ApiScope = { kind: "admin" };

/** How many customers a page of the panel's list shows. */
const CUSTOMERS_PER_PAGE = 25;

/** One page of customers (search by name, e-mail or phone; lifecycle and pipeline filters), with owner names. */
export async function customerPage(
  deps: CoreDeps,
  f: Omit<CustomerFilter, "per_page" | "vocabulary">,
  scope: ApiScope = PLATFORM,
) {
  const list = await listCustomers(deps, scope, { ...f, per_page: CUSTOMERS_PER_PAGE });
  if (!list.ok) return list;
  const owners = await ownerNames(
    deps,
    list.value.data.map((c) => c.owner_id),
  );
  const pages = Math.max(1, Math.ceil(list.value.total / CUSTOMERS_PER_PAGE));
  return ok({
    ...list.value,
    pages,
    data: list.value.data.map((c) => ({ ...c, owner_name: owners.get(c.owner_id) ?? "—" })),
  });
}

/** The customer card for the panel: the card, the owner's name and the next best actions. NOT_FOUND otherwise. */
export async function customerCardView(deps: CoreDeps, id: string, scope: ApiScope = PLATFORM) {
  const card = await getCustomerCard(deps, scope, id);
  if (!card.ok) return card;
  const [owners, nba] = await Promise.all([ownerNames(deps, [card.value.owner_id]), nbaForCustomer(deps, scope, id)]);
  return ok({
    ...card.value,
    owner_name: owners.get(card.value.owner_id) ?? "—",
    next_best_actions: nba.ok ? nba.value.actions : card.value.nba,
  });
}
