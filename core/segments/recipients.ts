/**
 * Who a blast reaches, on which address and when: the one customer-message decision
 * (core/messaging/customer-message.ts) made for every matching customer, and the campaign's
 * text rendered for each (core/messaging/templates.ts). Pure.
 */
import type { ChannelKind, ContactMethod } from "../../prisma/generated/client.js";
import {
  type CustomerFacts,
  type CustomerMessageDecision,
  decideCustomerMessage,
  type MessageIntent,
} from "../messaging/customer-message.js";
import { placeholdersIn, renderText } from "../messaging/templates.js";

/** A matching customer as the blast sees it. */
export interface BlastCustomer {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  property_city: string | null;
  language_preference: string;
  preferred_contact_method: ContactMethod | null;
  opted_out_at: Date | null;
  timezone: string | null;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  preferred_contact_times: unknown;
}

export type SkipReason = "opted_out" | "unreachable";

/**
 * A blast is the campaign's text, never an answer. A campaign that names a channel goes on that
 * channel only (an e-mail blast never turns into SMS); one that names none follows routing.ts.
 */
export function blastIntent(channel: ChannelKind | null): MessageIntent {
  return { answer: false, templated: true, wanted: channel, only: channel !== null };
}

/**
 * Decide one customer's blast message at `now` with the one customer-message decision: opted out
 * (customer, identity or address) and unreachable customers are skipped with that reason; the
 * channel is the campaign's, or — when it names none — routing.ts's (preferred, the one they
 * last wrote on, then the fallback order); quiet hours in the customer's own time zone defer
 * the message to their end.
 */
export function chooseRecipient(facts: CustomerFacts, channel: ChannelKind | null, now: Date): CustomerMessageDecision {
  return decideCustomerMessage(facts, blastIntent(channel), now);
}

/**
 * Fill `{{placeholders}}` for one customer: first_name, last_name, name, city (and property_city).
 * Unknown placeholders become empty rather than reaching a customer as "{{link}}".
 */
export function renderPlaceholders(text: string, c: Pick<BlastCustomer, "name" | "property_city">): string {
  const parts = c.name.trim().split(/\s+/);
  const vars = {
    first_name: parts[0] ?? "",
    last_name: parts.length > 1 ? parts.slice(1).join(" ") : "",
    name: c.name.trim(),
    city: c.property_city ?? "",
    property_city: c.property_city ?? "",
  };
  // Every placeholder in the text is allowed: the ones without a value render empty.
  return renderText(text, vars, [...Object.keys(vars), ...placeholdersIn(text)]).text;
}
