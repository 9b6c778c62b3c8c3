/**
 * Form plumbing for the templates and segments areas: read a urlencoded body, rebuild the
 * sequence steps editor's rows (`steps.0.delay`, `steps.0.text`…), apply an editor operation
 * (add, remove, move a step) and turn core's validation details into per-field messages.
 */
import { MAX_STEPS } from "../../core/nurturing/template.js";

/** A urlencoded form as formbody parses it. */
export type FormBody = Record<string, string | string[] | undefined>;

/** The form body of a request (an empty object for anything else). */
export function formOf(body: unknown): FormBody {
  return body && typeof body === "object" && !Array.isArray(body) ? (body as FormBody) : {};
}

/** One field as a string (the last value when repeated, "" when absent). */
export function field(body: FormBody, key: string): string {
  const v = body[key];
  return Array.isArray(v) ? (v[v.length - 1] ?? "") : (v ?? "");
}

/** A step as the editor shows it: every field a string, as typed. */
export interface StepRow {
  delay: string;
  channel: string;
  text: string;
  subject: string;
  link_url: string;
}

const STEP_FIELDS = ["delay", "channel", "text", "subject", "link_url"] as const;

/** The editor's rows from the form (`steps.<i>.<field>`), in index order, at most MAX_STEPS + 1. */
export function stepRowsOf(body: FormBody): StepRow[] {
  const indexes = new Set<number>();
  for (const key of Object.keys(body)) {
    const m = /^steps\.(\d{1,2})\.(delay|channel|text|subject|link_url)$/.exec(key);
    if (m) indexes.add(Number(m[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .slice(0, MAX_STEPS + 1)
    .map((i) => {
      const row = {} as StepRow;
      for (const f of STEP_FIELDS) row[f] = field(body, `steps.${i}.${f}`);
      return row;
    });
}

/** Rows from stored steps (JSON), for the edit page. */
export function stepRowsFromJson(steps: unknown): StepRow[] {
  const list = Array.isArray(steps) ? steps : [];
  return list.map((s) => {
    const o = (s ?? {}) as Record<string, unknown>;
    const row = {} as StepRow;
    for (const f of STEP_FIELDS) row[f] = typeof o[f] === "string" ? (o[f] as string) : "";
    return row;
  });
}

/** The steps to validate and store: optional fields only when filled in. */
export function stepsOf(rows: readonly StepRow[]): Array<Record<string, string>> {
  return rows.map((r) => ({
    delay: r.delay,
    channel: r.channel,
    text: r.text,
    ...(r.subject.trim() ? { subject: r.subject } : {}),
    ...(r.link_url.trim() ? { link_url: r.link_url.trim() } : {}),
  }));
}

/** A new, empty step: a day later, by SMS. */
export function blankStep(): StepRow {
  return { delay: "1d", channel: "sms", text: "", subject: "", link_url: "" };
}

/**
 * Apply an editor operation: `add`, `remove:<i>`, `up:<i>`, `down:<i>`. Returns the new rows,
 * or null when `op` is not an editor operation (it is a save).
 */
export function applyStepOp(rows: readonly StepRow[], op: string): StepRow[] | null {
  const out = [...rows];
  if (op === "add") {
    if (out.length < MAX_STEPS) out.push(blankStep());
    return out;
  }
  const m = /^(remove|up|down):(\d{1,2})$/.exec(op);
  if (!m) return null;
  const i = Number(m[2]);
  if (i >= out.length) return out;
  if (m[1] === "remove") out.splice(i, 1);
  const j = m[1] === "up" ? i - 1 : m[1] === "down" ? i + 1 : -1;
  if (j >= 0 && j < out.length) [out[i], out[j]] = [out[j] as StepRow, out[i] as StepRow];
  return out;
}

/** Validation details (`{ field, message }`) as one message per form field, first one wins. */
export function errorsByField(details: unknown, fallback: string): Record<string, string> {
  const out: Record<string, string> = {};
  const list = Array.isArray(details) ? (details as Array<{ field?: string | null; message?: string }>) : [];
  for (const d of list) {
    const key = d.field || "form";
    if (d.message && !(key in out)) out[key] = d.message;
  }
  if (Object.keys(out).length === 0) out.form = fallback;
  return out;
}

/** One row of a templates list (the same partial renders it after an activate/deactivate). */
interface TemplateRow {
  kind: "sequences" | "messages" | "prompts";
  id: string;
  name: string;
  detail: string;
  active: boolean;
}

/** A sequence template's list row. */
export function sequenceRow(t: { id: string; name: string; trigger_type: string; steps: unknown; is_active: boolean }) {
  const n = Array.isArray(t.steps) ? t.steps.length : 0;
  const detail = `${t.trigger_type} · ${n} step${n === 1 ? "" : "s"}`;
  return { kind: "sequences", id: t.id, name: t.name, detail, active: t.is_active } satisfies TemplateRow;
}

/** A message template's list row. */
export function messageRow(t: {
  id: string;
  name: string;
  key: string;
  language: string;
  channel: string | null;
  is_active: boolean;
}) {
  const detail = `${t.key} · ${t.language} · ${t.channel ?? "any channel"}`;
  return { kind: "messages", id: t.id, name: t.name, detail, active: t.is_active } satisfies TemplateRow;
}

/** A prompt version's list row. */
export function promptRow(t: {
  id: string;
  name: string;
  key: string;
  version: number;
  model: string | null;
  is_active: boolean;
}) {
  const detail = `${t.key} · v${t.version}${t.model ? ` · ${t.model}` : ""}`;
  return { kind: "prompts", id: t.id, name: t.name, detail, active: t.is_active } satisfies TemplateRow;
}
