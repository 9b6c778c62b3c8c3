/**
 * Text and JSON that PostgreSQL can store. PostgreSQL refuses NUL (U+0000) in `text` (22021) and
 * in `jsonb` (22P05), refuses lone UTF-16 surrogates inside `jsonb` (22P02), and Prisma's JSON
 * serializer overflows the stack on very deep nesting. We REFUSE such input at the boundary
 * (400 naming the field) rather than strip it: stripping would silently change what a person or
 * a signed webhook sent (and could make two different names collide), while a refusal is
 * visible and the sender can fix it. See docs/security.md, "Input at the boundary".
 */

/** How deep a JSON value may nest (the body itself is level 1). Real payloads use under 10. */
export const MAX_JSON_DEPTH = 32;

/** What is wrong with one value, and where (`field` is a dotted path, e.g. `metadata.utm.0`). */
export interface UnsafeText {
  field: string | null;
  problem: "nul" | "surrogate" | "depth";
  message: string;
}

const MESSAGES: Record<UnsafeText["problem"], string> = {
  nul: "contains a NUL character (\\u0000), which cannot be stored",
  surrogate: "contains an unpaired UTF-16 surrogate (invalid Unicode)",
  depth: `is nested deeper than ${MAX_JSON_DEPTH} levels`,
};

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string has a NUL or an unpaired surrogate (what `String#isWellFormed` checks, ES2024). */
export function unsafeStringProblem(s: string): "nul" | "surrogate" | null {
  if (s.includes("\u0000")) return "nul";
  return LONE_SURROGATE.test(s) ? "surrogate" : null;
}

/**
 * A record parsers make: `{}`, `Object.create(null)`, or an object whose prototype has no
 * prototype (fast-querystring's and find-my-way's query and params objects).
 */
function isPlainRecord(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/**
 * Find the first string (key or value) in a parsed JSON/form value that PostgreSQL cannot store,
 * or the first place nested deeper than `maxDepth`. Iterative (an explicit stack), so a 10,000-deep
 * document is refused instead of overflowing the stack. Only plain objects and arrays are walked:
 * numbers, booleans, Dates and Buffers are left alone.
 */
export function findUnsafeText(value: unknown, maxDepth = MAX_JSON_DEPTH): UnsafeText | null {
  const stack: Array<{ v: unknown; path: string[] }> = [{ v: value, path: [] }];
  const problem = (p: UnsafeText["problem"], path: string[]): UnsafeText => ({
    field: path.length ? path.join(".") : null,
    problem: p,
    message: MESSAGES[p],
  });
  while (stack.length > 0) {
    const { v, path } = stack.pop() as { v: unknown; path: string[] };
    if (typeof v === "string") {
      const p = unsafeStringProblem(v);
      if (p) return problem(p, path);
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    const isArray = Array.isArray(v);
    if (!isArray && !isPlainRecord(v)) continue;
    if (path.length >= maxDepth) return problem("depth", path);
    if (isArray) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, String(i)] });
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      const keyProblem = unsafeStringProblem(k);
      if (keyProblem) return problem(keyProblem, path);
      stack.push({ v: child, path: [...path, k] });
    }
  }
  return null;
}
