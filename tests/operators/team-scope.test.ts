/**
 * A sales manager sees exactly their team (issue 15, DESIGN.md "Ownership and visibility"):
 * with a `team:<id>` API key and signed into the panel. Two teams, each with a contractor and a
 * marketer owning a customer, a lead they bid on, a deal, a sequence and a reminder; then a
 * sweep over the route table — every GET list under /api and every panel GET page — asserts
 * that team A's manager gets team A's rows and never a trace of team B's (B's detail pages are
 * 404, as for a contractor). New routes are swept automatically.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../core/accounts/api-key.service.js";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import {
  FACTORY_NOW,
  makeBid,
  makeContractor,
  makeCustomer,
  makeDeal,
  makeInteraction,
  makeLead,
  makeMarketer,
  makeOpportunity,
  makePipeline,
  makeReminder,
  makeSequence,
  makeTechnician,
} from "../support/factories.js";

let w: TestWorld;
let app: FastifyInstance;
type Team = Awaited<ReturnType<typeof seedTeam>>;
let A: Team;
let B: Team;
let teamKey: { authorization: string };
let panel: PanelClient;
/** One shared pipeline both teams' deals are on, so its board must be split by team. */
let pipelineId: string;

/** One team: a sales manager, a contractor and a marketer, and rows of every kind they own. */
async function seedTeam(tag: string) {
  const manager = await createPanelUser(w, "sales_manager", `${tag.toLowerCase()}-manager@scope.test`);
  const contractor = await makeContractor(w.prisma, { name: `${tag} Contractor`, company_name: `${tag} Heating` });
  const marketer = await makeMarketer(w.prisma, { name: `${tag} Marketer` });
  const team = await w.prisma.team.create({ data: { name: `${tag} team`, manager_id: manager.id } });
  await w.prisma.user.updateMany({
    where: { id: { in: [contractor.id, marketer.id] } },
    data: { team_id: team.id, manager_id: manager.id },
  });
  const customer = await makeCustomer(w.prisma, { owner_id: contractor.id, name: `${tag} Customer` });
  const prospect = await makeCustomer(w.prisma, { owner_id: marketer.id, name: `${tag} Prospect` });
  const lead = await makeLead(w.prisma, { title: `${tag} water heater`, customer_name: `${tag} Leadperson` });
  await makeBid(w.prisma, { lead_id: lead.id, contractor_id: contractor.id });
  const deal = await makeDeal(w.prisma, { customer_id: customer.id, pipeline_id: pipelineId, title: `${tag} deal` });
  const sequence = await makeSequence(w.prisma, { customer_id: customer.id });
  const reminder = await makeReminder(w.prisma, {
    customer_id: customer.id,
    owner_id: contractor.id,
    scheduled_for: new Date(FACTORY_NOW.getTime() - 60_000),
  });
  await makeInteraction(w.prisma, { customer_id: prospect.id, owner_id: marketer.id, content: `${tag} call notes` });
  const opportunity = await makeOpportunity(w.prisma, { customer_id: customer.id });
  const technician = await makeTechnician(w.prisma, { owner_id: contractor.id, name: `${tag} Tech` });
  await w.prisma.banAppeal.create({
    data: { contractor_id: contractor.id, appeal_reason: `${tag} appeal: the customer never answered the phone` },
  });
  await w.prisma.outboundMessage.create({
    data: {
      channel: "sms",
      to_address: "+16025550100",
      kind: "sequence_step",
      body: `${tag} hello from your installer`,
      customer_id: customer.id,
      user_id: contractor.id,
      next_attempt_at: FACTORY_NOW,
    },
  });
  const ids = {
    contractor: contractor.id,
    marketer: marketer.id,
    customer: customer.id,
    prospect: prospect.id,
    lead: lead.id,
    deal: deal.id,
    sequence: sequence.id,
    reminder: reminder.id,
    opportunity: opportunity.id,
    technician: technician.id,
  };
  return { tag, manager, team, ids };
}

/** Whatever of team B's shows up in a response body (its ids, or its `Bravo…` names). */
function leaksOfB(body: string): string[] {
  const found = Object.entries(B.ids)
    .filter(([, id]) => body.includes(id))
    .map(([k]) => k);
  if (body.includes(B.tag)) found.push(`"${B.tag}" text`);
  return found;
}

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(FACTORY_NOW);
  app = await createTestApp(w);
  pipelineId = (await makePipeline(w.prisma, { name: "Shared sales" })).id;
  A = await seedTeam("Alphaorg");
  B = await seedTeam("Bravoorg");
  // An admin's change to B's customer leaves an audit row naming it (the audit log is platform data).
  const admin = await apiKey(w);
  const changed = await app.inject({
    method: "PUT",
    url: `/api/customers/${B.ids.customer}`,
    headers: admin,
    payload: { notes: "Bravoorg note by the admin" },
  });
  if (changed.statusCode !== 200) throw new Error(changed.body);
  const r = await createApiKey(
    w.prisma,
    { token: (n = 16) => randomBytes(n).toString("base64url") },
    { name: "team A", scope: { kind: "team", teamId: A.team.id } },
  );
  if (!r.ok) throw new Error(r.message);
  teamKey = { authorization: `Bearer ${r.value.key}` };
  panel = new PanelClient(app);
  await panel.login(A.manager.email ?? "");
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const apiGets = () =>
  [
    ...new Set(
      app.routeList
        .filter((r) => r.method === "GET" && r.url.startsWith("/api/"))
        .filter(
          (r) => !r.url.startsWith("/api/docs") && r.url !== "/api/openapi.json" && !r.url.startsWith("/api/hooks"),
        )
        .map((r) => r.url),
    ),
  ].filter((u) => !u.startsWith("/api/sandbox"));

describe("a team:<id> API key", () => {
  it("every GET list under /api: team A's rows, never team B's", async () => {
    const urls = apiGets().filter((u) => !u.includes(":"));
    expect(urls.length).toBeGreaterThan(15);
    const leaks: string[] = [];
    const seen = new Map<string, string>();
    for (const url of urls) {
      const res = await app.inject({ url, headers: teamKey });
      expect(res.statusCode, url).toBeLessThan(500);
      const found = leaksOfB(res.body);
      if (found.length) leaks.push(`${url}: ${found.join(", ")}`);
      seen.set(url, res.body);
    }
    expect(leaks).toEqual([]);
    // The lists of the team's own rows do carry them (so the sweep cannot pass by showing nothing).
    const carries: Array<[string, string]> = [
      ["/api/customers", A.ids.customer],
      ["/api/customers", A.ids.prospect],
      ["/api/leads", A.ids.lead],
      ["/api/sequences", A.ids.sequence],
      ["/api/reminders/due", A.ids.reminder],
      ["/api/teams", A.team.id],
    ];
    for (const [url, id] of carries) expect(seen.get(url) ?? `(no ${url})`, url).toContain(id);
    // Deals: the shared pipeline's board shows A's deal and not B's.
    const board = await app.inject({ url: `/api/pipelines/${pipelineId}/board`, headers: teamKey });
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain(A.ids.deal);
    expect(leaksOfB(board.body)).toEqual([]);
  });

  it("every GET detail route with B's ids: nothing of B (a 404 for B's customer, lead, deal and sequence)", async () => {
    const urls = apiGets().filter((u) => (u.match(/:/g) ?? []).length === 1);
    const leaks: string[] = [];
    for (const url of urls) {
      for (const id of Object.values(B.ids)) {
        const res = await app.inject({ url: url.replace(/:[a-zA-Z_]+/, id), headers: teamKey });
        expect(res.statusCode, url).toBeLessThan(500);
        const found = leaksOfB(res.body).filter(
          (k) => k !== Object.keys(B.ids).find((x) => B.ids[x as keyof typeof B.ids] === id),
        );
        if (found.length || (res.statusCode === 200 && res.body.includes(B.tag))) leaks.push(`${url} ${id}: ${found}`);
      }
    }
    expect(leaks).toEqual([]);
    for (const [url, id] of [
      ["/api/customers/:id", B.ids.customer],
      ["/api/leads/:id", B.ids.lead],
      ["/api/sequences/:id", B.ids.sequence],
    ] as const) {
      if (!urls.includes(url)) continue;
      const res = await app.inject({ url: url.replace(":id", id), headers: teamKey });
      expect(res.statusCode, url).toBe(404);
      const own = await app.inject({
        url: url.replace(
          ":id",
          id === B.ids.customer ? A.ids.customer : id === B.ids.lead ? A.ids.lead : A.ids.sequence,
        ),
        headers: teamKey,
      });
      expect(own.statusCode, `${url} (own)`).toBe(200);
    }
  });

  it("changes only the team's rows: B's customer is a 404, A's member's customer can be edited", async () => {
    const theirs = await app.inject({
      method: "PUT",
      url: `/api/customers/${B.ids.customer}`,
      headers: teamKey,
      payload: { notes: "mine now" },
    });
    expect(theirs.statusCode).toBe(404);
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: B.ids.customer } })).notes).not.toBe("mine now");
    const ours = await app.inject({
      method: "PUT",
      url: `/api/customers/${A.ids.customer}`,
      headers: teamKey,
      payload: { notes: "checked by the manager" },
    });
    expect(ours.statusCode).toBe(200);
    // A customer for someone outside the team is refused.
    const outsider = await app.inject({
      method: "POST",
      url: "/api/customers",
      headers: teamKey,
      payload: { name: "New one", owner_id: B.ids.contractor, phone: "+1 602 555 0199" },
    });
    expect(outsider.statusCode).toBe(403);
    expect(await w.prisma.customer.count({ where: { name: "New one" } })).toBe(0);
  });
});

describe("a sales manager signed into the panel", () => {
  const panelGets = () => [
    ...new Set(
      app.routeList
        .filter((r) => r.method === "GET" && r.url.startsWith("/admin"))
        .filter((r) => !/\*|login|logout|ticker|vendor|static|stream|sse/.test(r.url))
        .map((r) => r.url),
    ),
  ];

  it("every panel GET page: team A's rows, never team B's", async () => {
    const urls = panelGets().filter((u) => !u.includes(":"));
    expect(urls.length).toBeGreaterThan(15);
    const leaks: string[] = [];
    const bodies = new Map<string, string>();
    for (const url of urls) {
      const res = await panel.get(url);
      expect(res.statusCode, url).toBeLessThan(500);
      const found = leaksOfB(res.body);
      if (found.length) leaks.push(`${url}: ${found.join(", ")}`);
      bodies.set(url, res.body);
    }
    expect(leaks).toEqual([]);
    for (const [url, text] of [
      ["/admin/customers", "Alphaorg Customer"],
      ["/admin/leads", "Alphaorg water heater"],
      ["/admin/contractors", "Alphaorg Heating"],
      ["/admin/sequences", "Alphaorg Customer"],
    ] as const) {
      expect(bodies.get(url) ?? `(no ${url})`, url).toContain(text);
    }
  });

  it("B's detail pages are 404 (customer, lead, contractor); A's open", async () => {
    const urls = panelGets().filter((u) => (u.match(/:/g) ?? []).length === 1);
    const leaks: string[] = [];
    for (const url of urls) {
      for (const id of Object.values(B.ids)) {
        const res = await panel.get(url.replace(/:[a-zA-Z_]+/, id));
        expect(res.statusCode, url).toBeLessThan(500);
        if (res.body.includes(B.tag)) leaks.push(`${url} ${id}`);
      }
    }
    expect(leaks).toEqual([]);
    for (const [area, key] of [
      ["customers", "customer"],
      ["leads", "lead"],
      ["contractors", "contractor"],
    ] as const) {
      expect((await panel.get(`/admin/${area}/${B.ids[key]}`)).statusCode, area).toBe(404);
      expect((await panel.get(`/admin/${area}/${A.ids[key]}`)).statusCode, area).toBe(200);
    }
  });

  it("an admin still sees both teams", async () => {
    const admin = new PanelClient(app);
    await admin.login((await createPanelUser(w, "admin")).email ?? "");
    const body = (await admin.get("/admin/customers")).body;
    expect(body).toContain("Alphaorg Customer");
    expect(body).toContain("Bravoorg Customer");
    const key = await apiKey(w);
    const list = (await app.inject({ url: "/api/customers?per_page=200", headers: key })).json();
    const ids = list.data.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining([A.ids.customer, B.ids.customer]));
  });
});
