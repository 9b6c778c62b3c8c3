/**
 * Hostile input against every webhook (issue 11, "Done when"), each signed correctly so the
 * body is reached: Meta CAPI (HMAC of the raw body), the DM and e-mail hooks (X-Hook-Secret) and
 * Twilio (X-Twilio-Signature over the form). The hooks come from the route table; a new
 * `/api/hooks/*` route is fuzzed (unsigned at first, which fails loudly below until it has a signer).
 */
import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../admin/app.js";
import { createChatApp } from "../../bot/chat/app.js";
import { customerWebhookRoutes } from "../../bot/customer-channels.js";
import { closeTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import {
  asForm,
  bodyCases,
  type Case,
  fieldCases,
  fuzzWorld,
  hashOf,
  injectCase,
  mutatingRoutes,
  pathSweepCases,
  type Route,
  SEED,
  sample,
  sweep,
} from "./fuzz-support.js";

const PUBLIC = "https://hooks.example.test";
const HOOKS_SECRET = "hooks-fuzz-secret-0123456789abcdef";
const CAPI_SECRET = "capi-fuzz-secret";
const TWILIO_TOKEN = "twilio-fuzz-token";
let w: TestWorld;
let app: FastifyInstance;
let ids: Record<string, string>;
let fingerprint: () => Promise<string>;

beforeAll(async () => {
  ({ w, ids, fingerprint } = await fuzzWorld({
    PUBLIC_URL: PUBLIC,
    HOOKS_SECRET,
    CAPI_APP_SECRET: CAPI_SECRET,
    TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    TWILIO_FROM_NUMBER: "+16025550100",
    TWILIO_API_BASE: "http://127.0.0.1:9",
  }));
  app = await buildApp({
    ...w.deps,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => undefined,
  });
  await app.register(customerWebhookRoutes(w.deps, createChatApp(w.deps)));
  await app.ready();
});
afterAll(() => closeTestApp(app, w));

type Field = { name: string; type: string };
const f = (name: string, type = "string"): Field => ({ name, type });

/** Each hook's fields and where they sit in its body (CAPI and e-mail events nest them). */
const HOOKS: Record<string, { fields: Field[]; wrap: (inner: string) => string; form?: boolean }> = {
  "/api/hooks/capi/lead": {
    fields: [
      f("leadgen_id"),
      f("form_id"),
      f("page_id"),
      f("created_time", "number"),
      f("field_data", "array"),
      f("category"),
    ],
    wrap: (inner) => `{"object":"page","entry":[{"id":"1","changes":[{"field":"leadgen","value":${inner}}]}]}`,
  },
  "/api/hooks/dm": {
    fields: [
      f("owner_id"),
      f("event_id"),
      f("timestamp"),
      f("source"),
      f("customer", "object"),
      f("properties", "object"),
      f("utm", "object"),
      f("consent", "object"),
    ],
    wrap: (inner) => inner,
  },
  "/api/hooks/email/events": {
    fields: [f("type"), f("message_id"), f("reason")],
    wrap: (inner) => `{"events":[${inner}]}`,
  },
  "/api/hooks/email/inbound": {
    fields: [f("from"), f("from_name"), f("subject"), f("text"), f("message_id")],
    wrap: (inner) => inner,
  },
  "/api/hooks/twilio/sms": {
    fields: [f("MessageSid"), f("From"), f("To"), f("Body"), f("NumMedia")],
    wrap: (inner) => inner,
    form: true,
  },
  "/api/hooks/twilio/status": {
    fields: [f("MessageSid"), f("MessageStatus"), f("ErrorCode")],
    wrap: (inner) => inner,
    form: true,
  },
};

function signed(url: string, c: Case): Record<string, string> {
  const path = url.split("?")[0] ?? "";
  const raw = c.payload === undefined ? Buffer.alloc(0) : Buffer.from(c.payload);
  if (path === "/api/hooks/capi/lead")
    return { "x-hub-signature-256": `sha256=${createHmac("sha256", CAPI_SECRET).update(raw).digest("hex")}` };
  if (path.startsWith("/api/hooks/twilio/")) {
    const params =
      c.contentType === "application/x-www-form-urlencoded"
        ? Object.fromEntries(new URLSearchParams(raw.toString("utf8")))
        : {};
    return { "x-twilio-signature": twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC}${url}`, params) };
  }
  if (path.startsWith("/api/hooks/")) return { "x-hook-secret": HOOKS_SECRET };
  return {};
}

describe("fuzz: every webhook, signed", () => {
  it("no 5xx, the error shape, nothing written on a refusal", async () => {
    const routes = mutatingRoutes(app, (r: Route) => r.url.startsWith("/api/hooks/") || r.url.startsWith("/u/"));
    expect(routes.map((r) => r.url)).toEqual(expect.arrayContaining(Object.keys(HOOKS)));
    const sent = await sweep({
      label: "hook",
      routes,
      fingerprint,
      casesFor: (r) => {
        const hook = HOOKS[r.url];
        const seed = SEED ^ hashOf(`hook ${r.url}`);
        const fieldList = hook?.fields ?? [];
        const fields = fieldCases(`hook ${r.url}`, fieldList, ids).map((c) => ({
          ...c,
          payload: hook ? hook.wrap((c.payload as string) ?? "{}") : c.payload,
        }));
        const all: Case[] = [...sample(bodyCases(), 8, seed), ...fields];
        const cases = hook?.form ? [...all.map(asForm), ...sample(all, 3, seed + 1)] : all;
        return [...cases.map((c) => ({ ...c, url: r.url })), ...pathSweepCases(r.url, ids)];
      },
      send: (r, url, c) => injectCase(app, r, url, c, signed(url, c)),
    });
    expect(sent).toBeGreaterThan(100);
  }, 120_000);

  it("the signature still comes first: a hostile body without one is 401/403, never 400", async () => {
    for (const url of ["/api/hooks/capi/lead"]) {
      const res = await app.inject({
        method: "POST",
        url,
        headers: { "content-type": "application/json", "x-hub-signature-256": "sha256=00" },
        payload: '{"entry":null,"x":"\\u0000"}',
      });
      expect(res.statusCode, url).toBe(401);
    }
  });
});
