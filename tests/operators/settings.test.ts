/**
 * Marketplace settings (issue 15): the response window, window warning, strikes to ban and the
 * rating discount table are audited database settings with the environment as the defaults.
 * A change applies from the next lead and never rewrites an open one; bad input is a 400 naming
 * the field with nothing written.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeBid } from "../../core/marketplace/bid.service.js";
import { dueMarketplaceKeys } from "../../core/marketplace/deadlines.js";
import { createLead } from "../../core/marketplace/lead.service.js";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCategory, makeContractor, makeLeadSource } from "../support/factories.js";

const NOW = new Date("2026-04-01T15:00:00Z");
const S = 1000;
let w: TestWorld;
let app: FastifyInstance;
let admin: { authorization: string };

beforeAll(async () => {
  w = await createWorld({ RESPONSE_WINDOW: "90s", WINDOW_WARNING: "30s", STRIKES_TO_BAN: "3" });
  w.clock.set(NOW);
  app = await createTestApp(w);
  admin = await apiKey(w);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

const put = (payload: object, headers = admin) =>
  app.inject({ method: "PUT", url: "/api/settings/marketplace", headers, payload });
const settingRows = () =>
  w.prisma.setting.findMany({ where: { key: { startsWith: "marketplace." } }, orderBy: { key: "asc" } });
const settingAudits = () => w.prisma.auditLog.count({ where: { entity_type: "setting", entity_id: "marketplace" } });

describe("/api/settings/marketplace: bad input", () => {
  it("answers the environment's values as the defaults before anything is saved", async () => {
    const res = await app.inject({ method: "GET", url: "/api/settings/marketplace", headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      response_window_seconds: 90,
      window_warning_seconds: 30,
      strikes_to_ban: 3,
      discount_table: [
        { min_rating: 4, multiplier: 0.95 },
        { min_rating: 4.5, multiplier: 0.9 },
        { min_rating: 4.8, multiplier: 0.85 },
      ],
      defaults: { response_window_seconds: 90, window_warning_seconds: 30, strikes_to_ban: 3 },
    });
  });

  it.each([
    ["response_window_seconds", { response_window_seconds: 0 }],
    ["response_window_seconds", { response_window_seconds: -120 }],
    ["response_window_seconds", { response_window_seconds: 7 * 86_400 }],
    ["response_window_seconds", { response_window_seconds: "2h" }],
    ["window_warning_seconds", { window_warning_seconds: 0 }],
    ["window_warning_seconds", { window_warning_seconds: 90 }], // not before the 90 s window ends
    ["window_warning_seconds", { response_window_seconds: 600, window_warning_seconds: 600 }],
    ["strikes_to_ban", { strikes_to_ban: 0 }],
    ["strikes_to_ban", { strikes_to_ban: 101 }],
    ["discount_table.0.multiplier", { discount_table: [{ min_rating: 4, multiplier: 0 }] }],
    ["discount_table.0.multiplier", { discount_table: [{ min_rating: 4, multiplier: 1.2 }] }],
    ["discount_table.0.multiplier", { discount_table: [{ min_rating: 4, multiplier: -0.5 }] }],
    [
      "discount_table.1.min_rating",
      {
        discount_table: [
          { min_rating: 4.8, multiplier: 0.85 },
          { min_rating: 4.5, multiplier: 0.9 },
        ],
      },
    ],
    ["discount_table.0.min_rating", { discount_table: [{ min_rating: 6, multiplier: 0.9 }] }],
  ])("refuses %s (%j) with a 400 naming it, writing nothing", async (field, body) => {
    const before = JSON.stringify(await settingRows());
    const audits = await settingAudits();
    // A valid change beside the bad one is not half-applied either.
    const res = await put({ strikes_to_ban: 5, ...body });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe("VALIDATION_FAILED");
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(JSON.stringify(await settingRows())).toBe(before);
    expect(await settingAudits()).toBe(audits);
  });

  it("refuses unknown fields and a contractor key", async () => {
    expect((await put({ bidding_window_seconds: 60 })).statusCode).toBe(400);
    const contractor = await makeContractor(w.prisma);
    expect((await put({ strikes_to_ban: 5 }, await apiKey(w, contractor.id))).statusCode).toBe(403);
    expect(await settingRows()).toEqual([]);
  });
});

describe("a change applies from the next lead and never rewrites an open one", () => {
  it("window, warning, strikes and discounts follow the lead's own copy", async () => {
    const category = await makeCategory(w.prisma);
    const source = await makeLeadSource(w.prisma, { bidding_window_seconds: 600, default_base_lead_cost: "40.00" });
    const c = await makeContractor(w.prisma, { rating: 4.0, categories: [category.id] });
    const lead = (phone: string) =>
      createLead(w.deps, {
        category: category.slug,
        lead_source: source.slug,
        title: "Furnace will not light",
        customer_name: "Lee Park",
        customer_phone: phone,
        customer_zip_code: "85004",
      });
    const a = await lead("+1 602 555 0101");
    if (!a.ok) throw new Error(a.message);

    const res = await put({
      response_window_seconds: 600,
      window_warning_seconds: 120,
      strikes_to_ban: 1,
      discount_table: [{ min_rating: 3.5, multiplier: 0.5 }],
    });
    expect(res.statusCode, res.body).toBe(200);
    const audit = await w.prisma.auditLog.findFirstOrThrow({ where: { action: "settings.marketplace.updated" } });
    expect(audit).toMatchObject({ actor_kind: "api_key", entity_id: "marketplace" });
    expect(audit.before).toMatchObject({ response_window_seconds: 90, strikes_to_ban: 3 });
    expect(audit.after).toMatchObject({ response_window_seconds: 600, strikes_to_ban: 1 });

    const b = await lead("+1 602 555 0102");
    if (!b.ok) throw new Error(b.message);
    // The open lead kept what it came in with.
    const aRow = await w.prisma.lead.findUniqueOrThrow({ where: { id: a.value.lead.id } });
    expect([aRow.response_window_seconds, aRow.window_warning_seconds, aRow.strikes_to_ban]).toEqual([90, 30, 3]);
    expect([b.value.lead.response_window_seconds, b.value.lead.strikes_to_ban]).toEqual([600, 1]);

    // Discounts: the open lead's bid uses the table it came in with (4.0 → 0.95), the next the new one.
    const bidA = await placeBid(w.deps, { leadId: a.value.lead.id, contractorId: c.id, multiplier: 1 });
    const bidB = await placeBid(w.deps, { leadId: b.value.lead.id, contractorId: c.id, multiplier: 1 });
    if (!bidA.ok || !bidB.ok) throw new Error("bids refused");
    expect(bidA.value.bid.final_bid_amount.toString()).toBe("38");
    expect(bidB.value.bid.final_bid_amount.toString()).toBe("20");

    await w.advance(600 * S); // bidding closes on both; rank 1's windows open
    const closedAt = w.clock.now().getTime();
    const windowA = await w.prisma.bid.findUniqueOrThrow({ where: { id: bidA.value.bid.id } });
    const windowB = await w.prisma.bid.findUniqueOrThrow({ where: { id: bidB.value.bid.id } });
    expect(windowA.response_window_ends_at?.getTime()).toBe(closedAt + 90 * S);
    expect(windowA.window_warn_at?.getTime()).toBe(closedAt + 60 * S);
    expect(windowB.response_window_ends_at?.getTime()).toBe(closedAt + 600 * S);
    expect(windowB.window_warn_at?.getTime()).toBe(closedAt + 480 * S);

    // The reconciler finds each window's warning at its own time.
    const at = (s: number) => new Date(closedAt + s * S);
    expect(await dueMarketplaceKeys(w.deps, at(70))).toContain(`warn:${bidA.value.bid.id}`);
    expect(await dueMarketplaceKeys(w.deps, at(70))).not.toContain(`warn:${bidB.value.bid.id}`);
    expect(await dueMarketplaceKeys(w.deps, at(490))).toContain(`warn:${bidB.value.bid.id}`);

    // Lead A's window ends: a strike, but A bans at 3, so no ban.
    await w.advance(90 * S);
    let user = await w.prisma.user.findUniqueOrThrow({ where: { id: c.id } });
    expect([user.strike_count, user.is_bidding_banned]).toEqual([1, false]);
    expect((await w.prisma.bid.findUniqueOrThrow({ where: { id: bidB.value.bid.id } })).status).toBe("WON");
    // Lead B's window ends 510 s later: B bans at 1.
    await w.advance(510 * S);
    user = await w.prisma.user.findUniqueOrThrow({ where: { id: c.id } });
    expect([user.strike_count, user.is_bidding_banned]).toEqual([2, true]);
  });

  it("GET answers the saved values beside the unchanged defaults", async () => {
    const res = await app.inject({ method: "GET", url: "/api/settings/marketplace", headers: admin });
    expect(res.json()).toMatchObject({
      response_window_seconds: 600,
      strikes_to_ban: 1,
      discount_table: [{ min_rating: 3.5, multiplier: 0.5 }],
      defaults: { response_window_seconds: 90, strikes_to_ban: 3 },
    });
  });
});

describe("Settings page: marketplace form", () => {
  let panel: PanelClient;

  beforeAll(async () => {
    const user = await createPanelUser(w, "admin");
    panel = new PanelClient(app);
    await panel.login(user.email ?? "");
    await panel.get("/admin/settings");
  });

  const form = (over: Record<string, string> = {}) => ({
    response_window_seconds: "7200",
    window_warning_seconds: "900",
    strikes_to_ban: "3",
    "discount.0.min_rating": "4.0",
    "discount.0.multiplier": "0.95",
    "discount.1.min_rating": "4.8",
    "discount.1.multiplier": "0.85",
    ...over,
  });

  it("saves the form (audited as the signed-in user) and shows the values", async () => {
    const res = await panel.postForm("/admin/settings/marketplace", form());
    expect(res.statusCode).toBe(303);
    const page = await panel.get("/admin/settings");
    expect(page.body).toContain('name="response_window_seconds" value="7200"');
    const api = await app.inject({ method: "GET", url: "/api/settings/marketplace", headers: admin });
    expect(api.json()).toMatchObject({
      response_window_seconds: 7200,
      discount_table: [{ min_rating: 4 }, { min_rating: 4.8 }],
    });
    const row = await w.prisma.auditLog.findFirstOrThrow({
      where: { action: "settings.marketplace.updated", actor_kind: "panel_user" },
    });
    expect(row.actor_user_id).not.toBeNull();
  });

  it("a bad form answers 422 naming the field and writes nothing", async () => {
    const before = JSON.stringify(await settingRows());
    const res = await panel.request({
      method: "POST",
      url: "/admin/settings/marketplace",
      payload: new URLSearchParams(form({ "discount.1.min_rating": "3.0", strikes_to_ban: "7" })).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true" },
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('data-error-for="discount_table.1.min_rating"');
    expect(JSON.stringify(await settingRows())).toBe(before);
  });
});
