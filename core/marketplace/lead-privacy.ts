/**
 * Who may see the person behind a marketplace lead, and what everyone else sees instead. One
 * rule for every surface (the REST API, the chat's offers and `/leads`, the panel's evidence
 * page): pure functions of plain data and `now`.
 */
import { findPhoneNumbersInText } from "libphonenumber-js";
import { windowRunning } from "./lead-state.js";

/** Who is looking: an admin (panel or admin API key) or one contractor (chat or their API key). */
export type LeadViewer = { kind: "admin" } | { kind: "contractor"; contractorId: string };

/** The parts of the viewer's own bid the rule reads. */
export interface ViewerBid {
  contractor_id: string;
  status: string;
  response_window_starts_at: Date | null;
  response_window_ends_at: Date | null;
  responded_at: Date | null;
}

/** The personal fields of a lead (the rest of the row is about the job, not the person). */
export interface LeadPersonalFields {
  title: string;
  description: string;
  customer_name: string;
  customer_email: string | null;
  customer_phone: string | null;
  metadata: unknown;
  contacted_by_id?: string | null;
}

const HIDDEN = "[hidden]";

/**
 * Whether a viewer may see who the customer is: name, phone, e-mail, street address and the
 * free text they wrote. Admins always. A contractor only while they hold the lead's open
 * response window (their bid won the turn, the window has started and not yet ended at `now`)
 * or once they won it by answering (they contacted the customer). Everyone else — bidders who
 * lost or are still waiting for their rank, one whose window ran out, contractors who were only
 * offered the lead — sees the job (category, ZIP, what is needed) but not the person: a
 * marketplace lead is the platform's until contacted, and a customer who asked for a quote
 * agreed to be called by one contractor at a time, not to have their home address handed to
 * every bidder.
 */
export function maySeeCustomer(
  viewer: LeadViewer,
  lead: { contacted_by_id?: string | null },
  bid: ViewerBid | undefined,
  now: Date,
): boolean {
  if (viewer.kind === "admin") return true;
  if (lead.contacted_by_id && lead.contacted_by_id === viewer.contractorId) return true;
  if (!bid || bid.contractor_id !== viewer.contractorId) return false;
  if (bid.responded_at && bid.response_window_starts_at) return true; // answered inside their window
  return windowRunning(bid, now);
}

/**
 * The lead as a viewer may see it: unchanged for those `maySeeCustomer` lets in; for everyone
 * else the first name only, no e-mail or phone, and every other personal detail gone — the
 * street address and other personal keys of `metadata` removed, and e-mail addresses, phone
 * numbers and street addresses masked in the title, the description and what is left of the
 * metadata (customers write "call me on 602…, I'm at 218 E Portland St" into free text).
 */
export function leadForViewer<T extends LeadPersonalFields>(
  lead: T,
  viewer: LeadViewer,
  bid: ViewerBid | undefined,
  now: Date,
): T {
  if (maySeeCustomer(viewer, lead, bid, now)) return lead;
  return {
    ...lead,
    title: maskPersonalText(lead.title),
    description: maskPersonalText(lead.description),
    customer_name: lead.customer_name.trim().split(/\s+/)[0] ?? "",
    customer_email: null,
    customer_phone: null,
    metadata: scrubMetadata(lead.metadata),
  };
}

/** Metadata keys that name or locate a person (compared without case, `_`, `-` or spaces). */
const PERSONAL_KEY =
  /^(?:.*(?:address|addr|street|phone|mobile|mail|name|contact|birth|dob|ssn|latitude|longitude|geo|gps|coords?|location|apartment|suite))$|^(?:ip|ipaddr|apt|unit|lat|lng|lon|line\d|tel|cell|fax|house(?:number|no)?)$/;

function personalKey(key: string): boolean {
  return PERSONAL_KEY.test(key.toLowerCase().replace(/[\s_-]+/g, ""));
}

/**
 * Metadata without its personal keys (at any depth) and with personal details masked in the
 * string values that remain; other values (numbers, flags, a form id) stay as they were.
 */
export function scrubMetadata(value: unknown, depth = 0): unknown {
  if (depth > 20) return null;
  if (typeof value === "string") return maskPersonalText(value);
  if (Array.isArray(value)) return value.map((v) => scrubMetadata(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!personalKey(k)) out[k] = scrubMetadata(v, depth + 1);
    return out;
  }
  return value;
}

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi;
/** "218 E Portland St", "1520 N. 26th Street", "9033 North 7th Avenue, Apt 4". */
const STREET =
  /\b\d{1,6}(?:[- ]?[A-Z])?\s+(?:(?:[NSEW]|North|South|East|West|NE|NW|SE|SW)\.?\s+)?(?:[A-Z0-9][\w'.-]*\s+){0,4}?(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Loop|Alley|Plaza|Square|Vej|Gade|Allé)\b\.?(?:,?\s+(?:Apt|Apartment|Unit|Suite|Ste|#)\.?\s*[\w-]+)?/gi;

/** Any other run of 7–15 digits written as a phone number is (not an ISO date). */
const DIGIT_RUN = /\+?\(?\d(?:[ .()-]{0,2}\d){6,14}/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Free text with e-mail addresses, phone numbers (libphonenumber's finder, US numbering by
 * default, international ones with +; then any other phone-like run of 7+ digits) and street
 * addresses replaced by "[hidden]".
 */
export function maskPersonalText(text: string): string {
  if (!text) return text;
  let out = text.replace(EMAIL, HIDDEN);
  const phones = findPhoneNumbersInText(out, "US");
  for (const m of [...phones].reverse()) out = `${out.slice(0, m.startsAt)}${HIDDEN}${out.slice(m.endsAt)}`;
  out = out.replace(DIGIT_RUN, (m) => (ISO_DATE.test(m) ? m : HIDDEN));
  return out.replace(STREET, HIDDEN);
}

/**
 * A lead's street address as a person would write it ("218 E Portland St, Phoenix"), from the
 * metadata lead sources fill in (`address` or `street`, plus `city`), or null when there is none.
 */
export function leadAddress(metadata: unknown): string | null {
  if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) return null;
  const m = metadata as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null);
  const street = str(m.address) ?? str(m.street) ?? str(m.street_address) ?? str(m.address_line1);
  if (!street) return null;
  const city = str(m.city);
  return city && !street.includes(city) ? `${street}, ${city}` : street;
}
