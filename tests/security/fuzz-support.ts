/**
 * The hostile-input fuzz suite's building blocks (issue 11): the cases come from the app's own
 * route table (`app.routeList`) and the OpenAPI document's body fields, so a new route is fuzzed
 * without anyone touching these files. Sampling is seeded: a failure names its route and case and
 * is reproduced by re-running the file.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { seedDemoData } from "../../prisma/seed.js";
import { createWorld } from "../support/deps.js";

export const SEED = 20261122;

/** mulberry32: a small seeded generator (no Math.random in the suite's choices). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface Route {
  method: string;
  url: string;
}

/** The mutating routes of the table under `prefix` (DELETEs last: they remove the seeded rows). */
export function mutatingRoutes(app: FastifyInstance, keep: (r: Route) => boolean): Route[] {
  const seen = new Set<string>();
  return app.routeList
    .filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method) && keep(r))
    .filter((r) => {
      const k = `${r.method} ${r.url}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));
}

interface FieldSpec {
  name: string;
  type: string;
}

/** Body fields of every route, from the OpenAPI document (zod schemas → JSON Schema). */
export function bodyFields(app: FastifyInstance): Map<string, FieldSpec[]> {
  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const out = new Map<string, FieldSpec[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const schema = (op as { requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> } })
        .requestBody?.content?.["application/json"]?.schema;
      const props = (schema?.properties ?? {}) as Record<string, { type?: string | string[]; anyOf?: unknown[] }>;
      const fields = Object.entries(props).map(([name, p]) => ({
        name,
        type: typeof p.type === "string" ? p.type : p.anyOf ? "any" : "string",
      }));
      // OpenAPI writes `/a/{id}`; the route table writes `/a/:id`.
      out.set(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`, fields);
    }
  }
  return out;
}

/** Field names the panel's forms use, besides the API's (the panel has no schemas in OpenAPI). */
export const PANEL_FIELDS = [
  "name",
  "email",
  "phone",
  "password",
  "next",
  "value",
  "type",
  "direction",
  "content",
  "message",
  "scheduled_for",
  "reason",
  "stage_id",
  "body",
  "subject",
  "channel",
  "steps",
  "filter",
  "template_id",
  "text",
  "as",
  "session",
  "cap",
  "phone_number",
  "active",
  "notes",
  "metadata",
];

/** Real ids of the seeded world, by the path segment before a parameter. */
export async function realIds(prisma: PrismaClient): Promise<Record<string, string>> {
  const first = async <T extends { id: string }>(p: Promise<T | null>) => (await p)?.id ?? "";
  const pipeline = await prisma.dealPipeline.findFirst({ include: { stages: true } });
  return {
    leads: await first(prisma.lead.findFirst()),
    contractors: await first(prisma.user.findFirst({ where: { role: "contractor" } })),
    access: await first(prisma.user.findFirst({ where: { role: "contractor" } })),
    appeals: await first(prisma.banAppeal.findFirst()),
    customers: await first(prisma.customer.findFirst()),
    interactions: await first(prisma.customerInteraction.findFirst()),
    reminders: await first(prisma.reminder.findFirst()),
    pipelines: pipeline?.id ?? "",
    stages: pipeline?.stages[0]?.id ?? "",
    deals: await first(prisma.deal.findFirst()),
    jobs: await first(prisma.job.findFirst()),
    "sequence-templates": await first(prisma.sequenceTemplate.findFirst()),
    sequences: await first(prisma.nurturingSequence.findFirst()),
    "message-templates": await first(prisma.messageTemplate.findFirst()),
    messages: await first(prisma.messageTemplate.findFirst()),
    prompts: await first(prisma.promptTemplate.findFirst()),
    segments: await first(prisma.segment.findFirst()),
    campaigns: await first(prisma.campaign.findFirst()),
    outbox: await first(prisma.outboundMessage.findFirst()),
  };
}

const UUID = "00000000-0000-4000-8000-000000000000";

/** Fill a route's path with real ids (or `override` for one parameter, to fuzz the path itself). */
export function fillPath(url: string, ids: Record<string, string>, override?: { param: string; raw: string }): string {
  const parts = url.split("/");
  return parts
    .map((part, i) => {
      if (!part.startsWith(":")) return part;
      const param = part.slice(1);
      if (override?.param === param) return override.raw;
      if (param === "field") return "name";
      if (param === "action") return "pause";
      if (param === "token") return "not-a-token";
      if (param === "stageId") return ids.stages || UUID;
      if (param === "reminderId") return ids.reminders || UUID;
      if (param === "sequenceId") return ids.sequences || UUID;
      const before = parts[i - 1] ?? "";
      return ids[before] || UUID;
    })
    .join("/");
}

export function pathParams(url: string): string[] {
  return url
    .split("/")
    .filter((p) => p.startsWith(":"))
    .map((p) => p.slice(1));
}

/** A plausible value for a field, so the one hostile field is not refused for its neighbours' sake. */
function plausible(name: string, type: string, ids: Record<string, string>): unknown {
  if (type === "number" || type === "integer") return 1;
  if (type === "boolean") return true;
  if (type === "array") return [];
  if (type === "object") return {};
  if (name === "customer_id") return ids.customers;
  if (name === "lead_id") return ids.leads;
  if (name === "owner_id" || name === "contractor_id") return ids.contractors;
  if (name === "pipeline_id") return ids.pipelines;
  if (name === "stage_id") return ids.stages;
  if (name.endsWith("_id")) return UUID;
  if (name.includes("email")) return "fuzz@example.test";
  if (name.includes("phone")) return "+14805550199";
  if (name.endsWith("_at") || name.endsWith("_date") || name === "scheduled_for" || name === "timestamp")
    return "2026-03-01T09:00:00Z";
  return "fuzz";
}

const DEEP = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
const FIVE_MB = `{"name":"${"x".repeat(5 * 1024 * 1024)}"}`;

/** A hostile value, as raw JSON text (so `-0`, lone surrogates and deep nesting reach the wire as such). */
export const HOSTILE_VALUES: Record<string, (type: string) => string> = {
  wrongType: (type) =>
    type === "string" ? "12345" : type === "array" ? '{"a":1}' : type === "object" ? "[1,2]" : '"wrong"',
  nullValue: () => "null",
  long100k: () => JSON.stringify("x".repeat(100_000)),
  nul: () => JSON.stringify("a\u0000b"),
  loneSurrogate: () => '"a\\ud800b"',
  lowSurrogate: () => '"\\udfff"',
  huge: () => "1e308",
  negZero: () => "-0",
  nanString: () => '"NaN"',
  year0000: () => '"0000-01-01T00:00:00Z"',
  year99999: () => '"99999-01-01T00:00:00Z"',
  deep: () => DEEP,
  nulObject: () => '{"k\\u0000":"\\u0000"}',
};

/**
 * A seeded sample of `n` items (all of them when FUZZ_FULL=1): each run of a sweep sends a
 * different but reproducible part of the case table, keeping the suite under a minute.
 */
export function sample<T>(items: T[], n: number, seed: number): T[] {
  if (process.env.FUZZ_FULL === "1" || items.length <= n) return items;
  const random = rng(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}

export interface Case {
  name: string;
  payload?: string | Buffer;
  contentType?: string;
}

/** Whole-body cases: the same for every route. */
export function bodyCases(): Case[] {
  const invalidUtf8 = Buffer.concat([
    Buffer.from('{"name":"'),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
    Buffer.from('"}'),
  ]);
  return [
    { name: "no body" },
    { name: "empty JSON body", payload: "", contentType: "application/json" },
    { name: "null", payload: "null", contentType: "application/json" },
    { name: "array body", payload: "[1,2,3]", contentType: "application/json" },
    { name: "string body", payload: '"x"', contentType: "application/json" },
    { name: "number body", payload: "1e308", contentType: "application/json" },
    { name: "malformed JSON", payload: "{not json", contentType: "application/json" },
    { name: "invalid UTF-8", payload: invalidUtf8, contentType: "application/json" },
    { name: "5 MB body", payload: FIVE_MB, contentType: "application/json" },
    { name: "10,000-deep body", payload: DEEP, contentType: "application/json" },
    { name: "text/plain body", payload: "hello", contentType: "text/plain" },
  ];
}

/**
 * Field cases for one route: per hostile value, one request where a seeded-random known field
 * carries it and every other known field a plausible value.
 */
export function fieldCases(
  routeKey: string,
  fields: FieldSpec[],
  ids: Record<string, string>,
  opts: { seed?: number } = {},
): Case[] {
  const list = fields.length > 0 ? fields : [{ name: "name", type: "string" }];
  const random = rng((opts.seed ?? SEED) ^ hashOf(routeKey));
  return Object.entries(HOSTILE_VALUES).map(([kind, value]) => {
    const target = list[Math.floor(random() * list.length)] as FieldSpec;
    const parts = list.map((f) =>
      f === target
        ? `${JSON.stringify(f.name)}:${value(f.type)}`
        : `${JSON.stringify(f.name)}:${JSON.stringify(plausible(f.name, f.type, ids))}`,
    );
    return { name: `${kind} in ${target.name}`, payload: `{${parts.join(",")}}`, contentType: "application/json" };
  });
}

/** A JSON object case as a URL-encoded form: every top-level value as a string (forms carry only strings). */
export function asForm(c: Case): Case {
  if (typeof c.payload !== "string" || c.contentType !== "application/json") return c;
  let parsed: unknown;
  try {
    parsed = JSON.parse(c.payload);
  } catch {
    return c;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return c;
  const form = new URLSearchParams();
  const text = (v: unknown) => {
    try {
      return typeof v === "string" ? v : JSON.stringify(v);
    } catch {
      return "[".repeat(10_000); // too deep to stringify: as deep as a form can be
    }
  };
  for (const [k, v] of Object.entries(parsed)) form.set(k, text(v));
  return { name: `${c.name} (form)`, payload: form.toString(), contentType: "application/x-www-form-urlencoded" };
}

/** Path cases: `%ff`, a NUL and a 101-character value in each path parameter. */
export function pathCases(url: string, ids: Record<string, string>): Array<{ name: string; url: string }> {
  return pathParams(url).flatMap((param) => [
    { name: `%ff in :${param}`, url: fillPath(url, ids, { param, raw: "%ff" }) },
    { name: `%00 in :${param}`, url: fillPath(url, ids, { param, raw: "a%00b" }) },
    { name: `101 characters in :${param}`, url: fillPath(url, ids, { param, raw: "a".repeat(101) }) },
  ]);
}

/** The tables a route can write to (sign-in failures, sessions and API-key use change by design). */
const MAIN_TABLES = new Set([
  "users",
  "channel_identities",
  "link_codes",
  "audit_logs",
  "settings",
  "categories",
  "leads",
  "bids",
  "messages",
  "ban_appeals",
  "conversions",
  "customers",
  "deal_pipelines",
  "deal_stages",
  "deals",
  "customer_interactions",
  "reminders",
  "event_logs",
  "sequence_templates",
  "nurturing_sequences",
  "sequence_events",
  "message_templates",
  "prompt_templates",
  "segments",
  "campaigns",
  "outbound_messages",
  "inbound_messages",
  "jobs",
]);

/**
 * A cheap fingerprint of what a request could write: the row count of the main tables and the
 * newest `updated_at` where there is one, in one query.
 */
export async function fingerprinter(prisma: PrismaClient): Promise<() => Promise<string>> {
  const cols = await prisma.$queryRawUnsafe<Array<{ table_name: string; has_updated: boolean }>>(
    `SELECT table_name, bool_or(column_name = 'updated_at') AS has_updated
       FROM information_schema.columns WHERE table_schema = current_schema() GROUP BY table_name`,
  );
  const parts = cols
    .filter((c) => MAIN_TABLES.has(c.table_name))
    .map(
      (c) =>
        `(SELECT count(*)::text${c.has_updated ? " || '@' || coalesce(max(updated_at)::text, '')" : ""} FROM "${c.table_name}") AS "${c.table_name}"`,
    );
  const sql = `SELECT ${parts.join(", ")}`;
  return async () => JSON.stringify((await prisma.$queryRawUnsafe<unknown[]>(sql))[0]);
}

/** What every answer must satisfy: no 5xx; an /api error in the documented shape. */
export function expectSafeAnswer(label: string, url: string, res: LightMyRequestResponse): void {
  expect(res.statusCode, `${label} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400 && url.startsWith("/api")) {
    let body: { error?: { code?: unknown; message?: unknown; details?: unknown } } | null = null;
    try {
      body = res.json();
    } catch {
      body = null;
    }
    expect(body?.error, `${label}: not the documented error shape: ${res.body.slice(0, 300)}`).toBeDefined();
    expect(typeof body?.error?.code, `${label}: error.code`).toBe("string");
    expect(typeof body?.error?.message, `${label}: error.message`).toBe("string");
    expect(body?.error && "details" in body.error, `${label}: error.details`).toBe(true);
  }
}

/**
 * Send every case of every route through `send`, checking each answer and that a refusal (any
 * 4xx) wrote nothing. Returns how many requests were sent.
 */
export async function sweep(opts: {
  routes: Route[];
  casesFor: (r: Route) => Array<Case & { url?: string }>;
  send: (r: Route, url: string, c: Case) => Promise<LightMyRequestResponse>;
  fingerprint: () => Promise<string>;
  label: string;
}): Promise<number> {
  let sent = 0;
  const statuses: Record<string, number> = {};
  let last = await opts.fingerprint();
  for (const r of opts.routes) {
    for (const c of opts.casesFor(r)) {
      const url = c.url ?? "";
      const res = await opts.send(r, url, c);
      sent++;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      const label = `${opts.label} ${r.method} ${r.url} [${c.name}]`;
      expectSafeAnswer(label, url, res);
      const now = await opts.fingerprint();
      if (res.statusCode >= 400) expect(now, `${label}: a ${res.statusCode} refusal wrote to the database`).toBe(last);
      last = now;
    }
  }
  if (process.env.FUZZ_STATS === "1") console.log(opts.label, sent, "requests; statuses:", JSON.stringify(statuses));
  return sent;
}

/**
 * The world every fuzz suite runs in: the demo data seeded, rate limits off (so no 429 answers for
 * the fuzz), its real ids and a fingerprint of what a request could write. `env` adds settings.
 */
export async function fuzzWorld(env: Record<string, string> = {}) {
  const w = await createWorld({ API_RATE_LIMIT: "0", HOOKS_RATE_LIMIT: "0", ...env });
  await seedDemoData(w.prisma, w.clock.now());
  return { w, ids: await realIds(w.prisma), fingerprint: await fingerprinter(w.prisma) };
}

/** Path cases as sweep cases: the hostile path with a small valid body of `contentType`. */
export function pathSweepCases(
  url: string,
  ids: Record<string, string>,
  payload = "{}",
  contentType = "application/json",
): Array<Case & { url: string }> {
  return pathCases(url, ids).map((p) => ({ name: p.name, url: p.url, payload, contentType }));
}

/** Send one case to `url` through `app.inject`, with `headers` and the case's content type and body. */
export function injectCase(
  app: FastifyInstance,
  r: Route,
  url: string,
  c: Case,
  headers: Record<string, string>,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: r.method as "POST",
    url,
    headers: { ...headers, ...(c.contentType ? { "content-type": c.contentType } : {}) },
    ...(c.payload !== undefined ? { payload: c.payload } : {}),
  });
}
