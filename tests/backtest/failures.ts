import { canonicalJson } from "../../core/crm/canonical-json.js";

/** Failures grouped by check, each with a count and the first few examples. */
export class Failures {
  readonly #by = new Map<string, { count: number; examples: string[] }>();

  add(check: string, example: string): void {
    const f = this.#by.get(check) ?? { count: 0, examples: [] };
    f.count++;
    if (f.examples.length < 5) f.examples.push(example);
    this.#by.set(check, f);
  }

  /** Record a failure unless `actual` deep-equals `expected`. */
  equal(check: string, actual: unknown, expected: unknown): void {
    if (canonicalJson(actual) !== canonicalJson(expected)) {
      this.add(check, `got ${canonicalJson(actual)}, expected ${canonicalJson(expected)}`);
    }
  }

  get ok(): boolean {
    return this.#by.size === 0;
  }

  lines(): string[] {
    return [...this.#by].map(([check, f]) => `${check}: ${f.count} × — ${f.examples.join(" | ")}`);
  }
}
