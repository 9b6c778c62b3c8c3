/**
 * A contractor sets their service area by chat, through the sandbox API: /profile, /zips with
 * validation, the button flows (add asks for ZIPs, remove one by button, categories by buttons
 * from the categories table) — and the offers that start arriving because of it.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeMarketer } from "../support/factories.js";
import { marketplaceBasics, newLead, sandboxApp, sandboxClient, textsOf } from "./helpers.js";

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let carl: User;
let hvacId = "";
let plumbingId = "";
const S = "sbx-profile";
const say = (text: string) => chat.say(S, `contractor:${carl.id}`, { text });
const press = (choice: string) => chat.say(S, `contractor:${carl.id}`, { choice });
const zipsOf = async () => (await w.prisma.user.findUniqueOrThrow({ where: { id: carl.id } })).service_area_zip_codes;
const catsOf = async () => (await w.prisma.user.findUniqueOrThrow({ where: { id: carl.id } })).contractor_categories;

beforeAll(async () => {
  w = await createWorld({ BIDDING_WINDOW: "15m" });
  await marketplaceBasics(w);
  hvacId = (await w.prisma.category.findUniqueOrThrow({ where: { slug: "hvac" } })).id;
  plumbingId = (await w.prisma.category.create({ data: { slug: "plumbing", display_name: "Plumbing" } })).id;
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  carl = await makeContractor(w.prisma, { name: "Carl Cool", zips: [], categories: [] });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("/profile and /zips", () => {
  it("shows an empty profile with the buttons to fill it", async () => {
    const [p] = await say("/profile");
    expect(p?.text).toMatch(/^👤 Your profile\n📍 No service ZIP codes yet.*\n🏷 No categories yet/);
    expect(p?.buttons.map((b) => b.data)).toEqual(["cmd:zips", "prof:cats"]);
  });

  it("adds ZIP codes, refusing anything but five digits with nothing changed", async () => {
    expect(textsOf(await say("/zips 85001 8500 abcde"))).toBe(
      "“8500”, “abcde” are not ZIP codes, so nothing changed. A ZIP code is 5 digits — for example /zips 85001 85002.",
    );
    expect(textsOf(await say("/zips 850011"))).toMatch(/^“850011” is not a ZIP code, so nothing changed/);
    expect(await zipsOf()).toEqual([]);
    const [ok] = await say("/zips 85001, 85002 85001");
    expect(ok?.text).toMatch(/^✓ Added 2 ZIP codes: 85001, 85002\.\n\n👤 Your profile\n📍 Service ZIP codes \(2\)/);
    expect(await zipsOf()).toEqual(["85001", "85002"]);
    expect(textsOf(await say("/zips 85002"))).toMatch(/^Nothing changed — your profile already had that\./);
    const audit = await w.prisma.auditLog.count({ where: { entity_id: carl.id, action: "contractor.zips_changed" } });
    expect(audit).toBe(1);
  });

  it("removes ZIP codes by command and by button", async () => {
    await say("/zips 85003 85004");
    expect(textsOf(await say("/zips remove 85003"))).toMatch(/^✕ Removed 85003\./);
    const [pick] = await press("prof:rm");
    expect(pick?.text).toBe("Tap a ZIP code to remove it.");
    expect(pick?.buttons.map((b) => b.data)).toEqual(["zip:rm:85001", "zip:rm:85002", "zip:rm:85004"]);
    expect(textsOf(await press("zip:rm:85001"))).toMatch(/^✕ Removed 85001\./);
    expect(textsOf(await press("zip:rm:85001"))).toMatch(/^85001 was not in your profile\./); // pressed twice
    expect(textsOf(await press("zip:rm:not-a-zip"))).toMatch(/no longer active/);
    expect(await zipsOf()).toEqual(["85002", "85004"]);
  });

  it("asks for ZIP codes from the Add button and takes the next text", async () => {
    expect(textsOf(await press("cmd:zips"))).toMatch(/^📍 Type the ZIP codes to add/);
    expect(textsOf(await say("hello"))).toMatch(/“hello” is not a ZIP code/);
    await press("cmd:zips");
    expect(textsOf(await say("85005"))).toMatch(/^✓ Added 85005\./);
    expect(await zipsOf()).toEqual(["85002", "85004", "85005"]);
  });

  it("takes and drops categories by buttons from the categories table", async () => {
    const [list] = await press("prof:cats");
    expect(list?.text).toMatch(/^🏷 No categories yet.*\nTap a category/);
    expect(list?.buttons).toEqual([
      { label: "HVAC", data: `cat:+:${hvacId}` },
      { label: "Plumbing", data: `cat:+:${plumbingId}` },
    ]);
    const [added] = await press(`cat:+:${hvacId}`);
    expect(added?.text).toBe("✓ HVAC added.\n🏷 Categories: HVAC");
    expect(added?.buttons[0]).toEqual({ label: "✓ HVAC", data: `cat:-:${hvacId}` });
    await press(`cat:+:${hvacId}`); // the old button again: still taken once
    await press(`cat:+:${plumbingId}`);
    expect(await catsOf()).toEqual([hvacId, plumbingId]);
    expect(textsOf(await press(`cat:-:${plumbingId}`))).toBe("✕ Plumbing removed.\n🏷 Categories: HVAC");
    expect(await catsOf()).toEqual([hvacId]);
    expect(textsOf(await press("cat:+:00000000-0000-4000-8000-000000000000"))).toMatch(/no longer exists/);
    expect(textsOf(await press("cat:x:y"))).toMatch(/no longer active/);
    const p = textsOf(await say("/profile"));
    expect(p).toMatch(/📍 Service ZIP codes \(3\): 85002, 85004, 85005\n🏷 Categories: HVAC/);
  });

  it("gets lead offers in its new area", async () => {
    await newLead(w, "AC repair in 85004");
    const got = await chat.fresh(S);
    expect(got.map((m) => m.kind)).toEqual(["lead_offer"]);
    expect(textsOf(got)).toMatch(/New lead: AC repair in 85004/);
  });

  it("is for contractors only", async () => {
    const mia = await makeMarketer(w.prisma, { name: "Mia" });
    const said = await chat.say("sbx-mia-profile", `marketer:${mia.id}`, { text: "/profile" });
    expect(textsOf(said)).toBe("That is for contractors in the leads marketplace.");
    const zips = await chat.say("sbx-mia-profile", `marketer:${mia.id}`, { choice: "cmd:zips" });
    expect(textsOf(zips)).toBe("That is for contractors in the leads marketplace.");
  });
});
