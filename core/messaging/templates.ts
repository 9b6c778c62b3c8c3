/**
 * `{{placeholder}}` rendering for customer messages (sequence steps, blasts, nurture e-mails).
 * Pure. Plain-text rendering for chat and SMS; HTML rendering for e-mail bodies escapes both the
 * template's own text and every value, so a customer's name can never inject markup.
 */

/** Placeholders a message to a customer may use (sequence steps, blasts, nurture e-mails). */
export const CUSTOMER_PLACEHOLDERS = [
  "first_name",
  "last_name",
  "name",
  "company",
  "company_name",
  "contractor_name",
  "contractor_phone",
  "link",
  "est_value",
  "asset_brand",
  "asset_age_years",
  "opportunity_type",
  "property_address",
  "property_city",
  "property_zip",
] as const;

/** Placeholders the platform's chat notices use (message templates such as `offer`). */
export const NOTICE_PLACEHOLDERS = [
  "category",
  "zip",
  "title",
  "base_cost",
  "your_price",
  "minutes_left",
  "customer_name",
  "customer_phone",
  "window_minutes",
] as const;

/** Every placeholder a message template may use. */
export const ALL_PLACEHOLDERS: readonly string[] = [...CUSTOMER_PLACEHOLDERS, ...NOTICE_PLACEHOLDERS];

/** What a placeholder shows when its value is missing, so "Hi ," never goes out. */
const FALLBACKS: Readonly<Record<string, string>> = { first_name: "there", name: "there", asset_brand: "system" };

/** Values to fill in; null/undefined/"" count as missing. */
export type TemplateVars = Readonly<Record<string, string | number | null | undefined>>;

/** One problem found in a template. */
export interface TemplateError {
  placeholder: string;
  message: string;
}

export interface Rendered {
  text: string;
  /** Placeholders that are not in the allowed list (left in the text as they were). */
  unknown: string[];
  /** Allowed placeholders without a value (rendered with their fallback or empty). */
  missing: string[];
}

const PLACEHOLDER = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi;

/** The placeholder names a text uses, in order of first use. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => (m[1] as string).toLowerCase()))];
}

/**
 * Check a template text: unknown placeholders and malformed braces (`{{first name}}`, an
 * unclosed `{{`) are errors, for the panel's preview and for validation before saving.
 */
export function checkTemplate(text: string, allowed: readonly string[] = CUSTOMER_PLACEHOLDERS): TemplateError[] {
  const errors: TemplateError[] = [];
  for (const name of placeholdersIn(text)) {
    if (!allowed.includes(name))
      errors.push({ placeholder: name, message: `unknown placeholder {{${name}}}; use one of ${allowed.join(", ")}` });
  }
  const leftover = text.replace(PLACEHOLDER, "");
  const bad = /\{\{[^}]*\}?\}?|\}\}/.exec(leftover);
  if (bad) errors.push({ placeholder: bad[0], message: `malformed placeholder "${bad[0]}"; write {{name}}` });
  return errors;
}

/** Escape text for an HTML element body or a double-quoted attribute. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function lookup(vars: TemplateVars, name: string): string | null {
  const v = vars[name];
  if (v === null || v === undefined) return null;
  const s = String(v);
  return s === "" ? null : s;
}

function renderWith(
  text: string,
  vars: TemplateVars,
  allowed: readonly string[],
  literal: (s: string) => string,
  value: (s: string) => string,
): Rendered {
  const unknown = new Set<string>();
  const missing = new Set<string>();
  let out = "";
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = (m[1] as string).toLowerCase();
    out += literal(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (!allowed.includes(name)) {
      unknown.add(name);
      out += literal(m[0]);
      continue;
    }
    const v = lookup(vars, name);
    if (v === null) missing.add(name);
    out += value(v ?? FALLBACKS[name] ?? "");
  }
  out += literal(text.slice(last));
  return { text: out, unknown: [...unknown], missing: [...missing] };
}

/** Render for chat, SMS and plain-text e-mail: values are inserted as they are. */
export function renderText(
  text: string,
  vars: TemplateVars,
  allowed: readonly string[] = CUSTOMER_PLACEHOLDERS,
): Rendered {
  return renderWith(
    text,
    vars,
    allowed,
    (s) => s,
    (s) => s,
  );
}

/**
 * Render an e-mail body as HTML: the template text and every value are escaped, line breaks
 * become `<br>`, and a value that is an http(s) URL becomes a link.
 */
export function renderHtml(
  text: string,
  vars: TemplateVars,
  allowed: readonly string[] = CUSTOMER_PLACEHOLDERS,
): Rendered {
  const literal = (s: string) => escapeHtml(s).replace(/\r?\n/g, "<br>\n");
  const value = (s: string) =>
    /^https?:\/\/\S+$/i.test(s) ? `<a href="${escapeHtml(s)}">${escapeHtml(s)}</a>` : literal(s);
  return renderWith(text, vars, allowed, literal, value);
}

/** The first word of a name ("Anna Jensen" → "Anna"), or null. */
export function firstNameOf(name: string | null | undefined): string | null {
  const first = name?.trim().split(/\s+/)[0];
  return first ? first : null;
}
