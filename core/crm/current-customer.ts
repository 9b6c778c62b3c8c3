/**
 * "Which customer does this contractor mean?" — the one rule every chat command that needs a
 * customer follows (`/won`, `/lost`, `/card`, `/msg`): the customer they named; else the
 * customer of the conversation in progress (the last one whose message was relayed to them or
 * whom they answered); else a question whose choices put that conversation's customer first.
 */
import type { CoreDeps } from "../context.js";
import { isUuid } from "../ids.js";
import { type CustomerHit, findOwnCustomers } from "./customer-search.js";

/**
 * How long the last exchange with a customer keeps that customer "in the conversation": 24 hours.
 * A contractor's day with a customer (answer in the morning, `/won` after the visit in the
 * afternoon) fits in it, and it is WhatsApp's own customer-care window; after a day the
 * contractor has usually moved on, and a command without a name must not silently land on a
 * customer from yesterday — then they are asked, with that customer offered first.
 */
export const CONVERSATION_IN_PROGRESS_MS = 24 * 3_600_000;

/** At most this many customers are offered when the chat has to ask. */
export const MAX_CUSTOMER_CHOICES = 8;
/** How many equally good name matches are read before the conversation's customer is put first. */
const NAME_HITS_READ = 50;

/** The customer a contractor last exchanged words with, and when. */
export interface ConversationCustomer {
  customer: CustomerHit;
  /** When the last message between them was sent. */
  at: Date;
  /** Within CONVERSATION_IN_PROGRESS_MS of now: a command without a name means this customer. */
  inProgress: boolean;
}

/** Who a contractor means, as the chat should act on it. */
export type CustomerMeant =
  /** One customer: by the name given, or the conversation in progress when no name was. */
  | { kind: "one"; customer: CustomerHit; by: "name" | "conversation" }
  /** Ask which: the conversation's customer (if among them) first, then the rest. */
  | { kind: "ask"; candidates: CustomerHit[]; conversation: ConversationCustomer | null }
  /** A name that matches none of the contractor's own customers. */
  | { kind: "unknown"; name: string }
  /** No name, and the contractor has no customers to offer. */
  | { kind: "none" };

/**
 * The customer of `ownerId`'s conversation in progress: the latest message a person exchanged
 * with one of their OWN customers — a customer's message relayed to them (inbound, to them) or
 * their own answer (outbound, by them: a window answer, a reply, `/msg`). Automated messages do
 * not count (nobody was talking). Null when they never talked with a customer.
 */
export async function conversationCustomer(deps: CoreDeps, ownerId: string): Promise<ConversationCustomer | null> {
  if (!isUuid(ownerId)) return null;
  const row = await deps.prisma.message.findFirst({
    where: {
      customer: { owner_id: ownerId },
      is_automated: false,
      OR: [
        { direction: "outbound", sender_id: ownerId },
        { direction: "inbound", recipient_id: ownerId },
      ],
    },
    orderBy: [{ sent_at: "desc" }, { created_at: "desc" }, { id: "desc" }],
    select: { sent_at: true, customer: { select: { id: true, name: true, pipeline_status: true } } },
  });
  if (!row?.customer) return null;
  const now = deps.clock.now();
  return {
    customer: row.customer,
    at: row.sent_at,
    inProgress: now.getTime() - row.sent_at.getTime() <= CONVERSATION_IN_PROGRESS_MS,
  };
}

/**
 * Which of `ownerId`'s OWN customers they mean (never another owner's, whatever they type).
 * With a name: the one it matches (core/crm/name-match.ts tiers), or a question among the equally
 * good matches, the conversation's customer first. Without a name: the customer of the
 * conversation in progress when it is recent (CONVERSATION_IN_PROGRESS_MS), else a question
 * offering that customer first and then their most recently active ones. A name is the person's
 * own words and always wins over the conversation; the conversation wins over guessing.
 */
export async function whichCustomer(deps: CoreDeps, ownerId: string, name?: string | null): Promise<CustomerMeant> {
  const typed = (name ?? "").trim().slice(0, 100);
  if (typed) {
    // More than are offered, so that the conversation's customer is not cut off the list.
    const hits = await findOwnCustomers(deps, ownerId, typed, NAME_HITS_READ);
    const [only] = hits;
    if (!only) return { kind: "unknown", name: typed };
    if (hits.length === 1) return { kind: "one", customer: only, by: "name" };
    const conversation = await conversationCustomer(deps, ownerId);
    const candidates = conversationFirst(hits, (h) => h.id, conversation?.customer.id);
    return { kind: "ask", candidates: candidates.slice(0, MAX_CUSTOMER_CHOICES), conversation };
  }
  const conversation = await conversationCustomer(deps, ownerId);
  if (conversation?.inProgress) return { kind: "one", customer: conversation.customer, by: "conversation" };
  const recent = await deps.prisma.customer.findMany({
    where: { owner_id: ownerId },
    orderBy: [{ last_activity_at: "desc" }, { id: "asc" }],
    take: MAX_CUSTOMER_CHOICES,
    select: { id: true, name: true, pipeline_status: true },
  });
  const candidates = conversation
    ? [conversation.customer, ...recent.filter((c) => c.id !== conversation.customer.id)]
    : recent;
  if (candidates.length === 0) return { kind: "none" };
  return { kind: "ask", candidates: candidates.slice(0, MAX_CUSTOMER_CHOICES), conversation };
}

/**
 * `items` with those about `customerId` (the conversation's customer) first, each part in its
 * own order: the ordering every "which one?" question uses, so the customer being talked to is
 * never pushed out of a short list of choices.
 */
export function conversationFirst<T>(
  items: readonly T[],
  customerOf: (item: T) => string | null,
  customerId: string | null | undefined,
): T[] {
  if (!customerId) return [...items];
  return [...items.filter((x) => customerOf(x) === customerId), ...items.filter((x) => customerOf(x) !== customerId)];
}
