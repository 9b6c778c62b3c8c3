/**
 * Fuzzy matching of a typed name against customer names (the chat's "/card Anna", "called Ana").
 * Pure: strings in, scores out. Scores are tiers, not probabilities, so "which one did they
 * mean" is decided by the best tier: a full-name match beats a first-name match beats a prefix,
 * a substring, then a one-letter typo.
 */

/** Lower case, accents off (Søren → soren, Ærø → aero), anything but letters and digits a space. */
export function normaliseName(value: string): string {
  return value
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/æ/g, "ae")
    .replace(/ø/g, "o")
    .replace(/å/g, "a")
    .replace(/ß/g, "ss")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The match tiers; a name below MIN_NAME_SCORE is not a match. */
export const NAME_SCORE = {
  exact: 100,
  word: 90,
  words: 80,
  prefix: 70,
  substring: 60,
  typo: 50,
} as const;
const MIN_NAME_SCORE = NAME_SCORE.typo;

/**
 * Edit distance with adjacent swaps counting as one edit (optimal string alignment: "Jensne" is
 * one typo from "Jensen"), giving up (returning max + 1) once it exceeds `max`.
 */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      const swapped = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1];
      if (swapped) v = Math.min(v, (before[j - 2] as number) + 1);
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length] as number;
}

/** How many typos a word of this length may carry and still match (none under 4 letters). */
function typosAllowed(length: number): number {
  return length >= 8 ? 2 : length >= 4 ? 1 : 0;
}

/**
 * How well `query` names `name` (0 = not at all): the whole name (100), one of its words — a
 * first or last name (90), every typed word starting a word of the name in order ("ann j", 80),
 * the start of a word of 3+ letters (70), part of the name (60), a word or the whole name with
 * a typo or two for longer words (50).
 */
export function nameScore(query: string, name: string): number {
  const q = normaliseName(query);
  const n = normaliseName(name);
  if (!q || !n) return 0;
  if (q === n) return NAME_SCORE.exact;
  const words = n.split(" ");
  const typed = q.split(" ");
  if (typed.length === 1 && words.includes(q)) return NAME_SCORE.word;
  if (typed.length > 1 && inOrderPrefixes(typed, words)) return NAME_SCORE.words;
  if (typed.length === 1 && q.length >= 3 && words.some((w) => w.startsWith(q))) return NAME_SCORE.prefix;
  if (q.length >= 3 && n.includes(q)) return NAME_SCORE.substring;
  const allowed = typosAllowed(q.length);
  if (allowed > 0) {
    if (editDistance(q, n, allowed) <= allowed) return NAME_SCORE.typo;
    if (typed.length === 1 && words.some((w) => editDistance(q, w, allowed) <= allowed)) return NAME_SCORE.typo;
  }
  return 0;
}

/** Each typed word starts a word of the name, in order (words may be skipped). */
function inOrderPrefixes(typed: readonly string[], words: readonly string[]): boolean {
  let at = 0;
  for (const t of typed) {
    while (at < words.length && !(words[at] as string).startsWith(t)) at++;
    if (at === words.length) return false;
    at++;
  }
  return true;
}

/**
 * The best matches of `query` among `candidates`: everyone in the best tier reached (so "Anna"
 * with Anna Jensen and Anna Berg returns both, and "Anna Jensen" only her), most recently
 * active first as given. Empty when nobody reaches MIN_NAME_SCORE.
 */
export function bestNameMatches<T extends { name: string }>(query: string, candidates: readonly T[]): T[] {
  let best = 0;
  const scored: Array<{ c: T; s: number }> = [];
  for (const c of candidates) {
    const s = nameScore(query, c.name);
    if (s < MIN_NAME_SCORE) continue;
    scored.push({ c, s });
    if (s > best) best = s;
  }
  return scored.filter((x) => x.s === best).map((x) => x.c);
}
