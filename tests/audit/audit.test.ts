/**
 * One audit writer (issue 12) and an audit trail that cannot be skipped (issue 11 finding 4):
 * only core/audit.ts writes audit rows; every panel change leaves a row with the signed-in user
 * as a typed `panel_user` actor; a change whose row cannot be written does not happen; the
 * migration to the ActorKind enum keeps every old spelling.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditJson, writeAudit } from "../../core/audit.js";
import { createAppeal } from "../../core/marketplace/appeal.service.js";
import { type PanelClient, signedInPanel } from "../panel/support.js";
import { apiKey, closeTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import {
  makeContractor,
  makeCustomer,
  makeDeal,
  makeJob,
  makeLeadSource,
  makeMessageTemplate,
  makePipeline,
  makeReminder,
  makeSegment,
  makeSequence,
  makeSequenceTemplate,
  makeTechnician,
} from "../support/factories.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const NOW = new Date("2026-03-10T15:00:00Z");

let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let adminId: string;

beforeAll(async () => {
  ({
    w,
    app,
    client: admin,
    user: { id: adminId },
  } = await signedInPanel(NOW));
});
afterAll(() => closeTestApp(app, w));

/** Every source file of the product (generated client, migrations and tests left out). */
function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (["node_modules", "generated", "migrations", "tests", "data", "dist", ".git"].includes(name)) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, out);
    else if (/\.(ts|mts|js|sql|eta)$/.test(name)) out.push(full);
  }
  return out;
}

describe("one audit writer", () => {
  it("no file but core/audit.ts writes audit rows, and admin/ does not touch the table at all", () => {
    const files = ["core", "admin", "bot", "jobs", "prisma", "prompts", "scripts"]
      .map((d) => path.join(ROOT, d))
      .filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory())
      .flatMap((d) => sourceFiles(d))
      .concat(path.join(ROOT, "main.ts"));
    expect(files.length).toBeGreaterThan(100);
    const writers = files.filter((f) =>
      /auditLog\s*\.\s*(create|createMany|upsert|createManyAndReturn)\b|INSERT\s+INTO\s+"?audit_logs/i.test(
        readFileSync(f, "utf8"),
      ),
    );
    expect(writers.map((f) => path.relative(ROOT, f))).toEqual(["core/audit.ts"]);
    const adminUses = files.filter(
      (f) => f.startsWith(path.join(ROOT, "admin")) && /auditLog|audit_logs/.test(readFileSync(f, "utf8")),
    );
    expect(adminUses).toEqual([]);
  });

  it("stores any payload PostgreSQL would refuse: NUL, lone surrogates, deep nesting, huge values", async () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 5000; i++) deep = { d: deep };
    const after = { nul: "a\u0000b", lone: "x\ud800y", "k\u0000": 1, deep, big: "z".repeat(100_000), n: Number.NaN };
    await writeAudit(w.prisma, {
      actor: { kind: "system" },
      action: "test.weird\u0000payload",
      entityType: "test",
      entityId: "x".repeat(200),
      after,
      at: NOW,
    });
    const row = await w.prisma.auditLog.findFirstOrThrow({ where: { entity_type: "test" } });
    expect(row.action).toBe("test.weirdpayload");
    expect(row.entity_id).toHaveLength(64);
    expect(JSON.stringify(row.after)).not.toContain("\\u0000");
    expect(JSON.stringify(auditJson(after)).length).toBeLessThan(40_000);
    expect(auditJson({ lone: "x\ud800y" })).toEqual({ lone: "x\ufffdy" });
  });
});

type Form = Record<string, string>;
type Step = { url: string; form?: Form };
const FUTURE = "2026-03-11T10:00";

async function pendingAppeal() {
  const c = await makeContractor(w.prisma, { is_bidding_banned: true, strike_count: 3 });
  const r = await createAppeal(w.deps, { contractorId: c.id, reason: "I was in hospital that day." });
  if (!r.ok) throw new Error(r.message);
  return r.value.id;
}

async function customer() {
  const owner = await makeContractor(w.prisma);
  return makeCustomer(w.prisma, { owner_id: owner.id });
}

function seqForm(name: string): Form {
  return {
    name,
    trigger_type: "replacement",
    description: "",
    "steps.0.delay": "0m",
    "steps.0.channel": "sms",
    "steps.0.text": "Hi {{first_name}}",
  };
}

function messageForm(key: string): Form {
  return { key, name: `Template ${key}`, channel: "", language: "en", subject: "", body: "Hi {{first_name}}" };
}

function segmentForm(name: string, ownerId: string): Form {
  return { name, owner_id: ownerId, match: "all", "rows.0.field": "city", "rows.0.op": "=", "rows.0.value": "Mesa" };
}

async function prompt() {
  return w.prisma.promptTemplate.create({
    data: {
      key: `greet_${Math.random().toString(36).slice(2, 8)}`,
      version: 1,
      name: "Greeting",
      system_prompt: "Be warm.",
      user_template: "Customer: {{customer_name}}",
    },
  });
}

/** POSTs that change nothing, or are recorded elsewhere: listed here on purpose, with the reason. */
const NOT_A_CHANGE: Record<string, string> = {
  "/admin/login": "sign-in: audited as panel.login (checked below)",
  "/admin/logout": "sign-out: audited as panel.logout (tests/panel/sign-in)",
  "/admin/sandbox/send": "speaks as a chat user; the chat's own use cases audit as that person",
  "/admin/segments/preview": "preview",
  "/admin/templates/messages/preview": "preview",
  "/admin/templates/prompts/preview": "preview",
  "/admin/templates/sequences/preview": "preview",
  "/admin/automation-rules/preview": "preview",
};

/** How to make each panel change succeed: the requests (one per verb of a route pattern). */
const CHANGES: Record<string, () => Promise<Step[]>> = {
  "/admin/appeals/:id/approve": async () => [{ url: `/admin/appeals/${await pendingAppeal()}/approve` }],
  "/admin/appeals/:id/reject": async () => [
    { url: `/admin/appeals/${await pendingAppeal()}/reject`, form: { note: "Three missed windows." } },
  ],
  "/admin/channels/whatsapp/pairing-code": async () => [
    { url: "/admin/channels/whatsapp/pairing-code", form: { phone: "+45 12 34 56 78" } },
  ],
  "/admin/channels/whatsapp/pause": async () => [
    { url: "/admin/channels/whatsapp/pause", form: { reason: "checking the number" } },
  ],
  "/admin/channels/whatsapp/resume": async () => [{ url: "/admin/channels/whatsapp/resume" }],
  "/admin/channels/whatsapp/cap": async () => [{ url: "/admin/channels/whatsapp/cap", form: { cap: "7" } }],
  "/admin/contractors/:id/unban": async () => {
    const c = await makeContractor(w.prisma, { is_bidding_banned: true, strike_count: 3 });
    return [{ url: `/admin/contractors/${c.id}/unban`, form: { note: "ok" } }];
  },
  "/admin/contractors/:id/link-code": async () => [
    { url: `/admin/contractors/${(await makeContractor(w.prisma)).id}/link-code` },
  ],
  "/admin/contractors/access/:id/approve": async () => {
    const c = await makeContractor(w.prisma, { account_status: "pending" });
    return [{ url: `/admin/contractors/access/${c.id}/approve` }];
  },
  "/admin/contractors/access/:id/reject": async () => {
    const c = await makeContractor(w.prisma, { account_status: "pending" });
    return [{ url: `/admin/contractors/access/${c.id}/reject`, form: { note: "unknown company" } }];
  },
  "/admin/customers/:id/interactions": async () => [
    {
      url: `/admin/customers/${(await customer()).id}/interactions`,
      form: { type: "call", direction: "outbound", content: "Called about the estimate" },
    },
  ],
  "/admin/customers/:id/reminders": async () => [
    {
      url: `/admin/customers/${(await customer()).id}/reminders`,
      form: { type: "custom", scheduled_for: FUTURE, message: "Call back" },
    },
  ],
  "/admin/customers/:id/reminders/:reminderId/complete": async () => {
    const c = await customer();
    const r = await makeReminder(w.prisma, { customer_id: c.id });
    return [{ url: `/admin/customers/${c.id}/reminders/${r.id}/complete` }];
  },
  "/admin/customers/:id/sequences/:sequenceId/:action": async () => {
    const c = await customer();
    const s = await makeSequence(w.prisma, { customer_id: c.id });
    const base = `/admin/customers/${c.id}/sequences/${s.id}`;
    return [{ url: `${base}/pause` }, { url: `${base}/resume` }, { url: `${base}/stop` }];
  },
  "/admin/customers/:id/jobs": async () => [
    { url: `/admin/customers/${(await customer()).id}/jobs`, form: { title: "Tune-up", status: "scheduled" } },
  ],
  "/admin/customers/:id/jobs/:jobId/status": async () => {
    const c = await customer();
    const j = await makeJob(w.prisma, { owner_id: c.owner_id, customer_id: c.id });
    return [{ url: `/admin/customers/${c.id}/jobs/${j.id}/status`, form: { status: "completed" } }];
  },
  "/admin/customers/:id/payments": async () => [
    { url: `/admin/customers/${(await customer()).id}/payments`, form: { amount: "100.07", payment_method: "card" } },
  ],
  "/admin/customers/:id/expenses": async () => [
    { url: `/admin/customers/${(await customer()).id}/expenses`, form: { amount: "10.01", description: "parts" } },
  ],
  "/admin/customers/:id/appliances": async () => [
    { url: `/admin/customers/${(await customer()).id}/appliances`, form: { type: "water heater", brand: "Rheem" } },
  ],
  "/admin/customers/:id/opportunities": async () => [
    { url: `/admin/customers/${(await customer()).id}/opportunities`, form: { opportunity_type: "maintenance" } },
  ],
  "/admin/customers/:id/reviews": async () => {
    const c = await customer();
    const j = await makeJob(w.prisma, { owner_id: c.owner_id, customer_id: c.id });
    return [{ url: `/admin/customers/${c.id}/reviews`, form: { job_id: j.id, rating: "5" } }];
  },
  "/admin/customers/:id/technician-ratings": async () => {
    const c = await customer();
    const j = await makeJob(w.prisma, { owner_id: c.owner_id, customer_id: c.id });
    const t = await makeTechnician(w.prisma, { owner_id: c.owner_id });
    return [
      { url: `/admin/customers/${c.id}/technician-ratings`, form: { technician_id: t.id, job_id: j.id, rating: "4" } },
    ];
  },
  "/admin/customers/:id/preferred-technician": async () => {
    const c = await customer();
    const t = await makeTechnician(w.prisma, { owner_id: c.owner_id });
    return [{ url: `/admin/customers/${c.id}/preferred-technician`, form: { technician_id: t.id } }];
  },
  "/admin/customers/:id/referred-by": async () => {
    const c = await customer();
    const by = await makeCustomer(w.prisma, { owner_id: c.owner_id, name: "Referring Rita" });
    return [{ url: `/admin/customers/${c.id}/referred-by`, form: { referred_by: by.name } }];
  },
  "/admin/customers/:id/follow-ups": async () => {
    const c = await customer();
    const j = await makeJob(w.prisma, { owner_id: c.owner_id, customer_id: c.id });
    return [{ url: `/admin/customers/${c.id}/follow-ups`, form: { job_id: j.id, status: "PENDING" } }];
  },
  "/admin/customers/:id/communication": async () => [
    {
      url: `/admin/customers/${(await customer()).id}/communication`,
      form: {
        preferred_contact_method: "sms",
        preferred_contact_times: '{"weekdays": ["morning"]}',
        language_preference: "en",
      },
    },
  ],
  "/admin/sequences/:id/:action": async () => {
    const c = await customer();
    const s = await makeSequence(w.prisma, { customer_id: c.id });
    const base = `/admin/sequences/${s.id}`;
    return [
      { url: `${base}/pause` },
      { url: `${base}/resume` },
      { url: `${base}/convert`, form: { revenue_usd: "1200" } },
    ];
  },
  "/admin/inbox/:id/call": async () => [{ url: `/admin/inbox/${(await customer()).id}/call` }],
  "/admin/inbox/:id/convert": async () => [{ url: `/admin/inbox/${(await customer()).id}/convert` }],
  "/admin/inbox/:id/snooze": async () => [{ url: `/admin/inbox/${(await customer()).id}/snooze`, form: { for: "1d" } }],
  "/admin/templates/:kind/:id/delete": async () => [
    { url: `/admin/templates/sequences/${(await makeSequenceTemplate(w.prisma)).id}/delete` },
    { url: `/admin/templates/messages/${(await makeMessageTemplate(w.prisma)).id}/delete` },
    { url: `/admin/templates/prompts/${(await prompt()).id}/delete` },
  ],
  "/admin/templates/prompts/new": async () => [
    {
      url: "/admin/templates/prompts/new",
      form: { key: "audit_new_prompt", name: "Audit", model: "", system_prompt: "Be brief.", user_template: "Hi" },
    },
  ],
  "/admin/segments/:id/delete": async () => [{ url: `/admin/segments/${(await makeSegment(w.prisma)).id}/delete` }],
  "/admin/technicians": async () => [
    { url: "/admin/technicians", form: { owner_id: (await makeContractor(w.prisma)).id, name: "Audit Tech" } },
  ],
  "/admin/technicians/:id": async () => [
    { url: `/admin/technicians/${(await makeTechnician(w.prisma)).id}`, form: { skills: "gas", is_active: "true" } },
  ],
  "/admin/customers/:id/fields/:field": async () => [
    { url: `/admin/customers/${(await customer()).id}/fields/name`, form: { value: "Renamed Customer" } },
  ],
  "/admin/ops/outbox/:id/retry": async () => {
    const m = await w.prisma.outboundMessage.create({
      data: {
        channel: "email",
        to_address: "someone@example.test",
        kind: "blast",
        body: "Hello",
        status: "failed",
        attempts: 6,
        failed_at: NOW,
        next_attempt_at: NOW,
        created_at: NOW,
      },
    });
    return [{ url: `/admin/ops/outbox/${m.id}/retry` }];
  },
  "/admin/pipelines/deals/:id/move": async () => {
    const p = await makePipeline(w.prisma);
    const d = await makeDeal(w.prisma, { pipeline_id: p.id });
    return [{ url: `/admin/pipelines/deals/${d.id}/move`, form: { stage_id: p.stages[2]?.id ?? "" } }];
  },
  "/admin/segments/:id/blast": async () => {
    const s = await makeSegment(w.prisma);
    const t = await makeMessageTemplate(w.prisma, { channel: "email", subject: "Hi" });
    return [{ url: `/admin/segments/${s.id}/blast`, form: { message_template_id: t.id, channel: "", confirm: "yes" } }];
  },
  "/admin/segments": async () => [
    { url: "/admin/segments", form: segmentForm("Mesa people", (await makeContractor(w.prisma)).id) },
  ],
  "/admin/segments/:id": async () => {
    const s = await makeSegment(w.prisma);
    return [{ url: `/admin/segments/${s.id}`, form: segmentForm("Mesa renamed", s.owner_id) }];
  },
  "/admin/templates/messages": async () => [{ url: "/admin/templates/messages", form: messageForm("audit_new") }],
  "/admin/templates/messages/:id": async () => {
    const t = await makeMessageTemplate(w.prisma);
    return [{ url: `/admin/templates/messages/${t.id}`, form: messageForm(`${t.key}_edited`) }];
  },
  "/admin/templates/messages/:id/active": async () => [
    { url: `/admin/templates/messages/${(await makeMessageTemplate(w.prisma)).id}/active`, form: { active: "false" } },
  ],
  "/admin/templates/prompts/:id": async () => [
    {
      url: `/admin/templates/prompts/${(await prompt()).id}`,
      form: { name: "Greeting", model: "gpt-4o-mini", system_prompt: "Be brief.", user_template: "{{customer_name}}" },
    },
  ],
  "/admin/templates/prompts/:id/active": async () => [
    { url: `/admin/templates/prompts/${(await prompt()).id}/active`, form: { active: "false" } },
  ],
  "/admin/templates/sequences": async () => [{ url: "/admin/templates/sequences", form: seqForm("Audit seq") }],
  "/admin/templates/sequences/:id": async () => {
    const t = await makeSequenceTemplate(w.prisma);
    return [{ url: `/admin/templates/sequences/${t.id}`, form: seqForm(`${t.name} edited`) }];
  },
  "/admin/templates/sequences/:id/active": async () => [
    {
      url: `/admin/templates/sequences/${(await makeSequenceTemplate(w.prisma)).id}/active`,
      form: { active: "false" },
    },
  ],
  "/admin/settings/lead-sources": async () => [
    {
      url: "/admin/settings/lead-sources",
      form: { slug: "audit_src", name: "Audit", bidding_window_seconds: "600", base_lead_cost: "20" },
    },
  ],
  "/admin/settings/lead-sources/:slug": async () => {
    const s = await makeLeadSource(w.prisma);
    const form = { name: "Renamed", bidding_window_seconds: "300", base_lead_cost: "10" };
    return [{ url: `/admin/settings/lead-sources/${s.slug}`, form }];
  },
  "/admin/settings/lead-sources/:slug/retire": async () => [
    { url: `/admin/settings/lead-sources/${(await makeLeadSource(w.prisma)).slug}/retire`, form: { retired: "true" } },
  ],
  "/admin/settings/marketplace": async () => [
    { url: "/admin/settings/marketplace", form: { response_window_seconds: "3600", window_warning_seconds: "600" } },
  ],
  "/admin/automation-rules": async () => [
    {
      url: "/admin/automation-rules",
      form: { name: "audit_rule", trigger: "NO_SHOW", remind_2h: "1", active: "true" },
    },
  ],
  "/admin/automation-rules/:id": async () => {
    const r = await w.prisma.automationRule.create({ data: { name: "audit_edit", trigger: "NO_SHOW" } });
    return [
      { url: `/admin/automation-rules/${r.id}`, form: { name: "audit_edited", trigger: "NO_SHOW", remind_1d: "1" } },
    ];
  },
  "/admin/ai/features/:feature": async () => [
    { url: "/admin/ai/features/generate_survey", form: { enabled: "false" } },
  ],
  "/admin/automation-rules/:id/active": async () => {
    const r = await w.prisma.automationRule.create({ data: { name: "audit_toggle", trigger: "NO_SHOW" } });
    return [{ url: `/admin/automation-rules/${r.id}/active`, form: { active: "false" } }];
  },
  "/admin/users": async () => [
    { url: "/admin/users", form: { email: `audit-${++made}@users.test`, name: "Audit User", role: "read_only" } },
  ],
  "/admin/users/:id": async () => [{ url: `/admin/users/${(await panelUser()).id}`, form: { role: "sales_manager" } }],
  "/admin/users/:id/disable": async () => [{ url: `/admin/users/${(await panelUser()).id}/disable` }],
  "/admin/users/:id/enable": async () => [{ url: `/admin/users/${(await panelUser("disabled")).id}/enable` }],
  "/admin/users/:id/password": async () => [{ url: `/admin/users/${(await panelUser()).id}/password` }],
  "/admin/teams": async () => [{ url: "/admin/teams", form: { name: `Audit team ${++made}` } }],
  "/admin/teams/:id": async () => {
    const t = await w.prisma.team.create({ data: { name: `Audit team ${++made}` } });
    return [{ url: `/admin/teams/${t.id}`, form: { name: `${t.name} renamed` } }];
  },
  "/admin/teams/:id/members": async () => {
    const t = await w.prisma.team.create({ data: { name: `Audit team ${++made}` } });
    return [{ url: `/admin/teams/${t.id}/members`, form: { user_id: (await makeContractor(w.prisma)).id } }];
  },
  "/admin/teams/:id/members/:user_id/remove": async () => {
    const c = await makeContractor(w.prisma);
    const t = await w.prisma.team.create({
      data: { name: `Audit team ${++made}`, members: { connect: { id: c.id } } },
    });
    return [{ url: `/admin/teams/${t.id}/members/${c.id}/remove` }];
  },
};

let made = 0;
/** A read-only panel user to change (never the signed-in admin). */
function panelUser(status: "active" | "disabled" = "active") {
  return w.prisma.user.create({
    data: { email: `audit-${++made}@users.test`, name: "Audit Person", role: "read_only", account_status: status },
  });
}

function panelPosts(): string[] {
  const urls = app.routeList
    .filter((r) => r.url.startsWith("/admin") && ["POST", "PUT", "PATCH", "DELETE"].includes(r.method))
    .map((r) => r.url);
  return [...new Set(urls)].sort();
}

describe("every panel change is audited as the signed-in user, in its own transaction", () => {
  it("knows every mutating panel route: a change to make, or listed as not a change", () => {
    const unknown = panelPosts().filter((u) => !(u in CHANGES) && !(u in NOT_A_CHANGE));
    expect(unknown).toEqual([]);
    expect(Object.keys(CHANGES).length).toBeGreaterThan(25);
  });

  it("leaves a panel_user audit row with the user's id and address for each successful change", async () => {
    const missing: string[] = [];
    for (const pattern of panelPosts().filter((u) => u in CHANGES)) {
      const steps = await (CHANGES[pattern] as () => Promise<Step[]>)();
      for (const step of steps) {
        const before = await w.prisma.auditLog.count({ where: { actor_user_id: adminId, actor_kind: "panel_user" } });
        const res = await admin.postForm(step.url, step.form ?? {});
        expect(res.statusCode, `${step.url}: ${res.body.slice(0, 300)}`).toBeLessThan(400);
        const rows = await w.prisma.auditLog.findMany({ where: { actor_user_id: adminId, actor_kind: "panel_user" } });
        if (rows.length <= before) missing.push(step.url);
        expect(rows.every((r) => r.ip === "127.0.0.1")).toBe(true);
      }
    }
    expect(missing).toEqual([]);
  });

  it("audits the sign-in itself as panel.login", async () => {
    const row = await w.prisma.auditLog.findFirst({ where: { action: "panel.login", actor_user_id: adminId } });
    expect(row).toMatchObject({ actor_kind: "panel_user", entity_id: adminId });
  });

  it("an extra NUL field on a panel change is no way around the audit (finding 4)", async () => {
    const c = await customer();
    const res = await admin.postForm(`/admin/customers/${c.id}/fields/name`, { value: "Nul Sneaker", x: "\u0000" });
    // Refused at the boundary (nothing written) or applied — but never applied without its row.
    const saved = (await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } })).name === "Nul Sneaker";
    const rows = await w.prisma.auditLog.findMany({ where: { action: "customer.updated", entity_id: c.id } });
    expect(saved).toBe(res.statusCode < 400);
    expect(rows).toHaveLength(saved ? 1 : 0);
    if (saved)
      expect(rows[0]).toMatchObject({
        actor_kind: "panel_user",
        actor_user_id: adminId,
        after: { name: "Nul Sneaker" },
      });
    const plain = await admin.postForm(`/admin/customers/${c.id}/fields/name`, { value: "Plain Name" });
    expect(plain.statusCode).toBe(303);
    expect(await w.prisma.auditLog.count({ where: { action: "customer.updated", entity_id: c.id } })).toBe(
      rows.length + 1,
    );
  });
});

describe("a change whose audit row cannot be written does not happen", () => {
  it("rolls back the panel's and the API's change and answers an error", async () => {
    const c = await customer();
    const key = await apiKey(w);
    await w.prisma.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION test_refuse_audit() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'audit refused by the test'; END $$ LANGUAGE plpgsql`);
    await w.prisma.$executeRawUnsafe(
      "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()",
    );
    try {
      const panel = await admin.postForm(`/admin/customers/${c.id}/fields/name`, { value: "Never Saved" });
      expect(panel.statusCode).toBeGreaterThanOrEqual(500);
      const api = await app.inject({
        method: "PUT",
        url: `/api/customers/${c.id}`,
        headers: key,
        payload: { name: "Never Saved Either" },
      });
      expect(api.statusCode).toBeGreaterThanOrEqual(500);
      expect(api.json()).toMatchObject({ error: { code: expect.any(String) } });
      const retry = await admin.postForm("/admin/channels/whatsapp/cap", { cap: "3" });
      expect(retry.statusCode).toBeGreaterThanOrEqual(500);
    } finally {
      await w.prisma.$executeRawUnsafe("DROP TRIGGER test_refuse_audit ON audit_logs");
    }
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: c.id } })).name).toBe(c.name);
    const cap = await w.prisma.setting.findUnique({ where: { key: "whatsapp.guard" } });
    expect((cap?.value as { dailyFirstContactCap?: number } | undefined)?.dailyFirstContactCap).not.toBe(3);
  });

  it("the API audits as an api_key actor (the key's owner for a contractor key)", async () => {
    const owner = await makeContractor(w.prisma);
    const c = await makeCustomer(w.prisma, { owner_id: owner.id });
    const res = await app.inject({
      method: "PUT",
      url: `/api/customers/${c.id}`,
      headers: await apiKey(w, owner.id),
      payload: { name: "Keyed Name" },
    });
    expect(res.statusCode).toBe(200);
    const row = await w.prisma.auditLog.findFirstOrThrow({ where: { action: "customer.updated", entity_id: c.id } });
    expect(row).toMatchObject({ actor_kind: "api_key", actor_user_id: owner.id, after: { name: "Keyed Name" } });
  });
});

describe("the ActorKind migration", () => {
  it("maps every old free-text spelling to its typed kind and keeps the rows", async () => {
    const m = await createWorld();
    try {
      const dir = path.join(ROOT, "prisma", "migrations");
      const mine = readdirSync(dir).find((d) => d.endsWith("_audit_actor_kind_enum")) ?? "";
      const sql = readFileSync(path.join(dir, mine, "migration.sql"), "utf8");
      // Back to the old column (what down.sql does), then old-style rows, then the migration.
      await m.prisma.$executeRawUnsafe(
        `ALTER TABLE audit_logs ALTER COLUMN actor_kind TYPE VARCHAR(20) USING (actor_kind::text)`,
      );
      await m.prisma.$executeRawUnsafe(`DROP TYPE "ActorKind"`);
      const old: Array<[string, string, string]> = [
        ["admin", "contractor.unbanned", "panel_user"],
        ["user", "panel POST /admin/x", "panel_user"],
        ["api", "contractor.created", "api_key"],
        ["chat", "contractor.zips_changed", "contractor"],
        ["contractor", "appeal.created", "contractor"],
        ["contractor", "segment.created", "api_key"],
        ["contractor", "campaign.sent", "api_key"],
        ["customer", "customer.opted_out", "customer"],
        ["system", "lead.unanswered", "system"],
        ["robot", "odd.thing", "system"],
      ];
      for (const [kind, action] of old) {
        await m.prisma.$executeRawUnsafe(
          `INSERT INTO audit_logs (actor_kind, action, entity_type) VALUES ($1, $2, 'x')`,
          kind,
          action,
        );
      }
      for (const stmt of sql.split(/;\s*$/m).filter((s) => s.replace(/--.*$/gm, "").trim())) {
        await m.prisma.$executeRawUnsafe(stmt);
      }
      const rows = await m.prisma.$queryRawUnsafe<Array<{ action: string; kind: string; type: string }>>(
        `SELECT action, actor_kind::text AS kind, pg_typeof(actor_kind)::text AS type FROM audit_logs`,
      );
      expect(rows).toHaveLength(old.length);
      for (const [, action, want] of old) {
        expect(rows.find((r) => r.action === action)?.kind, action).toBe(want);
      }
      expect(rows.every((r) => r.type === '"ActorKind"')).toBe(true);
    } finally {
      await m.close();
    }
  });
});
