import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Result } from "../errors.js";
import { validate } from "../validation.js";

/**
 * Verify Meta's `X-Hub-Signature-256: sha256=<hex>` — an HMAC-SHA256 of the raw request body
 * with the app secret — in constant time.
 */
export function verifyHubSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header ?? "");
  if (!m?.[1]) return false;
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  const given = Buffer.from(m[1], "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const idLike = z.union([z.string().max(100), z.number().int().nonnegative().transform(String)]);

/** The lead parts of a Meta lead-ads webhook (`entry[].changes[].value`); unknown keys are ignored. */
const capiLeadValueSchema = z.object({
  leadgen_id: idLike.optional(),
  form_id: idLike.optional(),
  page_id: idLike.optional(),
  created_time: z.number().int().nonnegative().max(1e13).optional(),
  field_data: z
    .array(z.object({ name: z.string().max(200), values: z.array(z.string().max(5000)).max(50) }))
    .max(200)
    .optional(),
  category: z.string().max(100).optional(),
});

export type CapiLeadValue = z.output<typeof capiLeadValueSchema>;

/**
 * A Meta webhook body: `{ object, entry: [{ changes: [{ field, value }] }] }`. Only `leadgen`
 * changes are ours; their `value` is checked, other fields' values are ignored. A body of any
 * other shape (not an object, `entry` not an array…) is refused with VALIDATION_FAILED.
 */
const capiPayloadSchema = z.object({
  object: z.string().max(100).optional(),
  entry: z
    .array(
      z.object({
        changes: z
          .array(z.object({ field: z.string().max(100), value: z.unknown() }))
          .max(100)
          .optional(),
      }),
    )
    .max(100),
});

/**
 * Parse a signed Meta webhook body into its leadgen values (maybe none), refusing any malformed
 * payload with VALIDATION_FAILED and the failing field — Meta sends well-formed bodies, so a
 * bad one is a client bug to show, never a crash.
 */
export function parseCapiPayload(body: unknown): Result<CapiLeadValue[]> {
  const payload = validate(capiPayloadSchema, body);
  if (!payload.ok) return payload;
  const raw = payload.value.entry.flatMap((e) => e.changes ?? []).filter((c) => c.field === "leadgen");
  return validate(
    z.array(capiLeadValueSchema),
    raw.map((c) => c.value),
  );
}

/**
 * Map one Meta lead (with its `field_data`, as the Graph API returns it) onto LeadRelay's lead
 * input. Field names follow Meta's standard questions (full_name, email, phone_number,
 * zip_code/post_code) plus `service`/`category` and `description` custom questions.
 */
export function capiLeadToInput(value: CapiLeadValue, defaults: { category?: string }): Record<string, unknown> {
  const field = (...names: string[]) => {
    for (const n of names) {
      const f = value.field_data?.find((x) => x.name.toLowerCase() === n);
      if (f?.values[0]) return f.values[0];
    }
    return undefined;
  };
  const category = field("service", "category") ?? value.category ?? defaults.category;
  const name = field("full_name") ?? [field("first_name"), field("last_name")].filter(Boolean).join(" ");
  return {
    category,
    title: `${category ?? "Service"} request via Facebook lead ad`,
    description: field("description", "details", "message") ?? "",
    customer_name: name,
    customer_email: field("email"),
    customer_phone: field("phone_number", "phone"),
    customer_zip_code: field("zip_code", "post_code", "zip") ?? "",
    lead_source: "facebook_leads",
    external_id: value.leadgen_id,
    metadata: { form_id: value.form_id, page_id: value.page_id, created_time: value.created_time },
  };
}
