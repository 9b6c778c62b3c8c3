/**
 * Reading the service records contractors type in chat: "done 450 card Anna" (amount, how it was
 * paid, whose job) and "water heater Rheem XE50 2015" (an appliance). Pure: words in, parts out.
 */
import type { PaymentMethod } from "../../prisma/generated/client.js";
import { parseAmount } from "./amount.js";

/** How people name a payment method, in English and Danish. */
const METHOD_WORDS: Record<string, PaymentMethod> = {
  cash: "cash",
  kontant: "cash",
  kontanter: "cash",
  card: "card",
  credit: "card",
  debit: "card",
  kort: "card",
  dankort: "card",
  transfer: "transfer",
  bank: "transfer",
  wire: "transfer",
  overførsel: "transfer",
  bankoverførsel: "transfer",
  check: "check",
  cheque: "check",
  checks: "check",
  financing: "financing",
  finance: "financing",
  finansiering: "financing",
  other: "other",
  andet: "other",
};

/** Button codes of the payment methods (button data has to stay short). */
const METHOD_CODES: Record<PaymentMethod, string> = {
  cash: "ca",
  card: "cd",
  transfer: "tr",
  check: "ch",
  financing: "fi",
  other: "ot",
};

/** Small words people put around the parts ("450 paid by card for Anna"). */
const FILLER = new Set(["paid", "by", "with", "via", "in", "for", "from", "betalt", "med", "på", "til", "fra", "i"]);

/** A method as its short button code ("-" for none). */
export function methodCode(m: PaymentMethod | null): string {
  return m ? METHOD_CODES[m] : "-";
}

/** A button code back to its method (null for "-" or anything unknown). */
export function methodOfCode(code: string): PaymentMethod | null {
  const hit = Object.entries(METHOD_CODES).find(([, c]) => c === code);
  return hit ? (hit[0] as PaymentMethod) : null;
}

/** What "done …" says: the amount in cents, the method if named, and the customer's name (may be ""). */
export interface DoneWords {
  cents: number;
  method: PaymentMethod | null;
  name: string;
}

/**
 * "450 card Anna", "$1,250.50 paid by bank transfer Anna Berg", "9 500 cash", "450": the amount
 * first, then the method and the name in any of the usual wordings. `{ bad: word }` when the
 * first word is not an amount we accept (so the reply can quote it); null for no words at all.
 */
export function parseDoneWords(input: string): DoneWords | { bad: string } | null {
  const words = input.trim().split(/\s+/).filter(Boolean);
  const [first] = words;
  if (!first) return null;
  let used = 1;
  let cents = parseAmount(first);
  const second = words[1];
  if (second && /^\d{3}(?:[.,]\d{1,2})?$/.test(second)) {
    const grouped = parseAmount(`${first} ${second}`);
    if (grouped !== null) {
      cents = grouped;
      used = 2;
    }
  }
  if (cents === null) return { bad: first };
  let rest = words.slice(used);
  let method: PaymentMethod | null = null;
  while (rest[0] && FILLER.has(rest[0].toLowerCase())) rest = rest.slice(1);
  const word = rest[0]?.toLowerCase().replace(/[.,;:]$/, "");
  if (word && Object.hasOwn(METHOD_WORDS, word)) {
    method = METHOD_WORDS[word] ?? null;
    rest = rest.slice(1);
    if (word === "bank" && rest[0]?.toLowerCase() === "transfer") rest = rest.slice(1);
  }
  while (rest[0] && FILLER.has(rest[0].toLowerCase())) rest = rest.slice(1);
  return {
    cents,
    method,
    name: rest
      .join(" ")
      .replace(/^[,;:–—-]+\s*/, "")
      .trim(),
  };
}

/** Appliance types people write in more than one word, longest first. */
const TYPE_PHRASES = [
  "tankless water heater",
  "water heater",
  "water softener",
  "heat pump",
  "air conditioner",
  "mini split",
  "garbage disposal",
  "varmtvandsbeholder",
  "varmepumpe",
];

/** What "/appliance …" says of the appliance itself. */
export interface ApplianceWords {
  type: string;
  brand: string | null;
  model: string | null;
  installYear: number | null;
}

/**
 * "water heater Rheem XE50 2015" → type water_heater, brand Rheem, model XE50, installed 2015.
 * The type is a known phrase or the first word; then the brand, then the model; a four-digit
 * year (1900–2099) anywhere is the install year. Null when no type is left.
 */
export function parseApplianceWords(input: string): ApplianceWords | null {
  let words = input.trim().split(/\s+/).filter(Boolean);
  let installYear: number | null = null;
  const yearAt = words.findIndex((w) => /^(19|20)\d{2}$/.test(w));
  if (yearAt >= 0) {
    installYear = Number(words[yearAt]);
    words = words.filter((_, i) => i !== yearAt);
  }
  const lower = words.join(" ").toLowerCase();
  const phrase = TYPE_PHRASES.find((p) => lower === p || lower.startsWith(`${p} `));
  const typeWords = phrase ? phrase.split(" ").length : 1;
  const type = (phrase ?? words[0] ?? "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "_");
  if (!type) return null;
  const [brand, ...model] = words.slice(typeWords);
  return {
    type: type.slice(0, 100),
    brand: brand?.slice(0, 100) ?? null,
    model: model.join(" ").slice(0, 100) || null,
    installYear,
  };
}
