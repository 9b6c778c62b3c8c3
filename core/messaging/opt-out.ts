/** The usual carrier opt-out words (DESIGN.md), plus Danish AFMELD. They work on every channel. */
const OPT_OUT_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "AFMELD"] as const;
/** Words that opt a customer back in. */
const OPT_IN_WORDS = ["START", "UNSTOP"] as const;

/**
 * Whether a customer's message is an opt-out or opt-in keyword. Only a message that is the word
 * alone counts (case, spaces and trailing punctuation ignored): "stop!" opts out, "please stop
 * calling at 7am" is a reply for the contractor to read.
 */
export function optOutIntent(text: string | null | undefined): "out" | "in" | null {
  const word = (text ?? "")
    .trim()
    .replace(/[\s.!?]+$/u, "")
    .toUpperCase();
  if ((OPT_OUT_WORDS as readonly string[]).includes(word)) return "out";
  if ((OPT_IN_WORDS as readonly string[]).includes(word)) return "in";
  return null;
}
