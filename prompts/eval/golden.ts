/**
 * The eval set: golden inputs per feature (a scene in a real database), the call that runs the
 * feature, which text of its answer to check and how. The same set runs against the fake server
 * in `npm test` (with well-behaved scripted answers) and against a real endpoint with `npm run eval`.
 */
import {
  followupSuggestions,
  generateGreeting,
  profitabilityAnalysis,
  timelineSummary,
} from "../../core/ai/customer-ai.service.js";
import { generateSurvey, matchTechnician, predictMaintenance } from "../../core/ai/service-ai.service.js";
import type { CoreDeps } from "../../core/context.js";

const admin = { kind: "admin" } as const;

/** The ids a scene provides (see tests/ai/ai-support.ts makeScene). */
export interface SceneIds {
  customerId: string;
  applianceId: string;
  jobId: string;
  techId: string;
}

export interface GoldenCase {
  feature: string;
  run: (deps: CoreDeps, s: SceneIds) => Promise<unknown>;
  /** The texts of the answer to check (drafts, narratives). */
  texts: (value: Record<string, unknown>) => string[];
  language?: string;
  maxChars: number;
  /** A well-behaved answer for the fake server. */
  fakeAnswer: (s: SceneIds) => unknown;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

export const GOLDEN: readonly GoldenCase[] = [
  {
    feature: "timeline_summary",
    run: (d, s) => timelineSummary(d, admin, s.customerId),
    texts: (v) => [str(v.summary), ...((v.highlights as string[]) ?? [])],
    maxChars: 1200,
    fakeAnswer: () => ({
      summary: "Rosa had an AC tune-up that was paid in full.",
      highlights: ["AC tune-up completed"],
    }),
  },
  {
    feature: "followup_suggestions",
    run: (d, s) => followupSuggestions(d, admin, s.customerId),
    texts: (v) => ((v.suggestions as Array<{ message: string }>) ?? []).map((x) => x.message),
    language: "da",
    maxChars: 700,
    fakeAnswer: () => ({
      suggestions: [
        { channel: "whatsapp", when: "i morgen", message: "Hej Rosa, virker anlægget stadig fint efter besøget?" },
      ],
    }),
  },
  {
    feature: "generate_greeting",
    run: (d, s) => generateGreeting(d, admin, s.customerId),
    texts: (v) => [str(v.message)],
    language: "da",
    maxChars: 600,
    fakeAnswer: () => ({ message: "Hej Rosa, tak fordi vi måtte komme forbi. Skriv endelig, hvis der er noget!" }),
  },
  {
    feature: "profitability_analysis",
    run: (d, s) => profitabilityAnalysis(d, admin, s.customerId),
    texts: (v) => [str(v.narrative), ...((v.drivers as string[]) ?? [])],
    maxChars: 1200,
    fakeAnswer: () => ({
      narrative: "Rosa paid 189.00 against 40.00 of costs, a profit of 149.00.",
      drivers: ["one job"],
    }),
  },
  {
    feature: "predict_maintenance",
    run: (d, s) => predictMaintenance(d, admin, s.applianceId),
    texts: (v) => [str(v.narrative), str(v.recommended_action)],
    maxChars: 1200,
    fakeAnswer: () => ({
      narrative: "The Rheem water heater scores 41/100 with a 31.2% chance of failing within 12 months.",
      recommended_action: "Offer a replacement quote",
    }),
  },
  {
    feature: "match_technician",
    run: (d, s) => matchTechnician(d, admin, { job_id: s.jobId }),
    texts: (v) => ((v.ranking as Array<{ reason: string }>) ?? []).map((r) => r.reason),
    maxChars: 400,
    fakeAnswer: (s) => ({
      reasons: [{ technician_id: s.techId, reason: "The customer's preferred technician, with HVAC skills." }],
    }),
  },
  {
    feature: "generate_survey",
    run: (d, s) => generateSurvey(d, admin, s.jobId),
    texts: (v) => [str(v.message)],
    language: "da",
    maxChars: 320,
    fakeAnswer: () => ({
      message: "Hej Rosa, hvordan gik AC-eftersynet? Svar med et tal fra 1 til 5 og gerne et par ord.",
    }),
  },
];
