/**
 * A message template rendered with sample data for the panel's live preview: the subject and
 * body as a customer (or contractor, for chat notices) would read them, the e-mail HTML, and
 * the problems that would stop it from being saved. Pure apart from the configured public URL.
 */
import type { CoreDeps } from "../context.js";
import { ALL_PLACEHOLDERS, checkTemplate, renderHtml, renderText } from "../messaging/templates.js";
import { sampleVars } from "./template.service.js";

/** Sample values of the chat-notice placeholders (offer, window, …). */
const NOTICE_SAMPLES = {
  category: "AC repair",
  zip: "85004",
  title: "AC not cooling, 2-storey house",
  base_cost: "$45.00",
  your_price: "$40.50",
  minutes_left: "12",
  customer_name: "Alex Rivera",
  customer_phone: "+16025550123",
  window_minutes: "15",
} as const;

/** What the preview shows. */
export interface MessagePreview {
  subject: string | null;
  text: string;
  /** The e-mail body as HTML (escaped), for e-mail templates. */
  html: string | null;
  /** Problems per field (`body`, `subject`). */
  errors: Array<{ field: string; message: string }>;
}

/** Render a message template being edited with sample values for every allowed placeholder. */
export function previewMessage(
  deps: CoreDeps,
  input: { subject?: string | null; body: string; channel?: string | null },
): MessagePreview {
  const vars = { ...sampleVars(deps, {}), ...NOTICE_SAMPLES };
  const errors: MessagePreview["errors"] = [];
  if (input.body.trim() === "") errors.push({ field: "body", message: "body must not be empty" });
  for (const e of checkTemplate(input.body, ALL_PLACEHOLDERS)) errors.push({ field: "body", message: e.message });
  const subject = input.subject?.trim() ? input.subject : null;
  if (subject)
    for (const e of checkTemplate(subject, ALL_PLACEHOLDERS)) errors.push({ field: "subject", message: e.message });
  return {
    subject: subject ? renderText(subject, vars, ALL_PLACEHOLDERS).text : null,
    text: renderText(input.body, vars, ALL_PLACEHOLDERS).text,
    html: input.channel === "email" ? renderHtml(input.body, vars, ALL_PLACEHOLDERS).text : null,
    errors,
  };
}
