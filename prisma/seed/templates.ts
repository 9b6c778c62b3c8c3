/**
 * Platform templates: nurturing sequence templates (seed 000 plus the Frazer follow-ups),
 * chat/e-mail message templates in English and Danish, and the seed-004 LLM prompts.
 * Templates that already exist (same key/name, platform-owned) are left alone.
 */
import { DEFAULT_PROMPTS } from "../../prompts/default-prompts.js";
import type { Prisma } from "../generated/client.js";
import { count, demoId, type SeedContext } from "./kit.js";

/** One step of a sequence template: delay after the previous step, channel, text. */
export interface TemplateStep {
  delay: string;
  channel: "sms" | "email" | "whatsapp" | "telegram" | "call_reminder";
  text: string;
}

/** Sequence templates by name (`trigger_type` is the opportunity type or the Frazer event). */
export const SEQUENCE_TEMPLATES: Record<string, { trigger: string; description: string; steps: TemplateStep[] }> = {
  replacement_urgent: {
    trigger: "replacement",
    description: "Equipment at end of life: move fast, before it fails in the heat.",
    steps: [
      {
        delay: "0m",
        channel: "sms",
        text: "Hi {{first_name}}, it's {{company_name}}. Your {{asset_brand}} is {{asset_age_years}} years old and showing failure signs. See your options: {{link}}",
      },
      {
        delay: "1d",
        channel: "email",
        text: "Hi {{first_name}}, here is the replacement report for your {{asset_brand}}, with three options and financing: {{link}}",
      },
      {
        delay: "2d",
        channel: "call_reminder",
        text: "Call {{first_name}} about the {{asset_brand}} replacement report.",
      },
      {
        delay: "2d",
        channel: "sms",
        text: "Hi {{first_name}}, summer slots are filling up. Want us to hold an install date for you? {{link}}",
      },
      {
        delay: "3d",
        channel: "email",
        text: "Hi {{first_name}}, last note from us on the replacement. Reply any time and we'll pick it up: {{link}}",
      },
    ],
  },
  code_violation: {
    trigger: "code_violation",
    description: "A safety or code issue was found: explain it, then offer the fix.",
    steps: [
      {
        delay: "0m",
        channel: "sms",
        text: "Hi {{first_name}}, our tech found a code issue on your water heater (missing expansion tank). What it means: {{link}}",
      },
      {
        delay: "1d",
        channel: "email",
        text: "Hi {{first_name}}, the fix is usually a half-day job. Here is the quote and photos from the visit: {{link}}",
      },
      { delay: "3d", channel: "call_reminder", text: "Call {{first_name}} about the code fix quote." },
      {
        delay: "4d",
        channel: "sms",
        text: "Hi {{first_name}}, still want us to take care of the code fix? Book a time here: {{link}}",
      },
    ],
  },
  maintenance: {
    trigger: "maintenance",
    description: "Aging equipment that is still healthy: a tune-up keeps it that way.",
    steps: [
      {
        delay: "0m",
        channel: "email",
        text: "Hi {{first_name}}, your {{asset_brand}} is due for its tune-up before the summer. Book in one click: {{link}}",
      },
      {
        delay: "3d",
        channel: "sms",
        text: "Hi {{first_name}}, quick reminder about your tune-up. Pick a time: {{link}}",
      },
      {
        delay: "7d",
        channel: "email",
        text: "Hi {{first_name}}, members save 15% on tune-ups and skip the queue in July: {{link}}",
      },
    ],
  },
  stale_estimate: {
    trigger: "stale_estimate",
    description: "A quote sat in Sent for more than 3 days with no activity.",
    steps: [
      {
        delay: "0m",
        channel: "email",
        text: "Hi {{first_name}}, just checking in on the quote for your new AC. Any questions I can answer? {{link}}",
      },
      {
        delay: "3d",
        channel: "sms",
        text: "Hi {{first_name}}, happy to walk you through the quote on a quick call. Reply with a good time.",
      },
    ],
  },
  video_sent_follow_up: {
    trigger: "VIDEO_SENT",
    description: "Frazer: after Video Sent, ask for feedback at 24h and 48h.",
    steps: [
      {
        delay: "24h",
        channel: "whatsapp",
        text: "Hey {{first_name}}! Did you get a chance to watch the video? What did you like most? {{link}}",
      },
      {
        delay: "24h",
        channel: "call_reminder",
        text: "48h since the video: check in with {{first_name}} and move forward.",
      },
    ],
  },
  no_show_rebook: {
    trigger: "NO_SHOW",
    description: "Frazer: after a no-show, rebook at 2h and again after a day.",
    steps: [
      {
        delay: "2h",
        channel: "sms",
        text: "Hi {{first_name}}, sorry we missed each other today! Want to grab another time? {{link}}",
      },
      {
        delay: "22h",
        channel: "sms",
        text: "Hi {{first_name}}, here are two new times that work for me. Which suits you? {{link}}",
      },
    ],
  },
};

type MessageSpec = [
  key: string,
  channel: "email" | null,
  en: [subject: string | null, body: string],
  da: [subject: string | null, body: string],
];

const MESSAGE_TEMPLATES: readonly MessageSpec[] = [
  [
    "offer",
    null,
    [
      null,
      "New {{category}} lead in {{zip}}: {{title}}. Base {{base_cost}}, your price {{your_price}}. Bidding closes in {{minutes_left}} min.",
    ],
    [
      null,
      "Nyt {{category}}-lead i {{zip}}: {{title}}. Basispris {{base_cost}}, din pris {{your_price}}. Budrunden lukker om {{minutes_left}} min.",
    ],
  ],
  [
    "window_opened",
    null,
    [
      null,
      "Your window is open! {{customer_name}} ({{title}}) is yours for {{window_minutes}} min. Reply here to contact them: {{customer_phone}}.",
    ],
    [
      null,
      "Dit vindue er åbent! {{customer_name}} ({{title}}) er din i {{window_minutes}} min. Svar her for at kontakte kunden: {{customer_phone}}.",
    ],
  ],
  [
    "window_warning",
    null,
    [
      null,
      "{{minutes_left}} min left to contact {{customer_name}}. After that the lead passes on and you get a strike.",
    ],
    [
      null,
      "{{minutes_left}} min tilbage til at kontakte {{customer_name}}. Derefter går leadet videre, og du får en advarsel.",
    ],
  ],
  [
    "stale_estimate_nurture",
    "email",
    [
      "Your quote from {{company_name}}",
      "Hi {{first_name}},\n\nJust checking in on the quote for your new AC. Any questions I can answer?\n\n{{link}}\n\n{{contractor_name}}",
    ],
    [
      "Dit tilbud fra {{company_name}}",
      "Hej {{first_name}},\n\nJeg følger lige op på tilbuddet på dit nye klimaanlæg. Har du spørgsmål?\n\n{{link}}\n\n{{contractor_name}}",
    ],
  ],
  [
    "blast_tuneup",
    "email",
    [
      "Beat the heat: AC tune-up special",
      "Hi {{first_name}},\n\nYour system is over 10 years old and hasn't been serviced in a while. Book a pre-summer tune-up for $89: {{link}}\n\nReply STOP to opt out.",
    ],
    [
      "Klar til sommeren: eftersyn af dit anlæg",
      "Hej {{first_name}},\n\nDit anlæg er over 10 år gammelt og har ikke været efterset længe. Book et eftersyn til $89: {{link}}\n\nSvar STOP for at framelde.",
    ],
  ],
];

/** Ids of the platform templates in force (new or pre-existing), by name and by `key/language`. */
export interface TemplateIds {
  sequences: Map<string, string>;
  messages: Map<string, string>;
}

/** Insert sequence, message and prompt templates that are not there yet; return the ids in force. */
export async function seedTemplates(ctx: SeedContext): Promise<TemplateIds> {
  const { tx } = ctx;
  const existingSeq = new Set(
    (await tx.sequenceTemplate.findMany({ where: { owner_id: null }, select: { name: true } })).map((t) => t.name),
  );
  const seqRows: Prisma.SequenceTemplateCreateManyInput[] = Object.entries(SEQUENCE_TEMPLATES)
    .filter(([name]) => !existingSeq.has(name))
    .map(([name, t]) => ({
      id: demoId(`sequence-template:${name}`),
      name,
      trigger_type: t.trigger,
      description: t.description,
      steps: t.steps.map((s) => ({ ...s })),
      created_at: ctx.now,
      updated_at: ctx.now,
    }));
  count(ctx, "sequence_templates", (await tx.sequenceTemplate.createMany({ data: seqRows })).count);

  const existingMsg = new Set(
    (await tx.messageTemplate.findMany({ where: { owner_id: null }, select: { key: true, language: true } })).map(
      (t) => `${t.key}/${t.language}`,
    ),
  );
  const msgRows: Prisma.MessageTemplateCreateManyInput[] = MESSAGE_TEMPLATES.flatMap(([key, channel, en, da]) =>
    (
      [
        ["en", en],
        ["da", da],
      ] as const
    ).map(([language, [subject, body]]) => ({
      id: demoId(`message-template:${key}:${language}`),
      key,
      name: `${key.replace(/_/g, " ")} (${language})`,
      channel,
      language,
      subject,
      body,
      created_at: ctx.now,
      updated_at: ctx.now,
    })),
  ).filter((t) => !existingMsg.has(`${t.key}/${t.language}`));
  count(ctx, "message_templates", (await tx.messageTemplate.createMany({ data: msgRows })).count);

  const prompts = await tx.promptTemplate.createMany({
    data: DEFAULT_PROMPTS.map((p) => ({
      key: p.key,
      version: 1,
      name: p.name,
      system_prompt: p.system,
      user_template: p.user,
      created_at: ctx.now,
    })),
    skipDuplicates: true,
  });
  count(ctx, "prompt_templates", prompts.count);

  const sequences = await tx.sequenceTemplate.findMany({
    where: { owner_id: null },
    select: { id: true, name: true },
    orderBy: { created_at: "asc" },
  });
  const messages = await tx.messageTemplate.findMany({
    where: { owner_id: null },
    select: { id: true, key: true, language: true },
  });
  return {
    sequences: new Map(sequences.map((t) => [t.name, t.id])),
    messages: new Map(messages.map((t) => [`${t.key}/${t.language}`, t.id])),
  };
}
