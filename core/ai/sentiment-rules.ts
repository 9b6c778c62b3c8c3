/**
 * Sentiment from rules (no model needed): a small English and Danish lexicon with negation
 * ("not happy", "ikke tilfreds", "virker ikke") and intensifiers ("very", "meget"). Pure. It is the
 * answer of `analyze-sentiment` when no model answers, and what flags a negative inbound message
 * for the owner's nudge — deterministic, so one message nudges the same way every time.
 */

export type SentimentLabel = "positive" | "neutral" | "negative";

/** A sentiment judgement: label, score in [-1, 1] and the words that decided it. */
export interface SentimentResult {
  sentiment: SentimentLabel;
  score: number;
  reasons: string[];
}

/** A score at or past these is called positive or negative; in between is neutral. */
export const POSITIVE_AT = 0.2;
export const NEGATIVE_AT = -0.2;

const POSITIVE: Record<string, number> = {
  // English
  thanks: 1,
  thank: 1,
  great: 1,
  perfect: 1,
  excellent: 1,
  happy: 1,
  love: 1,
  awesome: 1,
  good: 0.7,
  nice: 0.7,
  satisfied: 1,
  recommend: 1,
  wonderful: 1,
  fantastic: 1,
  amazing: 1,
  helpful: 1,
  pleased: 1,
  appreciate: 1,
  professional: 0.7,
  friendly: 0.7,
  quick: 0.5,
  fast: 0.5,
  // Danish
  tak: 1,
  tusind: 0.3,
  god: 0.7,
  godt: 0.7,
  gode: 0.7,
  super: 1,
  perfekt: 1,
  fantastisk: 1,
  glad: 1,
  glade: 1,
  tilfreds: 1,
  dejlig: 1,
  dejligt: 1,
  fint: 0.7,
  flot: 0.7,
  flott: 0.7,
  hurtig: 0.5,
  hurtigt: 0.5,
  anbefale: 1,
  anbefaler: 1,
  venlig: 0.7,
  venlige: 0.7,
  professionel: 0.7,
};

const NEGATIVE: Record<string, number> = {
  // English
  angry: 1,
  terrible: 1,
  awful: 1,
  bad: 0.8,
  worst: 1,
  disappointed: 1,
  disappointing: 1,
  unhappy: 1,
  broken: 0.8,
  leaking: 0.7,
  leak: 0.6,
  late: 0.6,
  rude: 1,
  problem: 0.6,
  problems: 0.6,
  issue: 0.4,
  complaint: 1,
  complain: 1,
  refund: 0.8,
  frustrated: 1,
  frustrating: 1,
  annoyed: 1,
  horrible: 1,
  useless: 1,
  waste: 0.8,
  wrong: 0.6,
  poor: 0.8,
  upset: 1,
  unacceptable: 1,
  ridiculous: 1,
  failed: 0.7,
  dirty: 0.7,
  overcharged: 1,
  scam: 1,
  ignored: 1,
  // Danish
  dårlig: 0.8,
  dårligt: 0.8,
  dårlige: 0.8,
  utilfreds: 1,
  skuffet: 1,
  skuffede: 1,
  skuffende: 1,
  sur: 0.8,
  vred: 1,
  elendig: 1,
  elendigt: 1,
  forfærdelig: 1,
  forfærdeligt: 1,
  frygtelig: 1,
  frygteligt: 1,
  problemer: 0.6,
  klage: 1,
  klager: 1,
  irriteret: 1,
  forsinket: 0.6,
  uacceptabelt: 1,
  uacceptabel: 1,
  ødelagt: 0.8,
  defekt: 0.8,
  fejl: 0.5,
  snyd: 1,
  uhøflig: 1,
  frustreret: 1,
};

const NEGATORS = new Set([
  "not",
  "no",
  "never",
  "dont",
  "doesnt",
  "didnt",
  "isnt",
  "wasnt",
  "wont",
  "cant",
  "cannot",
  "hardly",
  "without",
  "ikke",
  "ingen",
  "aldrig",
  "intet",
  "hverken",
  "uden",
]);
const INTENSIFIERS = new Set(["very", "really", "so", "extremely", "totally", "meget", "virkelig", "helt", "rigtig"]);
/**
 * "Works" says little alone ("the work", "it works") but "doesn't work" / "virker ikke" is a
 * complaint: these count only when negated — before them, or (Danish word order) right after.
 */
const FUNCTIONS = new Set(["work", "works", "working", "virker", "fungerer", "fungere"]);
/** The weight of a negated FUNCTIONS word ("it does not work"). */
const BROKEN_WEIGHT = 0.8;
/** How many words after a negator it still flips. */
const NEGATION_REACH = 3;

/** Lower-case words; apostrophes dropped so "don't" → "dont"; letters of any script kept. */
export function sentimentWords(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/['’]/g, "")
      .match(/[\p{L}]+/gu) ?? []
  );
}

/**
 * The sentiment of one text by the lexicon. Each sentiment word counts its weight (an
 * intensifier before it ×1.5); a negator within three words before it flips its sign — a flipped
 * praise counts in full, a flipped complaint at half ("not bad" is faint praise). "Works" and
 * "virker" count only negated ("doesn't work", "virker ikke": a complaint). Score =
 * sum / (hits + 1), clamped to [-1, 1].
 */
export function ruleSentiment(text: string): SentimentResult {
  const words = sentimentWords(text);
  let sum = 0;
  let hits = 0;
  const reasons: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const pos = POSITIVE[w];
    const neg = NEGATIVE[w];
    const fn = FUNCTIONS.has(w);
    if (pos === undefined && neg === undefined && !fn) continue;
    let negated = false;
    for (let j = Math.max(0, i - NEGATION_REACH); j < i; j++) if (NEGATORS.has(words[j] as string)) negated = true;
    if (fn && NEGATORS.has(words[i + 1] ?? "")) negated = true;
    if (fn && !negated) continue;
    const boost = INTENSIFIERS.has(words[i - 1] ?? "") ? 1.5 : 1;
    let value = fn ? -BROKEN_WEIGHT : pos !== undefined ? pos * boost : -(neg as number) * boost;
    if (negated && !fn) value = value > 0 ? -value : -value / 2;
    sum += value;
    hits += 1;
    if (reasons.length < 5) {
      const phrase = negated ? words.slice(Math.max(0, i - 2), i + 2).join(" ") : w;
      reasons.push(`${value > 0 ? "positive" : "negative"}: “${phrase}”`);
    }
  }
  const score = Math.max(-1, Math.min(1, Math.round((sum / (hits + 1)) * 100) / 100));
  return { sentiment: labelOf(score), score, reasons };
}

/** The label of a score. */
export function labelOf(score: number): SentimentLabel {
  return score >= POSITIVE_AT ? "positive" : score <= NEGATIVE_AT ? "negative" : "neutral";
}

/**
 * A customer's overall sentiment from their own words (newest first) and review ratings: the
 * texts' mean score, the newest weighted double (the latest mood matters most), blended half
 * and half with the ratings' mean mapped to [-1, 1] when there are ratings.
 */
export function customerSentiment(texts: readonly string[], ratings: readonly number[]): SentimentResult {
  const judged = texts.map(ruleSentiment);
  let weighted = 0;
  let weights = 0;
  judged.forEach((j, i) => {
    const wgt = i === 0 ? 2 : 1;
    weighted += j.score * wgt;
    weights += wgt;
  });
  const textScore = weights > 0 ? weighted / weights : 0;
  const reasons = judged.flatMap((j) => j.reasons).slice(0, 4);
  let score = textScore;
  if (ratings.length > 0) {
    const mean = ratings.reduce((a, b) => a + b, 0) / ratings.length;
    const ratingScore = (mean - 3) / 2;
    score = weights > 0 ? (textScore + ratingScore) / 2 : ratingScore;
    reasons.push(`review ratings average ${mean.toFixed(1)}/5`);
  }
  score = Math.max(-1, Math.min(1, Math.round(score * 100) / 100));
  return { sentiment: labelOf(score), score, reasons: reasons.slice(0, 5) };
}
