/**
 * The answer schema of each LLM feature. Strict-mode structured outputs: every field is
 * required, so an optional one is `.nullable()`; no unions at the root, no defaults. Lengths are
 * bounded so a rambling model fails validation (one retry, then rules).
 */
import { z } from "zod";

export const CHANNELS = ["whatsapp", "telegram", "sms", "email", "call"] as const;

export const timelineSummarySchema = z.object({
  summary: z.string().min(1).max(1200),
  highlights: z.array(z.string().max(300)).max(6),
});

export const followupSuggestionsSchema = z.object({
  suggestions: z
    .array(
      z.object({
        channel: z.enum(CHANNELS),
        when: z.string().max(100),
        message: z.string().min(1).max(700),
      }),
    )
    .min(1)
    .max(3),
});

export const greetingSchema = z.object({ message: z.string().min(1).max(600) });

export const sentimentSchema = z.object({
  sentiment: z.enum(["positive", "neutral", "negative"]),
  score: z.number().min(-1).max(1),
  reasons: z.array(z.string().max(300)).max(5),
});

export const profitabilitySchema = z.object({
  narrative: z.string().min(1).max(1200),
  drivers: z.array(z.string().max(300)).max(5),
});

export const maintenanceSchema = z.object({
  narrative: z.string().min(1).max(1200),
  recommended_action: z.string().max(300).nullable(),
});

export const technicianMatchSchema = z.object({
  reasons: z.array(z.object({ technician_id: z.string(), reason: z.string().max(400) })).max(20),
});

export const surveySchema = z.object({ message: z.string().min(1).max(480) });

export const nbaPhrasingSchema = z.object({
  actions: z.array(z.object({ action: z.string(), message: z.string().max(500) })).max(5),
});

/** A reply to a customer's message, drafted for the owner to approve. */
export const replyDraftSchema = z.object({ message: z.string().min(1).max(700) });

/** Coaching for the marketer's daily method: the rules' tips, phrased. */
export const coachingSchema = z.object({ tips: z.array(z.string().min(1).max(300)).min(1).max(4) });

/** Every feature's schema by prompt key (the schema-lint test walks this). */
export const FEATURE_SCHEMAS = {
  timeline_summary: timelineSummarySchema,
  followup_suggestions: followupSuggestionsSchema,
  generate_greeting: greetingSchema,
  analyze_sentiment: sentimentSchema,
  profitability_analysis: profitabilitySchema,
  predict_maintenance: maintenanceSchema,
  match_technician: technicianMatchSchema,
  generate_survey: surveySchema,
  nba: nbaPhrasingSchema,
  reply_draft: replyDraftSchema,
  coaching: coachingSchema,
} as const;

export type FeatureKey = keyof typeof FEATURE_SCHEMAS;
