import { createHmac, timingSafeEqual } from "node:crypto";

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

interface FieldData {
  name: string;
  values: string[];
}

/** The lead parts of a Meta lead-ads webhook (`entry[].changes[].value`). */
export interface CapiLeadValue {
  leadgen_id?: string;
  form_id?: string;
  page_id?: string;
  created_time?: number;
  field_data?: FieldData[];
  category?: string;
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
