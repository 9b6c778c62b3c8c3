/**
 * The default prompt templates (seeded into `prompt_templates` as version 1 of each key; the
 * panel's edits make new versions and the active one runs). Each names the placeholders its
 * caller in core/ai fills — a later version may use fewer, never others — and the output schema
 * (core/ai/schemas.ts) its answer is validated against.
 *
 * Design (docs/ai.md): fixed instructions first (providers cache identical prompt starts), then
 * the data. Values are masked before rendering; customer-written placeholders (marked
 * `untrusted`) arrive fenced as untrusted data, and core/ai appends the safety rules to every
 * system prompt, so an edit in the panel cannot drop them.
 */
import type { FeatureKey } from "../core/ai/schemas.js";

export interface DefaultPrompt {
  key: FeatureKey;
  name: string;
  system: string;
  user: string;
  /** Placeholders the caller fills; `untrusted` ones hold customer-written text (fenced). */
  variables: string[];
  untrusted: string[];
  /** The schema in core/ai/schemas.ts (FEATURE_SCHEMAS[key]). */
  outputSchema: FeatureKey;
}

export const DEFAULT_PROMPTS: readonly DefaultPrompt[] = [
  {
    key: "timeline_summary",
    name: "Timeline summary",
    system:
      'You summarise a home-services customer\'s history for the contractor who owns them. Be factual and brief: a 2-4 sentence summary and up to 5 highlights, newest first. Use only amounts and dates that appear in the input. Write in {{owner_language}}. JSON: {"summary","highlights":[…]}.',
    user: "Customer: {{customer_name}}\nStatus: {{status}}\nTimeline (newest first):\n{{timeline}}\nJobs and payments:\n{{jobs}}\nCustomer's own words:\n{{messages}}",
    variables: ["owner_language", "customer_name", "status", "timeline", "jobs", "messages"],
    untrusted: ["messages"],
    outputSchema: "timeline_summary",
  },
  {
    key: "followup_suggestions",
    name: "Follow-up suggestions",
    system:
      'You are a sales coach for contractors. Suggest 1-3 concrete next follow-ups, each with a channel, when, and a short message draft the contractor can send. Use the customer\'s preferred channel and write the message in the customer\'s language ({{language}}). JSON: {"suggestions":[{"channel","when","message"}]}.',
    user: "Customer: {{customer_name}} (prefers {{preferred_contact_method}}, language {{language}})\nStage: {{status}}\nLast contact: {{last_contacted_at}}\nWhat the rules say to do next: {{next_actions}}\nOpen deals: {{deals}}\nRecent interactions:\n{{interactions}}\nCustomer's own words:\n{{messages}}",
    variables: [
      "customer_name",
      "preferred_contact_method",
      "language",
      "status",
      "last_contacted_at",
      "next_actions",
      "deals",
      "interactions",
      "messages",
    ],
    untrusted: ["messages"],
    outputSchema: "followup_suggestions",
  },
  {
    key: "generate_greeting",
    name: "Greeting / occasion message",
    system:
      'You write warm, short greetings (max 60 words) from a local contractor to a customer. No sales pitch. Write in the customer\'s language ({{language}}). JSON: {"message"}.',
    user: "Customer first name: {{first_name}}\nOccasion: {{occasion}} ({{occasion_detail}})\nContractor: {{company_name}}",
    variables: ["language", "first_name", "occasion", "occasion_detail", "company_name"],
    untrusted: [],
    outputSchema: "generate_greeting",
  },
  {
    key: "analyze_sentiment",
    name: "Sentiment analysis",
    system:
      'Classify the customer\'s overall sentiment from their messages and reviews. JSON: {"sentiment":"positive|neutral|negative","score":-1..1,"reasons":[…]} with at most 3 short reasons in English.',
    user: "Customer: {{customer_name}}\nReview ratings (1-5): {{ratings}}\nMessages and review comments:\n{{messages}}",
    variables: ["customer_name", "ratings", "messages"],
    untrusted: ["messages"],
    outputSchema: "analyze_sentiment",
  },
  {
    key: "profitability_analysis",
    name: "Profitability analysis",
    system:
      'You explain a customer\'s profitability to a contractor in 2-4 sentences plus up to 3 drivers. Use ONLY the numbers given (already computed, in USD); never compute or invent new figures. JSON: {"narrative","drivers":[…]}.',
    user: "Customer: {{customer_name}}\nRevenue: {{payments_total}} over {{payments_count}} payments\nCosts: {{expenses_total}} over {{expenses_count}} expenses\nProfit: {{profit}} (margin {{margin_percent}}%)\nJobs:\n{{jobs}}",
    variables: [
      "customer_name",
      "payments_total",
      "payments_count",
      "expenses_total",
      "expenses_count",
      "profit",
      "margin_percent",
      "jobs",
    ],
    untrusted: [],
    outputSchema: "profitability_analysis",
  },
  {
    key: "predict_maintenance",
    name: "Predictive maintenance",
    system:
      'You are an HVAC and water-heater technician explaining an equipment health report to a homeowner\'s contractor. The numbers come from a documented survival model: explain them in 2-4 plain sentences and recommend one action. Use ONLY the numbers given; never estimate new ones. JSON: {"narrative","recommended_action"}.',
    user: "Appliance: {{type}} {{brand}} {{model_number}}, location {{location}}\nInstalled: {{install_date}}; last service: {{last_service_date}}\nHealth score: {{health_score}}/100; failure probability next 12 months: {{fail_probability_percent}}%; biological age: {{bio_age_years}} years; verdict: {{verdict}}\nMaintenance due: {{maintenance_due_at}}\nConditions: {{conditions}}",
    variables: [
      "type",
      "brand",
      "model_number",
      "location",
      "install_date",
      "last_service_date",
      "health_score",
      "fail_probability_percent",
      "bio_age_years",
      "verdict",
      "maintenance_due_at",
      "conditions",
    ],
    untrusted: [],
    outputSchema: "predict_maintenance",
  },
  {
    key: "match_technician",
    name: "Technician matching",
    system:
      'Technicians for a job have been ranked by rules (skills, ratings, the customer\'s preference, current load). For each technician give one short reason for their place, using only the facts listed. JSON: {"reasons":[{"technician_id","reason"}]}.',
    user: "Job: {{job_title}}\nNeeded skills: {{skills}}\nCustomer preference: {{preferred_technician}}\nRanked technicians:\n{{technicians}}",
    variables: ["job_title", "skills", "preferred_technician", "technicians"],
    untrusted: [],
    outputSchema: "match_technician",
  },
  {
    key: "generate_survey",
    name: "Post-service survey",
    system:
      'You write a short post-service satisfaction question that can be answered by replying to a text message with a number from 1 to 5 and a few words. Keep it under 320 characters. Write in the customer\'s language ({{language}}). JSON: {"message"}.',
    user: "Customer first name: {{first_name}}\nJob: {{job_title}} by {{technician_name}} on {{completion_date}}\nContractor: {{company_name}}",
    variables: ["language", "first_name", "job_title", "technician_name", "completion_date", "company_name"],
    untrusted: [],
    outputSchema: "generate_survey",
  },
  {
    key: "nba",
    name: "Next best action",
    system:
      'You coach a contractor or a network marketer (Frazer Brookes\' Talk → Invite → Show → Keep talking method). The rules have decided WHAT to do next; rewrite HOW each action is said: a short, friendly ready-to-send message per action, in the contact\'s language ({{language}}). Keep the same actions, in the same order. JSON: {"actions":[{"action","message"}]}.',
    user: "Contact: {{customer_name}}\nStage: {{pipeline_status}}\nActions decided by the rules:\n{{actions}}",
    variables: ["language", "customer_name", "pipeline_status", "actions"],
    untrusted: [],
    outputSchema: "nba",
  },
  {
    key: "reply_draft",
    name: "Reply draft (chat)",
    system:
      "You draft a short reply (max 80 words) from a local contractor or marketer to their customer's latest message, for the owner to approve and send. Be friendly and concrete; answer what was asked, apologise and offer a call when the customer is unhappy; never promise prices, dates or discounts that are not in the input. Write in the customer's language ({{language}}). JSON: {\"message\"}.",
    user: "Customer: {{customer_name}} (stage {{status}}, sentiment by rules: {{sentiment}})\nOwner: {{owner_name}}\nRecent conversation (newest first):\n{{conversation}}\nThe message to answer:\n{{message}}",
    variables: ["language", "customer_name", "status", "sentiment", "owner_name", "conversation", "message"],
    untrusted: ["conversation", "message"],
    outputSchema: "reply_draft",
  },
  {
    key: "coaching",
    name: "Daily method coaching",
    system:
      "You coach a network marketer on Frazer Brookes' daily method of operation (Talk → Invite → Show → Keep talking). The rules have chosen the tips from today's counters; rephrase each as one short, encouraging, concrete sentence (max 30 words), keeping every number exactly as given and adding none. Write in {{language}}. JSON: {\"tips\":[…]}.",
    user: "Marketer: {{name}}\nToday's counters: {{counters}}\nTips decided by the rules:\n{{tips}}",
    variables: ["language", "name", "counters", "tips"],
    untrusted: [],
    outputSchema: "coaching",
  },
];
