import type { z } from "zod";
import { fail, ok, type Result } from "./errors.js";

/** Validate untrusted input; a failure lists each field and what is wrong with it. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>> {
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
