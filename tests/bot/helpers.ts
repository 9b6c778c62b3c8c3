import type { FastifyInstance } from "fastify";
import { buildApp } from "../../admin/app.js";
import type { ChatApp } from "../../bot/chat/app.js";
import { sandboxRoutes } from "../../bot/sandbox/routes.js";
import { createContractor, createLinkCode } from "../../core/accounts/contractor.service.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { apiKey } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";

export const MIN = 60_000;

/** HVAC in 85004 with a 15-minute website source: what every chat test bids on. */
export async function marketplaceBasics(w: TestWorld): Promise<void> {
  await w.prisma.category.create({ data: { slug: "hvac", display_name: "HVAC" } });
  await w.prisma.leadSource.create({
    data: { slug: "website", display_name: "Website", bidding_window_seconds: 900, default_base_lead_cost: "40.00" },
  });
}

/** A contractor serving 85004/hvac, and a fresh link code for them. */
export async function contractorWithCode(
  w: TestWorld,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; code: string }> {
  const r = await createContractor(w.deps, {
    name,
    service_area_zip_codes: ["85004"],
    categories: ["hvac"],
    profile_rating: 4.0,
    ...extra,
  });
  if (!r.ok) throw new Error(r.message);
  const code = await createLinkCode(w.deps, r.value.id);
  if (!code.ok) throw new Error(code.message);
  return { id: r.value.id, code: code.value.code };
}

let leadCounter = 0;

/** A lead in 85004/hvac from a distinct customer (so leads are never folded together). */
export async function newLead(w: TestWorld, title: string, customerName = "Anna Jensen") {
  leadCounter += 1;
  const phone = `+1 602 555 ${String(100 + leadCounter).padStart(4, "0")}`;
  const r = await createLead(w.deps, {
    category: "hvac",
    title,
    description: "AC blowing warm air",
    customer_name: customerName,
    customer_phone: phone,
    customer_zip_code: "85004",
  });
  if (!r.ok) throw new Error(r.message);
  return r.value.lead;
}

/** The admin key each sandbox app's client sends (the sandbox API needs one). */
const sandboxKeys = new WeakMap<FastifyInstance, { authorization: string }>();

/** The Authorization header of an app made by `sandboxApp` (an admin API key). */
export function sandboxAuth(app: FastifyInstance): { authorization: string } {
  const auth = sandboxKeys.get(app);
  if (!auth) throw new Error("not an app made by sandboxApp");
  return auth;
}

/** The web app with the sandbox routes mounted, ready for `inject`, with an admin key for them. */
export async function sandboxApp(w: TestWorld, chat: ChatApp): Promise<FastifyInstance> {
  const app = await buildApp({
    ...w.deps,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => undefined,
  });
  await app.register(sandboxRoutes(w.deps, chat), { prefix: "/api/sandbox" });
  await app.ready();
  sandboxKeys.set(app, await apiKey(w));
  return app;
}

/** Wait for a condition in real time (the bot under test runs over real HTTP). */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A message as the sandbox API shows it. */
export interface SandboxMessage {
  seq: number;
  id: string;
  kind: string;
  text: string;
  buttons: Array<{ label: string; data: string }>;
  edit_of: string | null;
  lead_id: string | null;
}

/**
 * Talk to the chat app through the sandbox API: `say` sends as someone and returns what the
 * session received since it last looked (the outbox drained by `sender` first); `fresh` only looks.
 */
export function sandboxClient(app: FastifyInstance, sender: { tick(): Promise<number> }) {
  const seen = new Map<string, number>();
  async function fresh(session: string): Promise<SandboxMessage[]> {
    while ((await sender.tick()) > 0);
    const after = seen.get(session) ?? 0;
    const res = await app.inject({
      method: "GET",
      url: `/api/sandbox/messages?session=${session}&after=${after}`,
      headers: sandboxAuth(app),
    });
    if (res.statusCode !== 200) throw new Error(`GET messages: ${res.statusCode} ${res.body}`);
    const page = res.json() as { messages: SandboxMessage[]; next: number };
    seen.set(session, page.next);
    return page.messages;
  }
  async function say(session: string, as: string, body: Record<string, unknown>): Promise<SandboxMessage[]> {
    const res = await app.inject({
      method: "POST",
      url: "/api/sandbox/messages",
      payload: { session, as, ...body },
      headers: sandboxAuth(app),
    });
    if (res.statusCode >= 300) throw new Error(`POST messages: ${res.statusCode} ${res.body}`);
    return fresh(session);
  }
  return { say, fresh };
}

/** Every message's text, joined so one regex can look at a whole exchange. */
export const textsOf = (ms: ReadonlyArray<{ text: string }>) => ms.map((m) => m.text).join("\n---\n");
