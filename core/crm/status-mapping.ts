/**
 * The canonical Frazer pipeline (seed 003) and its bidirectional mapping to the other pipeline
 * vocabularies. Pure data plus three lookups: the API accepts any vocabulary and stores the
 * canonical status; views show a status in the vocabulary of their pipeline.
 *
 * Many-to-one choices (the only places a round trip is lossy), decided here:
 * - Recruiting & Sales is ordered New → Qualified → Booked → Held, so a booked prospect is
 *   already qualified: **Booked → qualified** (not invited, which would move them backwards).
 * - **No-Show → qualified** (both vocabularies): the prospect agreed to look but has not seen
 *   the presentation; the next step is to rebook, not to follow up on something unseen.
 * - **Held → presentation_sent**: the meeting was the "Show"; Frazer's **Video Sent** is the
 *   same step by video.
 * - **Won, Joined → signed_up** (recruiting) and **Signed-up, Team → signed_up** (Frazer): the
 *   canonical pipeline ends at one "yes", customer or team member.
 * - **Lost → null**: an outcome, not a step of the canonical pipeline (a lost deal is closed
 *   on its Kanban card; the person keeps their canonical status).
 * Shown the other way, a status with no term of its own takes the column it sits in:
 * relationship and invited are still "New" in Recruiting & Sales, follow_up is "Held"; in
 * Frazer's terms a qualified prospect is still "Invited", and a bare lead has no term (null).
 * prisma/seed/crm.ts sets `deal_stages.canonical_status` per stage and should agree with this.
 */
import type { CanonicalStatus } from "../../prisma/generated/client.js";

/** The canonical pipeline, in order. */
export const CANONICAL_STATUSES = [
  "lead",
  "relationship",
  "invited",
  "qualified",
  "presentation_sent",
  "follow_up",
  "signed_up",
] as const satisfies readonly CanonicalStatus[];

/** The vocabularies a pipeline status may be written in. */
export const VOCABULARIES = ["canonical", "recruiting", "frazer"] as const;
export type Vocabulary = (typeof VOCABULARIES)[number];

/** Each vocabulary's terms → the canonical status they mean (null: not a pipeline step). */
const TO_CANONICAL: Readonly<Record<Vocabulary, Readonly<Record<string, CanonicalStatus | null>>>> = {
  canonical: {
    Lead: "lead",
    Relationship: "relationship",
    Invited: "invited",
    Qualified: "qualified",
    "Presentation Sent": "presentation_sent",
    "Follow-up": "follow_up",
    "Signed-up": "signed_up",
  },
  recruiting: {
    New: "lead",
    Qualified: "qualified",
    Booked: "qualified",
    "No-Show": "qualified",
    Held: "presentation_sent",
    Won: "signed_up",
    Joined: "signed_up",
    Lost: null,
  },
  frazer: {
    Relationship: "relationship",
    Invited: "invited",
    "No-Show": "qualified",
    "Video Sent": "presentation_sent",
    "Follow-up": "follow_up",
    "Signed-up": "signed_up",
    Team: "signed_up",
  },
};

/** The term (column) each canonical status is shown as, per vocabulary. */
const FROM_CANONICAL: Readonly<Record<Vocabulary, Readonly<Record<CanonicalStatus, string | null>>>> = {
  canonical: {
    lead: "Lead",
    relationship: "Relationship",
    invited: "Invited",
    qualified: "Qualified",
    presentation_sent: "Presentation Sent",
    follow_up: "Follow-up",
    signed_up: "Signed-up",
  },
  recruiting: {
    lead: "New",
    relationship: "New",
    invited: "New",
    qualified: "Qualified",
    presentation_sent: "Held",
    follow_up: "Held",
    signed_up: "Won",
  },
  frazer: {
    lead: null,
    relationship: "Relationship",
    invited: "Invited",
    qualified: "Invited",
    presentation_sent: "Video Sent",
    follow_up: "Follow-up",
    signed_up: "Signed-up",
  },
};

/** Lower-case letters and digits only: "No‑Show", "no_show", "NOSHOW" and "no show" are one key. */
function termKey(value: string): string {
  return value
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

type Lookup = ReadonlyMap<string, CanonicalStatus | null>;

function buildLookup(terms: Readonly<Record<string, CanonicalStatus | null>>): Map<string, CanonicalStatus | null> {
  const map = new Map<string, CanonicalStatus | null>();
  for (const [term, status] of Object.entries(terms)) map.set(termKey(term), status);
  return map;
}

const BY_VOCABULARY: Readonly<Record<Vocabulary, Lookup>> = {
  canonical: new Map([
    ...buildLookup(TO_CANONICAL.canonical),
    ...CANONICAL_STATUSES.map((s) => [termKey(s), s] as const),
  ]),
  recruiting: buildLookup(TO_CANONICAL.recruiting),
  frazer: buildLookup(TO_CANONICAL.frazer),
};

/** Every vocabulary at once; a term shared by two vocabularies must mean the same status. */
const ANY: Lookup = (() => {
  const all = new Map<string, CanonicalStatus | null>();
  for (const v of VOCABULARIES) {
    for (const [key, status] of BY_VOCABULARY[v]) {
      if (all.has(key) && all.get(key) !== status)
        throw new Error(`status term "${key}" is ambiguous across vocabularies`);
      all.set(key, status);
    }
  }
  return all;
})();

/** Parse a vocabulary name ("Recruiting & Sales", "frazer", "canonical"); null when unknown. */
export function parseVocabulary(value: string): Vocabulary | null {
  const key = termKey(value);
  if (key === "canonical" || key === "internal") return "canonical";
  if (key.startsWith("recruiting") || key === "sales") return "recruiting";
  if (key === "frazer" || key === "frazerbrookes") return "frazer";
  return null;
}

/**
 * The canonical status a pipeline term means, in any vocabulary, casing or dash style
 * ("Booked", "video-sent", "SIGNED‑UP", "presentation_sent"). With a vocabulary its own terms
 * win; any other known term is still understood. Null for unknown terms and for "Lost" (an
 * outcome, not a step).
 */
export function toCanonical(value: string, vocabulary?: Vocabulary): CanonicalStatus | null {
  const key = termKey(value);
  if (vocabulary) {
    const own = BY_VOCABULARY[vocabulary];
    if (own.has(key)) return own.get(key) ?? null;
  }
  return ANY.get(key) ?? null;
}

/**
 * The term a canonical status is shown as in a vocabulary (the Kanban column it sits in).
 * Null when the vocabulary has no column for it (a bare lead in Frazer's terms).
 */
export function fromCanonical(status: CanonicalStatus, vocabulary: Vocabulary): string | null {
  return FROM_CANONICAL[vocabulary][status];
}

/** The terms of a vocabulary and what they mean, for documentation and pickers. */
export function vocabularyTerms(
  vocabulary: Vocabulary,
): ReadonlyArray<{ term: string; status: CanonicalStatus | null }> {
  return Object.entries(TO_CANONICAL[vocabulary]).map(([term, status]) => ({ term, status }));
}

/** Position in the canonical pipeline (0 = lead); moves by events only ever go forward. */
export function statusRank(status: CanonicalStatus): number {
  return CANONICAL_STATUSES.indexOf(status);
}

/**
 * The next canonical status, or null at signed_up (the end of the pipeline). With a vocabulary
 * the move respects its columns: the next status that shows in a different column, so
 * "next stage" on a Recruiting & Sales board goes New → Qualified → Held → Won, never to an
 * invisible step.
 */
export function nextStage(status: CanonicalStatus, vocabulary?: Vocabulary): CanonicalStatus | null {
  const here = vocabulary ? fromCanonical(status, vocabulary) : null;
  for (const candidate of CANONICAL_STATUSES.slice(statusRank(status) + 1)) {
    if (!vocabulary) return candidate;
    const label = fromCanonical(candidate, vocabulary);
    if (label !== null && label !== here) return candidate;
  }
  return null;
}
