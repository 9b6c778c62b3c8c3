/**
 * Blasts: one bulk outbox row per reachable, opted-in customer of the segment's owner; opted-out
 * and unreachable customers are counted, not messaged; sending twice (or resuming) adds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { BLAST_BATCH } from "../../core/segments/blast.js";
import { createCampaign, sendBlast, sendCampaign } from "../../core/segments/campaign.service.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeMessageTemplate, makeSegment } from "../support/factories.js";

const NOW = new Date("2026-01-05T17:00:00.000Z");
let w: TestWorld;
let a: string;
let b: string;
const as = (ownerId: string): ApiScope => ({ kind: "contractor", ownerId });
type Key = "plain" | "stopAll" | "optedEmail" | "noAddress" | "identity" | "spanish" | "strangerStop" | "otherOwner";
const ids = {} as Record<Key, string>;

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  a = (await makeContractor(w.prisma)).id;
  b = (await makeContractor(w.prisma)).id;
  const c = (key: Key, data: Parameters<typeof makeCustomer>[1]) =>
    makeCustomer(w.prisma, data).then((row) => {
      ids[key] = row.id;
      return row;
    });
  await c("plain", { owner_id: a, name: "Anna Jensen", email: "anna@example.com", property_city: "Phoenix" });
  await c("stopAll", { owner_id: a, name: "Stop All", email: "stop@example.com", opted_out_at: NOW });
  const optedEmail = await c("optedEmail", { owner_id: a, name: "Opted Email", email: "opted@example.com" });
  await w.prisma.channelIdentity.create({
    data: {
      channel: "email",
      address: "opted@example.com",
      customer_id: optedEmail.id,
      opted_out: true,
      opted_out_at: NOW,
    },
  });
  await c("noAddress", { owner_id: a, name: "No Address", email: null, phone: null });
  const withIdentity = await c("identity", { owner_id: a, name: "Ida Identity", email: "old@example.com" });
  await w.prisma.channelIdentity.create({
    data: { channel: "email", address: "ida@work.example.com", customer_id: withIdentity.id },
  });
  await c("spanish", { owner_id: a, name: "Sofía Ruiz", email: "sofia@example.com", language_preference: "es" });
  await c("strangerStop", { owner_id: a, name: "Stranger Stop", email: "STRANGER@example.com" });
  await w.prisma.channelIdentity.create({
    data: { channel: "email", address: "stranger@example.com", opted_out: true },
  });
  await c("otherOwner", { owner_id: b, name: "Bea Other", email: "bea@example.com" });
});
afterAll(async () => w?.close());

let templates = 0;
async function template() {
  templates++;
  const key = `spring_tuneup_${templates}`;
  const en = await makeMessageTemplate(w.prisma, {
    key,
    language: "en",
    subject: "Spring tune-up, {{first_name}}",
    body: "Hi {{first_name}}, book your spring tune-up in {{city}}!",
  });
  await makeMessageTemplate(w.prisma, { key, language: "es", subject: "Revisión", body: "¡Hola {{first_name}}!" });
  return en;
}

describe("sendBlast", () => {
  it("queues one bulk e-mail per reachable customer and skips opted-out and unreachable ones", async () => {
    const segment = await makeSegment(w.prisma, { owner_id: a, filter: { all: [] } });
    const t = await template();
    const r = await sendBlast(w.deps, as(a), { segment_id: segment.id, message_template_id: t.id, channel: "email" });
    if (!r.ok) throw new Error(r.message);
    expect(r.value).toMatchObject({
      already_sent: false,
      matched: 7,
      queued: 3,
      skipped: { opted_out: 3, unreachable: 1 },
      campaign: { status: "sent", recipient_count: 3, skipped_count: 4, sent_at: NOW, owner_id: a },
    });
    const rows = await w.prisma.outboundMessage.findMany({ where: { campaign_id: r.value.campaign.id } });
    const byCustomer = new Map(rows.map((row) => [row.customer_id, row]));
    expect([...byCustomer.keys()].sort()).toEqual([ids.plain, ids.identity, ids.spanish].sort());
    for (const row of rows) {
      expect(row).toMatchObject({
        lane: "bulk",
        kind: "blast",
        channel: "email",
        status: "queued",
        dedupe_key: `campaign:${r.value.campaign.id}:${row.customer_id}`,
        next_attempt_at: NOW,
      });
    }
    expect(byCustomer.get(ids.plain)).toMatchObject({
      to_address: "anna@example.com",
      identity_id: null,
      subject: "Spring tune-up, Anna",
      body: "Hi Anna, book your spring tune-up in Phoenix!",
    });
    expect(byCustomer.get(ids.identity)?.to_address).toBe("ida@work.example.com");
    expect(byCustomer.get(ids.identity)?.identity_id).not.toBeNull();
    expect(byCustomer.get(ids.spanish)).toMatchObject({ subject: "Revisión", body: "¡Hola Sofía!" });
  });

  it("is idempotent: a second send and a resumed send queue nothing twice", async () => {
    const segment = await makeSegment(w.prisma, {
      owner_id: a,
      filter: { field: "email", op: "is_null", value: false },
    });
    const created = await createCampaign(w.deps, as(a), {
      segment_id: segment.id,
      body: "Hello {{first_name}}",
      subject: "News",
      channel: "email",
    });
    if (!created.ok) throw new Error(created.message);
    const id = created.value.id;
    // a crashed earlier run had already queued Anna's message
    await w.prisma.campaign.update({ where: { id }, data: { status: "sending" } });
    await w.prisma.outboundMessage.create({
      data: {
        channel: "email",
        to_address: "anna@example.com",
        customer_id: ids.plain,
        lane: "bulk",
        kind: "blast",
        body: "Hello Anna",
        next_attempt_at: NOW,
        dedupe_key: `campaign:${id}:${ids.plain}`,
        campaign_id: id,
      },
    });
    const first = await sendCampaign(w.deps, as(a), id);
    expect(first).toMatchObject({ ok: true, value: { queued: 2, campaign: { status: "sent", recipient_count: 3 } } });
    const again = await sendCampaign(w.deps, as(a), id);
    expect(again).toMatchObject({ ok: true, value: { already_sent: true, queued: 0 } });
    await w.prisma.campaign.update({ where: { id }, data: { status: "sending" } });
    const resumed = await sendCampaign(w.deps, as(a), id);
    expect(resumed).toMatchObject({ ok: true, value: { queued: 0, campaign: { status: "sent", recipient_count: 3 } } });
    expect(await w.prisma.outboundMessage.count({ where: { campaign_id: id } })).toBe(3);
    const [x, y] = await Promise.all([sendCampaign(w.deps, as(a), id), sendCampaign(w.deps, as(a), id)]);
    expect(x.ok && y.ok).toBe(true);
    expect(await w.prisma.outboundMessage.count({ where: { campaign_id: id } })).toBe(3);
  });

  it("uses each customer's preferred channel when the campaign names none (a phone preference is SMS)", async () => {
    const c = await makeContractor(w.prisma);
    const sms = await makeCustomer(w.prisma, {
      owner_id: c.id,
      preferred_contact_method: "phone",
      phone: "+16025550199",
    });
    const wa = await makeCustomer(w.prisma, { owner_id: c.id, preferred_contact_method: "whatsapp" });
    await w.prisma.channelIdentity.create({
      data: { channel: "whatsapp", address: "16025550198@s.whatsapp.net", customer_id: wa.id },
    });
    const segment = await makeSegment(w.prisma, { owner_id: c.id, filter: { all: [] } });
    const r = await sendBlast(w.deps, as(c.id), { segment_id: segment.id, body: "Hi {{first_name}}" });
    expect(r).toMatchObject({ ok: true, value: { queued: 2 } });
    const rows = await w.prisma.outboundMessage.findMany({ where: { campaign_id: r.ok ? r.value.campaign.id : "" } });
    expect(rows.find((x) => x.customer_id === sms.id)).toMatchObject({
      channel: "sms",
      to_address: "+16025550199",
      subject: null,
    });
    expect(rows.find((x) => x.customer_id === wa.id)).toMatchObject({ channel: "whatsapp" });
  });

  it("walks more customers than one batch", async () => {
    const c = await makeContractor(w.prisma);
    const n = BLAST_BATCH + 37;
    await w.prisma.customer.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        owner_id: c.id,
        name: `Bulk ${i}`,
        email: `bulk${i}@example.com`,
        property_city: "Tempe",
        opted_out_at: i % 10 === 0 ? NOW : null,
      })),
    });
    const segment = await makeSegment(w.prisma, { owner_id: c.id, filter: { field: "city", op: "=", value: "tempe" } });
    const r = await sendBlast(w.deps, as(c.id), { segment_id: segment.id, body: "Hi", channel: "email" });
    const skipped = Math.ceil(n / 10);
    expect(r).toMatchObject({
      ok: true,
      value: { matched: n, queued: n - skipped, campaign: { recipient_count: n - skipped, skipped_count: skipped } },
    });
  });
});

describe("a contractor can only blast their own customers", () => {
  it("cannot use, send or preview another contractor's segment or campaign", async () => {
    const segmentA = await makeSegment(w.prisma, { owner_id: a, filter: { all: [] } });
    expect(await sendBlast(w.deps, as(b), { segment_id: segmentA.id, body: "hi" })).toMatchObject({
      ok: false,
      code: "NOT_FOUND",
    });
    const campaignA = await createCampaign(w.deps, as(a), { segment_id: segmentA.id, body: "hi", channel: "email" });
    if (!campaignA.ok) throw new Error(campaignA.message);
    expect(await sendCampaign(w.deps, as(b), campaignA.value.id)).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await w.prisma.outboundMessage.count({ where: { campaign_id: campaignA.value.id } })).toBe(0);
  });

  it("a segment matching everything still reaches only its owner's customers", async () => {
    const segmentB = await makeSegment(w.prisma, { owner_id: b, filter: { all: [] } });
    const r = await sendBlast(w.deps, as(b), { segment_id: segmentB.id, body: "hi", channel: "email" });
    if (!r.ok) throw new Error(r.message);
    const rows = await w.prisma.outboundMessage.findMany({ where: { campaign_id: r.value.campaign.id } });
    expect(rows.map((x) => x.customer_id)).toEqual([ids.otherOwner]);
  });

  it("cannot use another contractor's template; a platform template is fine", async () => {
    const segmentB = await makeSegment(w.prisma, { owner_id: b, filter: { all: [] } });
    const ofA = await makeMessageTemplate(w.prisma, { owner_id: a });
    expect(await createCampaign(w.deps, as(b), { segment_id: segmentB.id, message_template_id: ofA.id })).toMatchObject(
      {
        ok: false,
        code: "NOT_FOUND",
      },
    );
    const platform = await makeMessageTemplate(w.prisma);
    expect(
      await createCampaign(w.deps, as(b), { segment_id: segmentB.id, message_template_id: platform.id }),
    ).toMatchObject({ ok: true });
  });

  it("a cancelled campaign is not sent", async () => {
    const segmentB = await makeSegment(w.prisma, { owner_id: b, filter: { all: [] } });
    const c = await createCampaign(w.deps, as(b), { segment_id: segmentB.id, body: "hi" });
    if (!c.ok) throw new Error(c.message);
    await w.prisma.campaign.update({ where: { id: c.value.id }, data: { status: "cancelled" } });
    expect(await sendCampaign(w.deps, as(b), c.value.id)).toMatchObject({ ok: false, code: "CONFLICT" });
  });
});
