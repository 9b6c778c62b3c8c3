/**
 * What the customer AI features read about one customer (owner-scoped): the customer, recent
 * timeline, jobs, reviews and the customer's own words. Bounded: the latest few of each.
 */
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import type { CoreDeps } from "../context.js";
import { isUuid } from "../ids.js";

export const FACTS_LIMIT = 20;

/** The customer and their recent history, or null when the scope may not see them. */
export async function customerFacts(deps: CoreDeps, scope: ApiScope, id: string) {
  if (!isUuid(id)) return null;
  const take = FACTS_LIMIT;
  const c = await deps.prisma.customer.findFirst({
    where: { id, ...ownedBy(scope) },
    include: {
      owner: { select: { name: true, company_name: true, language: true } },
      interactions: { orderBy: { created_at: "desc" }, take },
      events: { orderBy: { timestamp: "desc" }, take, select: { event_name: true, timestamp: true } },
      jobs: { orderBy: { created_at: "desc" }, take, include: { technician: { select: { name: true } } } },
      payments: { orderBy: { paid_at: "desc" }, take },
      reviews: { orderBy: { created_at: "desc" }, take },
      deals: { orderBy: { updated_at: "desc" }, take: 5, include: { stage: { select: { name: true } } } },
      messages: { where: { direction: "inbound" }, orderBy: { sent_at: "desc" }, take },
    },
  });
  return c;
}

export type CustomerFacts = NonNullable<Awaited<ReturnType<typeof customerFacts>>>;

const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : "—");

/** The customer's own contact details, to mask wherever they appear. */
export function knownPii(c: CustomerFacts): string[] {
  return [c.phone, c.email, c.property_address].filter((v): v is string => Boolean(v));
}

/** Timeline lines, newest first: interactions and events ("2026-11-02 call: …"). */
export function timelineLines(c: CustomerFacts): Array<{ at: Date; line: string }> {
  const items = [
    ...c.interactions.map((i) => ({
      at: i.created_at,
      line: `${day(i.created_at)} ${i.type}${i.direction ? ` (${i.direction})` : ""}: ${i.content.slice(0, 200)}`,
    })),
    ...c.events.map((e) => ({ at: e.timestamp, line: `${day(e.timestamp)} event ${e.event_name}` })),
    ...c.jobs.map((j) => ({
      at: j.completion_date ?? j.created_at,
      line: `${day(j.completion_date ?? j.created_at)} job "${j.title}" ${j.status}${j.total_usd ? ` $${j.total_usd.toFixed(2)}` : ""}`,
    })),
  ];
  return items.sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, FACTS_LIMIT);
}

/** Jobs and payments as text lines. */
export function jobLines(c: CustomerFacts): string {
  const jobs = c.jobs.map(
    (j) =>
      `- ${day(j.completion_date ?? j.scheduled_at)} "${j.title}" ${j.status}${j.total_usd ? ` $${j.total_usd.toFixed(2)}` : ""}${j.technician ? ` by ${j.technician.name}` : ""}`,
  );
  const pays = c.payments.map((p) => `- paid ${day(p.paid_at)} $${p.amount.toFixed(2)}`);
  return [...jobs, ...pays].join("\n") || "none";
}

/** The customer's own words (inbound messages, inbound interactions, review comments), newest first. */
function ownWords(c: CustomerFacts): Array<{ at: Date; text: string }> {
  return [
    ...c.messages.map((m) => ({ at: m.sent_at, text: m.message_text })),
    ...c.interactions
      .filter((i) => i.direction === "inbound" && i.content)
      .map((i) => ({ at: i.created_at, text: i.content })),
    ...c.reviews
      .filter((r) => r.comment)
      .map((r) => ({ at: r.created_at, text: `review ${r.rating}/5: ${r.comment}` })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime());
}

/** The customer's own texts, newest first (the rules' sentiment reads them one by one). */
export function customerTexts(c: CustomerFacts): string[] {
  return ownWords(c)
    .slice(0, FACTS_LIMIT)
    .map((l) => l.text.slice(0, 2000));
}

/** The customer's own words as dated lines, newest first (fenced into prompts). */
export function customerWords(c: CustomerFacts): string {
  const lines = ownWords(c);
  return (
    lines
      .sort((a, b) => b.at.getTime() - a.at.getTime())
      .slice(0, FACTS_LIMIT)
      .map((l) => `- ${day(l.at)} ${l.text.slice(0, 500)}`)
      .join("\n") || "none"
  );
}

export { day as isoDay };
