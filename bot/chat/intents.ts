/**
 * Plain text that reads as a CRM instruction rather than words for a customer: "called Anna,
 * sending the video", "met Bo", "note Anna: likes mornings", "remind me tomorrow 9:00 to call
 * Anna", "next stage Anna", "pause Anna". The grammar is strict on purpose — a verb we know at
 * the very start — because anything else a contractor types may be an answer to a customer
 * (features/index.ts explains the precedence). English and Danish verbs; input vocabulary, not
 * text the chat shows.
 */
import { parseWhen, type When } from "./when.js";

export type InteractionKind = "call" | "meeting" | "email" | "sms" | "note";
export type NurtureOp = "pause" | "resume" | "stop";

/** A way to read the words after the verb: `name` to look up, `after` what follows it. */
export interface NameGuess {
  name: string;
  after: string;
}

export type Intent =
  | { kind: "log"; type: InteractionKind; guesses: NameGuess[] }
  | { kind: "stage"; guesses: NameGuess[] }
  | { kind: "nurture"; op: NurtureOp; guesses: NameGuess[] }
  | { kind: "remind"; when: When | null };

const LOG_VERBS: ReadonlyArray<readonly [string, InteractionKind]> = [
  ...["called", "phoned", "rang", "spoke to", "spoke with", "talked to", "talked with"].map(
    (v) => [v, "call"] as const,
  ),
  ...["ringede til", "ringede", "talte med", "snakkede med"].map((v) => [v, "call"] as const),
  ...["met with", "met", "meeting with", "visited", "mødte", "møde med", "besøgte"].map((v) => [v, "meeting"] as const),
  ...["emailed", "e-mailed", "mailed", "mailede til", "mailede"].map((v) => [v, "email"] as const),
  ...["texted", "sms'ed", "smsed", "messaged", "sms'ede", "smsede", "sendte sms til"].map((v) => [v, "sms"] as const),
  ...["note", "noted", "notat"].map((v) => [v, "note"] as const),
];
const STAGE_VERBS = ["next stage for", "next stage", "advance", "næste trin for", "næste trin", "næste fase"];
const NURTURE_VERBS: ReadonlyArray<[string, NurtureOp]> = [
  ["pause", "pause"],
  ["sæt på pause", "pause"],
  ["resume", "resume"],
  ["unpause", "resume"],
  ["genoptag", "resume"],
  ["stop", "stop"],
];
const NURTURE_NOUN = /^(?:the\s+)?(?:nurturing|sequence|follow-?ups?|opfølgning(?:en)?)\s+(?:for|of|til|på|med)\s+/i;
const REMIND = /^(?:remind me|påmind mig|mind mig om|mind mig)(?=\s|$)/i;
/** Where a name ends: punctuation, or a joining word ("about the quote", "og aftalte…"). */
const NAME_END = /[,:;.!?()[\]"“”–—]|\s-\s|\s(?:about|re|regarding|and|to|for|om|og|angående|vedr)\s/i;
const MAX_NAME_WORDS = 4;
/** Words that start "called you back" or "met them" — never a customer's name. */
const NOT_A_NAME =
  /^(?:you|him|her|them|back|the|a|an|me|us|it|everyone|everybody|someone|somebody|nobody|again|today|yesterday|earlier|dig|ham|hende|dem|tilbage|jer|os|igen|i)$/i;

/** The verb at the start of `text` (longest first, whole words only) and what follows it. */
function leading(text: string, verbs: readonly string[]): { verb: string; rest: string } | null {
  const lower = text.toLowerCase();
  for (const verb of [...verbs].sort((a, b) => b.length - a.length)) {
    if (!lower.startsWith(verb)) continue;
    const next = text.charAt(verb.length);
    if (next === "" || /[\s:,]/.test(next)) return { verb, rest: text.slice(verb.length).replace(/^[\s:,]+/, "") };
  }
  return null;
}

/**
 * The names the words after a verb could be, longest first: "Anna Jensen, sending the video" →
 * "Anna Jensen" then "Anna", each with what follows it. Possessives are dropped ("Anna's").
 */
export function nameGuesses(rest: string): NameGuess[] {
  const cut = NAME_END.exec(` ${rest} `);
  const head = (cut ? ` ${rest} `.slice(0, cut.index) : rest).trim();
  const words = head.split(/\s+/).filter(Boolean).slice(0, MAX_NAME_WORDS);
  if (words.length === 0 || NOT_A_NAME.test(words[0] as string)) return [];
  const ends: number[] = [];
  let pos = 0;
  for (const word of words) {
    pos = rest.indexOf(word, pos) + word.length;
    ends.push(pos);
  }
  const guesses: NameGuess[] = [];
  for (let n = words.length; n >= 1; n--) {
    const name = words
      .slice(0, n)
      .map((w) => w.replace(/['’]s$/i, "").replace(/s['’]$/i, "s"))
      .join(" ");
    const after = rest
      .slice(ends[n - 1])
      .replace(/^[\s,:;.!–—-]+/, "")
      .trim();
    if (name.length > 0) guesses.push({ name, after });
  }
  return guesses;
}

/** "remind me …": the time at the start of the rest, or at its end ("to call Anna tomorrow 9:00"). */
function remindWhen(rest: string, now: Date, tz: string): When | null {
  const front = parseWhen(rest, now, tz);
  if (front) return front;
  const words = rest.split(/\s+/).filter(Boolean);
  for (let i = 1; i < words.length; i++) {
    const tail = parseWhen(words.slice(i).join(" "), now, tz);
    if (tail && tail.rest === "") {
      const message = words
        .slice(0, i)
        .join(" ")
        .replace(/^(?:to|om at|at)\s+/i, "");
      return { at: tail.at, rest: message };
    }
  }
  return null;
}

/** What a plain text asks for, or null when it is not an instruction we know. */
export function parseIntent(text: string, now: Date, tz: string): Intent | null {
  const s = text.trim();
  const remind = REMIND.exec(s);
  if (remind) return { kind: "remind", when: remindWhen(s.slice(remind[0].length).trim(), now, tz) };
  const log = leading(
    s,
    LOG_VERBS.map(([v]) => v),
  );
  if (log?.rest) {
    const type = LOG_VERBS.find(([v]) => v === log.verb)?.[1] ?? "note";
    const guesses = nameGuesses(log.rest);
    return guesses.length > 0 ? { kind: "log", type, guesses } : null;
  }
  const stage = leading(s, STAGE_VERBS);
  if (stage?.rest) {
    const guesses = nameGuesses(stage.rest);
    return guesses.length > 0 ? { kind: "stage", guesses } : null;
  }
  const nurture = leading(
    s,
    NURTURE_VERBS.map(([v]) => v),
  );
  if (nurture?.rest) {
    const op = NURTURE_VERBS.find(([v]) => v === nurture.verb)?.[1] ?? "pause";
    const rest = nurture.rest.replace(NURTURE_NOUN, "").replace(/\s+(?:nurturing|sequence|opfølgning(?:en)?)$/i, "");
    const guesses = nameGuesses(rest);
    return guesses.length > 0 ? { kind: "nurture", op, guesses } : null;
  }
  return null;
}

/** Who a reminder is about: the name after "call", "email", "follow up with"… in its text, if any. */
const SUBJECT =
  /(?:^|\s)(?:call|phone|ring|email|e-mail|mail|text|sms|meet|visit|see|follow up with|follow up on|check on|check in with|ringe til|ring til|skriv til|skrive til|mød|møde|besøg|besøge|følg op på|følge op på)\s+(.+)$/i;

export function reminderSubject(note: string): NameGuess[] {
  const m = SUBJECT.exec(note);
  return m?.[1] ? nameGuesses(m[1]) : [];
}

/**
 * A tap under a lead offer: bid `multiplier`, or ask to type one ("custom"). Core sends the
 * offered multipliers as facts; the chat app draws the choices and reads them back here, so
 * the choice data (`bid:<leadId>:<multiplier|custom>`) is written and parsed in one file.
 */
export interface BidIntent {
  action: "bid";
  leadId: string;
  multiplier: number | "custom";
}

const BID_CHOICE = "bid:";

/** The choice data of a bid button. */
export function bidChoice(leadId: string, multiplier: number | "custom"): string {
  return `${BID_CHOICE}${leadId}:${multiplier}`;
}

/** True when a choice is a bid button's (however malformed: the feature answers "unknown button"). */
export function isBidChoice(data: string | undefined): boolean {
  return data?.startsWith(BID_CHOICE) === true;
}

/**
 * A bid button's choice read back: "1.2", "1,2", "x1.2", "×1.2" are 1.2; `custom` asks for a
 * number. Null when the data is not a bid choice or its value is no number (range and
 * decimals are core's rule, checked by placeBid).
 */
export function parseBidChoice(data: string): BidIntent | null {
  if (!isBidChoice(data)) return null;
  const [leadId = "", value = ""] = data.slice(BID_CHOICE.length).split(":");
  if (value === "custom") return { action: "bid", leadId, multiplier: "custom" };
  const multiplier = parseMultiplier(value);
  return multiplier === null ? null : { action: "bid", leadId, multiplier };
}

/** "1.3", "1,3", "x1.3", "×1.3" → 1.3; anything else → null. Range and decimals are core's rule. */
export function parseMultiplier(raw: string): number | null {
  const s = raw
    .trim()
    .replace(/^[x×*]\s*/i, "")
    .replace(/\s*[x×]$/i, "")
    .replace(",", ".");
  return /^\d{1,3}(\.\d+)?$|^\.\d+$/.test(s) ? Number(s) : null;
}
