/**
 * The eval's assertions on a feature's parsed output: language, length, no personal data, no
 * invented numbers (every number in the text must appear in the prompt that was sent).
 */

export interface CheckResult {
  name: string;
  pass: boolean;
  detail?: string;
}

const DANISH = /\b(hej|tak|og|du|dig|vi|er|det|har|med|til|for|jeres|din|dit|hvordan|gerne)\b|[æøå]/i;
const ENGLISH = /\b(the|and|you|your|we|is|for|with|thank|thanks|hi|hello|how)\b/i;

/** Does `text` read as `language` (en or da; others are not checked)? */
export function looksLike(language: string, text: string): boolean {
  if (language === "da") return DANISH.test(text);
  if (language === "en") return ENGLISH.test(text) && !/[æøå]/i.test(text);
  return true;
}

const PII = [
  /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/i,
  /\+?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}\b/,
  /\b\d{1,6}\s+(?:[NSEW]\.?\s+)?[A-Z][a-z]+\s+(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Dr|Lane|Ln|Way)\b/,
];

/** Numbers written in `text` (1, 4.5, 189.00, 31.2) as normalised strings. */
export function numbersIn(text: string): string[] {
  return [...text.matchAll(/\d+(?:[.,]\d+)?/g)].map((m) => String(Number(m[0].replace(",", "."))));
}

/** The standard checks of one answer text against the prompt that produced it. */
export function standardChecks(input: {
  text: string;
  language?: string;
  maxChars: number;
  prompt: string;
}): CheckResult[] {
  const known = new Set(numbersIn(input.prompt));
  const invented = numbersIn(input.text).filter((n) => !known.has(n));
  const pii = PII.find((re) => re.test(input.text));
  return [
    ...(input.language
      ? [{ name: "language", pass: looksLike(input.language, input.text), detail: input.language }]
      : []),
    {
      name: "length",
      pass: input.text.length > 0 && input.text.length <= input.maxChars,
      detail: `${input.text.length}`,
    },
    { name: "no_pii", pass: !pii, detail: pii ? `matches ${pii}` : undefined },
    { name: "no_invented_numbers", pass: invented.length === 0, detail: invented.join(", ") || undefined },
  ];
}
