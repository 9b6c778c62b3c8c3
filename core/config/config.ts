import ms from "ms";
import { z } from "zod";

/** Parse "15m", "2h", "90s", "30d" or a number of milliseconds into milliseconds. */
function duration(name: string, fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const value = /^\d+$/.test(raw.trim()) ? Number(raw) : ms(raw.trim() as ms.StringValue);
      if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
        ctx.addIssue({ code: "custom", message: `${name} must be a duration like 90s, 15m, 2h or 30d (got "${raw}")` });
        return z.NEVER;
      }
      return value;
    });
}

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((v) => v === "true" || v === "1" || v === "yes");

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

const url = (protocols: string[], hint: string) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: hint },
  );

const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    DATABASE_URL: url(["postgres:", "postgresql:"], "DATABASE_URL must look like postgresql://user@host:5432/dbname"),
    DATA_DIR: z.string().default("./data"),
    REDIS_URL: url(["redis:", "rediss:"], "REDIS_URL must look like redis://127.0.0.1:6379"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default("127.0.0.1"),
    PUBLIC_URL: url(["http:", "https:"], "PUBLIC_URL must be an http(s) URL such as https://leads.example.com"),
    TELEGRAM_BOT_TOKEN: optionalString,
    TELEGRAM_API_ROOT: url(["http:", "https:"], "TELEGRAM_API_ROOT must be an http(s) URL").transform(
      (v) => v ?? "https://api.telegram.org",
    ),
    TELEGRAM_WEBHOOK_URL: url(["https:", "http:"], "TELEGRAM_WEBHOOK_URL must be an https URL"),
    TELEGRAM_WEBHOOK_SECRET: optionalString,
    WHATSAPP_ENABLED: bool,
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: url(["http:", "https:"], "OPENAI_BASE_URL must be an http(s) URL"),
    OPENAI_MODEL: z.string().default("gpt-4o-mini"),
    AI_DAILY_TOKEN_BUDGET: z.coerce.number().int().min(0).max(1_000_000_000).default(200_000),
    AI_TIMEOUT: duration("AI_TIMEOUT", "8s"),
    SMTP_URL: url(["smtp:", "smtps:"], "SMTP_URL must look like smtp://user:pass@host:587"),
    SMTP_FROM: z.string().default("LeadRelay <no-reply@leadrelay.local>"),
    UNSUBSCRIBE_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
      message: "UNSUBSCRIBE_SECRET must be at least 32 characters",
    }),
    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM_NUMBER: optionalString,
    TWILIO_API_BASE: url(["http:", "https:"], "TWILIO_API_BASE must be an http(s) URL"),
    ADMIN_EMAIL: optionalString.pipe(z.email({ message: "ADMIN_EMAIL must be an e-mail address" }).optional()),
    ADMIN_PASSWORD: optionalString.refine((v) => v === undefined || v.length >= 12, {
      message: "ADMIN_PASSWORD must be at least 12 characters",
    }),
    SESSION_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
      message: "SESSION_SECRET must be at least 32 characters",
    }),
    HOOKS_SECRET: optionalString,
    CAPI_APP_SECRET: optionalString,
    CAPI_VERIFY_TOKEN: optionalString,
    DEMO_DATA: z
      .enum(["true", "false", "1", "0", "yes", "no", ""])
      .optional()
      .transform((v) => v === undefined || v === "" || v === "true" || v === "1" || v === "yes"),
    SANDBOX_ENABLED: z.enum(["true", "false", "1", "0", "yes", "no", ""]).optional(),
    TRUST_PROXY: optionalString,
    API_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(6000),
    HOOKS_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(600),
    METRICS_PORT: optionalString.pipe(
      z.coerce
        .number<string>({ message: "METRICS_PORT must be a port number (0-65535)" })
        .int({ message: "METRICS_PORT must be a port number (0-65535)" })
        .min(0, { message: "METRICS_PORT must be a port number (0-65535)" })
        .max(65535, { message: "METRICS_PORT must be a port number (0-65535)" })
        .optional(),
    ),
    METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
      message: "METRICS_TOKEN must be at least 16 characters",
    }),
    OUTBOX_RETRY_FOR: duration("OUTBOX_RETRY_FOR", "24h"),
    BIDDING_WINDOW: duration("BIDDING_WINDOW", "15m"),
    RESPONSE_WINDOW: duration("RESPONSE_WINDOW", "2h"),
    WINDOW_WARNING: duration("WINDOW_WARNING", "15m"),
    STRIKES_TO_BAN: z.coerce.number().int().min(1).max(100).default(3),
    LEAD_ARCHIVE_AFTER: duration("LEAD_ARCHIVE_AFTER", "30d"),
    LEAD_DEDUPE_WINDOW: duration("LEAD_DEDUPE_WINDOW", "24h"),
    UNANSWERED_ALERT_AFTER: duration("UNANSWERED_ALERT_AFTER", "30m"),
    RECONCILE_EVERY: duration("RECONCILE_EVERY", "5s"),
    SURVEY_AFTER: duration("SURVEY_AFTER", "2d"),
    QUIET_HOURS: z
      .string()
      .default("21:00-08:00")
      .refine((v) => v.split("-").length === 2 && v.split("-").every((p) => hhmm.test(p)), {
        message: 'QUIET_HOURS must look like "21:00-08:00"',
      }),
    DEFAULT_TIMEZONE: z
      .string()
      .default("America/Phoenix")
      .refine(
        (tz) => {
          try {
            new Intl.DateTimeFormat("en", { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        },
        { message: "DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Copenhagen" },
      ),
  })
  .superRefine((c, ctx) => {
    if (c.TELEGRAM_WEBHOOK_URL && !c.TELEGRAM_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["TELEGRAM_WEBHOOK_SECRET"],
        message: "TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set",
      });
    }
    if (c.SMTP_URL && !c.UNSUBSCRIBE_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["UNSUBSCRIBE_SECRET"],
        message: "UNSUBSCRIBE_SECRET is required when SMTP_URL is set (it signs the unsubscribe links of e-mails)",
      });
    }
    if (c.WINDOW_WARNING >= c.RESPONSE_WINDOW) {
      ctx.addIssue({
        code: "custom",
        path: ["WINDOW_WARNING"],
        message: "WINDOW_WARNING must be shorter than RESPONSE_WINDOW",
      });
    }
  });

type Raw = z.output<typeof schema>;

/** Every environment variable the configuration reads (docs/deploy.md and .env.example list each one). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** A model's price in USD per million tokens (input, cached input, output). */
export interface LlmPrice {
  input: number;
  cachedInput: number;
  output: number;
}

/** Price table for the usage estimate; an unknown model (a local Ollama, say) costs 0. */
export const LLM_PRICES_USD_PER_MTOK: Record<string, LlmPrice> = {
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cachedInput: 0.025, output: 0.4 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
};

/** The validated configuration every role runs on. Durations are in milliseconds. */
export interface Config {
  env: Raw["NODE_ENV"];
  logLevel: Raw["LOG_LEVEL"];
  databaseUrl?: string;
  dataDir: string;
  redisUrl?: string;
  port: number;
  host: string;
  publicUrl: string;
  telegram: { token?: string; apiRoot: string; webhookUrl?: string; webhookSecret?: string };
  whatsappEnabled: boolean;
  /**
   * The LLM (any OpenAI-compatible endpoint): configured when a key or a base URL is set.
   * `dailyTokenBudget` 0 = no LLM calls; `pricesUsdPerMTok` estimates each call's cost.
   */
  openai: {
    apiKey?: string;
    baseUrl?: string;
    model: string;
    dailyTokenBudget: number;
    timeoutMs: number;
    pricesUsdPerMTok: Record<string, LlmPrice>;
  };
  smtp: { url?: string; from: string; unsubscribeSecret?: string };
  twilio: { accountSid?: string; authToken?: string; fromNumber?: string; apiBase?: string };
  admin: { email?: string; password?: string };
  sessionSecret?: string;
  hooksSecret?: string;
  capi: { appSecret?: string; verifyToken?: string };
  demoData: boolean;
  /** The chat sandbox (panel page and `/api/sandbox/messages`); on by default with demo data. */
  sandboxEnabled: boolean;
  /**
   * Which proxies may set `X-Forwarded-For` (fastify's `trustProxy`): unset = none, so the
   * client address is the socket's; "true", a hop count, or a comma list of addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** Requests per minute: `/api/*` per API key (or client address without one), `/api/hooks/*` per client address; 0 = off. */
  rateLimits: { apiPerMinute: number; hooksPerMinute: number };
  /**
   * Prometheus: `port` = where the worker and bot roles serve `/metrics` (web and all serve it on
   * PORT; unset = off); `token` = the bearer token `/metrics` then wants (unset = open).
   */
  metrics: { port?: number; token?: string };
  /** How long a customer message keeps being retried (with backoff) before failover / failed. */
  outboxRetryForMs: number;
  marketplace: {
    biddingWindowMs: number;
    responseWindowMs: number;
    windowWarningMs: number;
    strikesToBan: number;
    archiveAfterMs: number;
    dedupeWindowMs: number;
    unansweredAlertMs: number;
  };
  reconcileEveryMs: number;
  /** How long after a job is completed its post-service survey goes to the customer. */
  surveyAfterMs: number;
  quietHours: { start: string; end: string };
  defaultTimezone: string;
}

function truthy(v: string): boolean {
  return v === "true" || v === "1" || v === "yes";
}

/** TRUST_PROXY: unset/"false" → trust nobody; "true" → any; "2" → that many hops; else a list of addresses/CIDRs. */
function parseTrustProxy(raw: string | undefined): boolean | number | string[] {
  if (raw === undefined || raw === "false" || raw === "0") return false;
  if (raw === "true") return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Thrown for invalid configuration; `message` is one line saying what and how to fix it. */
export class ConfigError extends Error {}

/**
 * Parse the environment once into a typed Config.
 * Every problem is reported at once, one per line, naming the variable to fix.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? "config");
      return i.message.startsWith(name) ? i.message : `${name}: ${i.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join("; ")}`);
  }
  const c = parsed.data;
  const [start = "21:00", end = "08:00"] = c.QUIET_HOURS.split("-");
  return {
    env: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    databaseUrl: c.DATABASE_URL,
    dataDir: c.DATA_DIR,
    redisUrl: c.REDIS_URL,
    port: c.PORT,
    host: c.HOST,
    publicUrl: (c.PUBLIC_URL ?? `http://${c.HOST === "0.0.0.0" ? "127.0.0.1" : c.HOST}:${c.PORT}`).replace(/\/$/, ""),
    telegram: {
      token: c.TELEGRAM_BOT_TOKEN,
      apiRoot: c.TELEGRAM_API_ROOT,
      webhookUrl: c.TELEGRAM_WEBHOOK_URL,
      webhookSecret: c.TELEGRAM_WEBHOOK_SECRET,
    },
    whatsappEnabled: c.WHATSAPP_ENABLED,
    openai: {
      apiKey: c.OPENAI_API_KEY,
      baseUrl: c.OPENAI_BASE_URL,
      model: c.OPENAI_MODEL,
      dailyTokenBudget: c.AI_DAILY_TOKEN_BUDGET,
      timeoutMs: c.AI_TIMEOUT,
      pricesUsdPerMTok: LLM_PRICES_USD_PER_MTOK,
    },
    smtp: { url: c.SMTP_URL, from: c.SMTP_FROM, unsubscribeSecret: c.UNSUBSCRIBE_SECRET },
    twilio: {
      accountSid: c.TWILIO_ACCOUNT_SID,
      authToken: c.TWILIO_AUTH_TOKEN,
      fromNumber: c.TWILIO_FROM_NUMBER,
      apiBase: c.TWILIO_API_BASE,
    },
    admin: { email: c.ADMIN_EMAIL, password: c.ADMIN_PASSWORD },
    sessionSecret: c.SESSION_SECRET,
    hooksSecret: c.HOOKS_SECRET,
    capi: { appSecret: c.CAPI_APP_SECRET, verifyToken: c.CAPI_VERIFY_TOKEN },
    demoData: c.DEMO_DATA,
    sandboxEnabled:
      c.SANDBOX_ENABLED === undefined || c.SANDBOX_ENABLED === "" ? c.DEMO_DATA : truthy(c.SANDBOX_ENABLED),
    trustProxy: parseTrustProxy(c.TRUST_PROXY),
    rateLimits: { apiPerMinute: c.API_RATE_LIMIT, hooksPerMinute: c.HOOKS_RATE_LIMIT },
    metrics: { port: c.METRICS_PORT, token: c.METRICS_TOKEN },
    outboxRetryForMs: c.OUTBOX_RETRY_FOR,
    marketplace: {
      biddingWindowMs: c.BIDDING_WINDOW,
      responseWindowMs: c.RESPONSE_WINDOW,
      windowWarningMs: c.WINDOW_WARNING,
      strikesToBan: c.STRIKES_TO_BAN,
      archiveAfterMs: c.LEAD_ARCHIVE_AFTER,
      dedupeWindowMs: c.LEAD_DEDUPE_WINDOW,
      unansweredAlertMs: c.UNANSWERED_ALERT_AFTER,
    },
    reconcileEveryMs: c.RECONCILE_EVERY,
    surveyAfterMs: c.SURVEY_AFTER,
    quietHours: { start, end },
    defaultTimezone: c.DEFAULT_TIMEZONE,
  };
}
