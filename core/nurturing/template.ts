/**
 * The shape of a sequence template: 1–20 steps, each a delay after the previous step, a
 * channel and a text with `{{placeholders}}` (an e-mail step may carry a subject, any step a
 * `link_url` that `{{link}}` points to through a tracked link). Validation errors name the
 * step ("step 3: delay …") so the panel can show them next to it.
 */
import ms from "ms";
import { z } from "zod";
import { fail, ok, type Result } from "../errors.js";
import { checkTemplate } from "../messaging/templates.js";

/** Step channels: four ways to reach the customer, and a reminder to the contractor to call. */
export const STEP_CHANNELS = ["sms", "email", "whatsapp", "telegram", "call_reminder"] as const;

/** Most steps a template may have. */
export const MAX_STEPS = 20;
const MAX_DELAY_MS = 365 * 24 * 3_600_000;

/** "2d", "4h", "0m", "90s", "1w" → milliseconds; null unless a unit is given and the value is 0–365 days. */
export function parseDelay(raw: string): number | null {
  const s = raw.trim();
  if (!/^\d+(\.\d+)?\s*[a-z]+$/i.test(s)) return null;
  const value = ms(s as ms.StringValue);
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= MAX_DELAY_MS ? value : null;
}

const placeholderCheck = (text: string | undefined, field: string, ctx: z.RefinementCtx) => {
  if (text === undefined) return;
  for (const e of checkTemplate(text)) ctx.addIssue({ code: "custom", path: [field], message: e.message });
};

/** One step as stored in `sequence_templates.steps`. */
const stepSchema = z
  .object({
    delay: z
      .string()
      .trim()
      .refine((d) => parseDelay(d) !== null, { message: 'delay must look like "0m", "4h" or "2d" (at most 365d)' }),
    channel: z.enum(STEP_CHANNELS, { message: `channel must be one of ${STEP_CHANNELS.join(", ")}` }),
    text: z.string().trim().min(1, "text must not be empty").max(2000, "text must be at most 2000 characters"),
    subject: z
      .string()
      .trim()
      .min(1, "subject must not be empty")
      .max(200, "subject must be at most 200 characters")
      .optional(),
    link_url: z
      .url({ protocol: /^https?$/, message: "link_url must be an http(s) URL" })
      .max(2000)
      .optional(),
  })
  .strict()
  .superRefine((step, ctx) => {
    placeholderCheck(step.text, "text", ctx);
    placeholderCheck(step.subject, "subject", ctx);
  });

export type TemplateStep = z.output<typeof stepSchema>;

/** A template's steps: 1 to MAX_STEPS of them. */
const stepsSchema = z
  .array(stepSchema)
  .min(1, "a template needs at least one step")
  .max(MAX_STEPS, `a template has at most ${MAX_STEPS} steps`);

/** A sequence template as created from the panel or the API. */
const sequenceTemplateInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    trigger_type: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_:.-]{1,50}$/, "trigger_type is a word such as replacement, stale_estimate or VIDEO_SENT"),
    description: z.string().trim().max(1000).nullable().optional(),
    steps: stepsSchema,
    is_active: z.boolean().optional(),
    owner_id: z.string().nullable().optional(),
  })
  .strict();

export type SequenceTemplateInput = z.output<typeof sequenceTemplateInputSchema>;
/** A template edit: any subset of the fields (the owner never changes). */
const sequenceTemplateUpdateSchema = sequenceTemplateInputSchema.omit({ owner_id: true }).partial();
export type SequenceTemplateUpdate = z.output<typeof sequenceTemplateUpdateSchema>;

/** Turn zod issues into field details and one message; issues inside `steps` name the step (1-based). */
function describe(issues: z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []) {
  const details = issues.map((i) => {
    const path = [...prefix, ...i.path];
    const at = path.indexOf("steps");
    const index = at >= 0 ? path[at + 1] : typeof path[0] === "number" ? path[0] : undefined;
    const step = typeof index === "number" ? index + 1 : null;
    const where = step !== null ? `step ${step}` : path.join(".") || null;
    return { field: path.join(".") || null, step, message: where ? `${where}: ${i.message}` : i.message };
  });
  return { message: details[0]?.message ?? "invalid input", details };
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix: PropertyKey[] = []): Result<z.output<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const { message, details } = describe(parsed.error.issues, prefix);
  return fail("VALIDATION_FAILED", message, details);
}

/** Validate a list of steps (e.g. stored JSON); errors read "step 2 delay: …". */
export function parseSteps(input: unknown): Result<TemplateStep[]> {
  return parseWith(stepsSchema, input, ["steps"]);
}

/** Validate a new template. */
export function parseTemplateInput(input: unknown): Result<SequenceTemplateInput> {
  return parseWith(sequenceTemplateInputSchema, input);
}

/** Validate a template update (every field optional). */
export function parseTemplateUpdate(input: unknown): Result<SequenceTemplateUpdate> {
  return parseWith(sequenceTemplateUpdateSchema, input);
}

/** A step's delay in milliseconds (steps are validated, so this never fails). */
export function delayMsOf(step: Pick<TemplateStep, "delay">): number {
  return parseDelay(step.delay) ?? 0;
}
