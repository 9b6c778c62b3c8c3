import { z } from "zod";
import { fail, ok, type Result } from "./errors.js";
import { findUnsafeText } from "./text-safety.js";

/**
 * Validate untrusted input; a failure lists each field and what is wrong with it. Strings
 * PostgreSQL cannot store (NUL, lone surrogates) and JSON nested too deep are refused first,
 * whatever the schema says (core/text-safety.ts), so no caller can forget them.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>> {
  const unsafe = findUnsafeText(input);
  if (unsafe) {
    return fail("VALIDATION_FAILED", `${unsafe.field ? `${unsafe.field}: ` : ""}${unsafe.message}`, [
      { field: unsafe.field, message: unsafe.message },
    ]);
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const details = parsed.error.issues.map((i) => ({ field: i.path.join(".") || null, message: i.message }));
  const first = details[0];
  return fail(
    "VALIDATION_FAILED",
    first ? `${first.field ? `${first.field}: ` : ""}${first.message}` : "invalid input",
    details,
  );
}

/** The years a date given to us may fall in: PostgreSQL refuses year 0 (22008) and no real date is outside. */
export const DATE_YEARS = { min: 1900, max: 2200 } as const;

/**
 * An ISO 8601 date-time with an offset (`2026-05-01T09:00:00Z`), its year within DATE_YEARS.
 * Every date an API, webhook or form accepts uses this one schema, so none can reach the
 * database as year 0000 or 99999.
 */
export function isoDateTime() {
  return z.iso.datetime({ offset: true }).refine(
    (v) => {
      const year = new Date(v).getUTCFullYear();
      return year >= DATE_YEARS.min && year <= DATE_YEARS.max;
    },
    { message: `must be a date between the years ${DATE_YEARS.min} and ${DATE_YEARS.max}` },
  );
}
