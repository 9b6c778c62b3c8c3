/**
 * Finding 10 of issue 11: a lead's personal details — name, phone, e-mail, the street address in
 * `metadata`, and what the customer typed into the title or description — are shown only to an
 * admin, to the contractor holding the open response window, and to the one who won it by
 * answering. Checked over the REST API (each kind of contractor key) and in chat (`/leads`).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { leadForViewer, maskPersonalText, maySeeCustomer } from "../../core/marketplace/lead-privacy.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { marketplaceBasics, sandboxApp, sandboxClient, textsOf } from "../bot/helpers.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeBid, makeContractor, makeLead } from "../support/factories.js";

const NOW = new Date("2026-11-18T17:00:00Z");
const MIN = 60_000;
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MIN);

const PORTLAND = "218 E Portland St";
const TWENTY_SIXTH = "1520 N 26th St";
const SEVENTH = "9033 N 7th St";
const DESCRIPTION_PHONE = "602-555-0199";

let w: TestWorld;
let app: FastifyInstance;
let chat: ChatApp;
let say: ReturnType<typeof sandboxClient>["say"];
const ids: Record<string, string> = {};
const keys: Record<string, { authorization: string }> = {};

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m", RESPONSE_WINDOW: "2h" });
  w.clock.set(NOW);
  await marketplaceBasics(w);
  const hvac = await w.prisma.category.findUniqueOrThrow({ where: { slug: "hvac" } });
  const contractor = async (name: string) =>
    (
      await makeContractor(w.prisma, {
        name,
        service_area_zip_codes: ["85004"],
        contractor_categories: [hvac.id],
      })
    ).id;
  for (const who of ["holder", "expired", "loser", "waiting", "winner", "stranger"]) ids[who] = await contractor(who);

  // A lead whose rank-2 window is open now: rank 1's window ran out, one bid lost, rank 3 waits.
  const open = await makeLead(w.prisma, {
    category_id: hvac.id,
    lead_source: "website",
    title: `No hot water at ${PORTLAND}`,
    description: `Gate code 4411, call me on ${DESCRIPTION_PHONE} or ann.lee@example.com`,
    customer_name: "Ann Lee",
    customer_email: "ann.lee@example.com",
    customer_phone: "+16025550150",
    metadata: { address: PORTLAND, city: "Phoenix", state: "AZ", form_id: "f-1" },
    status: "PENDING_RESPONSE_2",
    current_rank: 2,
    bidding_closes_at: at(-130),
    created_at: at(-150),
  });
  ids.open = open.id;
  await makeBid(w.prisma, {
    lead_id: open.id,
    contractor_id: ids.expired,
    bid_rank: 1,
    status: "EXPIRED",
    response_window_starts_at: at(-130),
    response_window_ends_at: at(-10),
    strike_applied: true,
  });
  await makeBid(w.prisma, {
    lead_id: open.id,
    contractor_id: ids.holder,
    bid_rank: 2,
    status: "WON",
    response_window_starts_at: at(-10),
    response_window_ends_at: at(110),
  });
  await makeBid(w.prisma, { lead_id: open.id, contractor_id: ids.waiting, bid_rank: 3, status: "ACTIVE" });
  await makeBid(w.prisma, { lead_id: open.id, contractor_id: ids.loser, status: "LOST" });

  // A lead the winner answered inside their window (contacted); another bidder lost it.
  const won = await makeLead(w.prisma, {
    category_id: hvac.id,
    lead_source: "website",
    title: "AC blowing warm air",
    customer_name: "Raj Patel",
    metadata: { address: TWENTY_SIXTH, city: "Phoenix" },
    status: "CONTACTED",
    contacted_by_id: ids.winner,
    contacted_at: at(-100),
    bidding_closes_at: at(-200),
    created_at: at(-220),
  });
  ids.won = won.id;
  await makeBid(w.prisma, {
    lead_id: won.id,
    contractor_id: ids.winner,
    bid_rank: 1,
    status: "WON",
    response_window_starts_at: at(-200),
    response_window_ends_at: at(-80),
    responded_at: at(-100),
  });
  await makeBid(w.prisma, { lead_id: won.id, contractor_id: ids.loser, bid_rank: 2, status: "LOST" });

  // An open lead nobody has bid on yet: offered to every contractor in 85004/HVAC.
  ids.fresh = (
    await makeLead(w.prisma, {
      category_id: hvac.id,
      lead_source: "website",
      title: `Leak under the sink at ${SEVENTH}`,
      customer_name: "Mia Gomez",
      metadata: { address: SEVENTH, city: "Phoenix", contact: { mobile: "+16025550177" } },
      status: "ACTIVE",
      bidding_closes_at: at(10),
      created_at: at(-5),
    })
  ).id;

  for (const who of ["holder", "expired", "loser", "waiting", "winner", "stranger"])
    keys[who] = await apiKey(w, ids[who]);
  keys.admin = await apiKey(w);

  chat = createChatApp(w.deps);
  app = await sandboxApp(w, chat);
  ({ say } = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } })));
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

async function getJson(url: string, who: string): Promise<{ status: number; body: string }> {
  const res = await app.inject({ method: "GET", url, headers: keys[who] });
  return { status: res.statusCode, body: res.body };
}

/** The lead as `who` gets it from the list (by id) and from its timeline. */
async function leadAs(who: string, leadId: string) {
  const list = await getJson("/api/leads?per_page=100", who);
  expect(list.status).toBe(200);
  const row = (JSON.parse(list.body) as { data: Array<Record<string, unknown>> }).data.find((l) => l.id === leadId);
  const one = await getJson(`/api/leads/${leadId}`, who);
  expect(one.status).toBe(200);
  return {
    row,
    rowText: JSON.stringify(row),
    timeline: JSON.parse(one.body) as Record<string, unknown>,
    raw: one.body,
  };
}

describe("over the API", () => {
  it("the open-window holder sees the customer: address, phone, e-mail, the text they wrote", async () => {
    const { row, timeline } = await leadAs("holder", ids.open as string);
    for (const shown of [row, timeline]) {
      expect(shown).toMatchObject({
        customer_name: "Ann Lee",
        customer_phone: "+16025550150",
        customer_email: "ann.lee@example.com",
        title: `No hot water at ${PORTLAND}`,
        metadata: { address: PORTLAND, city: "Phoenix" },
      });
      expect(String(shown?.description)).toContain(DESCRIPTION_PHONE);
    }
  });

  it("the winner who answered sees the customer of the lead they won", async () => {
    const { row, timeline } = await leadAs("winner", ids.won as string);
    expect(row).toMatchObject({ customer_name: "Raj Patel", metadata: { address: TWENTY_SIXTH } });
    expect(timeline).toMatchObject({ customer_name: "Raj Patel", metadata: { address: TWENTY_SIXTH } });
  });

  for (const who of ["loser", "expired", "waiting"]) {
    it(`a bidder who ${who === "loser" ? "lost" : who === "expired" ? "let their window run out" : "waits for rank 3"} sees the job, not the person`, async () => {
      const { row, rowText, timeline, raw } = await leadAs(who, ids.open as string);
      for (const text of [rowText, raw]) {
        expect(text).not.toContain("Portland");
        expect(text).not.toContain(DESCRIPTION_PHONE);
        expect(text).not.toContain("ann.lee@example.com");
        expect(text).not.toContain("Lee");
      }
      for (const shown of [row, timeline]) {
        expect(shown).toMatchObject({
          customer_name: "Ann",
          customer_phone: null,
          customer_email: null,
          customer_zip_code: "85004",
          title: "No hot water at [hidden]",
          metadata: { city: "Phoenix", state: "AZ", form_id: "f-1" },
        });
        expect(shown?.metadata).not.toHaveProperty("address");
      }
    });
  }

  it("the loser of a contacted lead does not get its address either", async () => {
    const { rowText, raw } = await leadAs("loser", ids.won as string);
    expect(rowText).not.toContain(TWENTY_SIXTH);
    expect(raw).not.toContain(TWENTY_SIXTH);
    expect(raw).not.toContain("Patel");
  });

  it("a contractor who never bid sees an offer without the address (title masked, nested contact removed)", async () => {
    const { row, rowText, raw } = await leadAs("stranger", ids.fresh as string);
    expect(row).toMatchObject({
      title: "Leak under the sink at [hidden]",
      customer_name: "Mia",
      metadata: { city: "Phoenix" },
    });
    for (const text of [rowText, raw]) {
      expect(text).not.toContain("9033");
      expect(text).not.toContain("5550177");
      expect(text).not.toContain("Gomez");
    }
    expect((await getJson(`/api/leads/${ids.won}`, "stranger")).status).toBe(404); // not theirs at all
  });

  it("an admin sees everything", async () => {
    for (const [id, address] of [
      [ids.open, PORTLAND],
      [ids.won, TWENTY_SIXTH],
      [ids.fresh, SEVENTH],
    ] as const) {
      const { row, timeline } = await leadAs("admin", id as string);
      expect(row).toMatchObject({ metadata: { address } });
      expect(timeline).toMatchObject({ metadata: { address } });
    }
    const { row } = await leadAs("admin", ids.fresh as string);
    expect(row).toMatchObject({ customer_name: "Mia Gomez", metadata: { contact: { mobile: "+16025550177" } } });
  });

  it("a window that has ended no longer shows the customer, even before the expiry job ran", () => {
    const bid = {
      contractor_id: "c1",
      status: "WON",
      response_window_starts_at: at(-120),
      response_window_ends_at: at(0),
      responded_at: null,
    };
    const viewer = { kind: "contractor" as const, contractorId: "c1" };
    expect(maySeeCustomer(viewer, {}, bid, at(-1))).toBe(true);
    expect(maySeeCustomer(viewer, {}, bid, at(0))).toBe(false);
    expect(maySeeCustomer({ kind: "contractor", contractorId: "c2" }, {}, bid, at(-1))).toBe(false);
    const lead = {
      title: "t",
      description: "",
      customer_name: "A B",
      customer_email: "a@b.co",
      customer_phone: "+16025550100",
      metadata: { street: "1 Main St", geo: { lat: 33.4, lng: -112 }, utm: { source: "fb" }, zip: "85004" },
    };
    expect(leadForViewer(lead, viewer, bid, at(5))).toMatchObject({
      metadata: { utm: { source: "fb" }, zip: "85004" },
    });
    expect(leadForViewer(lead, viewer, bid, at(5)).metadata).not.toHaveProperty("street");
    expect(leadForViewer(lead, viewer, bid, at(5)).metadata).not.toHaveProperty("geo");
    expect(maskPersonalText("Budget 1500, by 2026-11-20; ring 602 555 0101")).toBe(
      "Budget 1500, by 2026-11-20; ring [hidden]",
    );
  });
});

describe("in chat (/leads)", () => {
  it("the window holder's /leads shows the customer and their address", async () => {
    const text = textsOf(await say("holder", `contractor:${ids.holder}`, { text: "/leads" }));
    expect(text).toContain("Ann Lee");
    expect(text).toContain(PORTLAND);
  });

  it("a waiting bidder's and a stranger's /leads show the jobs without any address", async () => {
    const waiting = textsOf(await say("waiting", `contractor:${ids.waiting}`, { text: "/leads" }));
    expect(waiting).toContain("No hot water at [hidden]");
    expect(waiting).not.toContain("Portland");
    const stranger = textsOf(await say("stranger", `contractor:${ids.stranger}`, { text: "/leads" }));
    expect(stranger).toContain("Leak under the sink at [hidden]");
    expect(stranger).not.toContain("9033");
    expect(stranger).not.toContain("Portland");
  });

  it("a loser and the contractor whose window ran out see no address in /leads", async () => {
    for (const who of ["loser", "expired"]) {
      const text = textsOf(await say(who, `contractor:${ids[who]}`, { text: "/leads" }));
      expect(text).not.toContain("Portland");
      expect(text).not.toContain("26th");
    }
  });
});
