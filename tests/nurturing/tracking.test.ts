import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { enroll, markOutcome } from "../../core/nurturing/sequence.service.js";
import { recordClick, recordOpen } from "../../core/nurturing/tracking.service.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import {
  advance,
  contractorAndCustomer,
  DAY,
  fire,
  MIN,
  noticesTo,
  nurturingApp,
  PHOENIX_MORNING,
  template,
} from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
beforeAll(async () => {
  w = await createWorld({ PUBLIC_URL: "https://leads.example.com" });
  app = await nurturingApp(w);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});
beforeEach(() => {
  w.clock.set(PHOENIX_MORNING);
  w.scheduler.pending.clear();
});

const STEPS = [
  { delay: "0m", channel: "sms", text: "Options: {{link}}", link_url: "https://desertbreeze.example/options?x=1" },
  { delay: "1d", channel: "email", subject: "Report", text: "Report: {{link}}" },
];

/** A running sequence whose two steps went out; returns the tracked-link tokens per step. */
async function twoStepsSent() {
  const { contractor, customer } = await contractorAndCustomer(w);
  const t = await template(w, STEPS);
  const r = await enroll(w.deps, { customerId: customer.id, templateId: t.id });
  if (!r.ok) throw new Error(r.message);
  await fire(w);
  await advance(w, DAY);
  const links = await w.prisma.trackedLink.findMany({
    where: { sequence_event: { sequence_id: r.value.id } },
    include: { sequence_event: true },
  });
  const token = (step: number) => links.find((l) => l.sequence_event?.step_number === step)?.token as string;
  return { contractor, customer, seq: r.value, token };
}

const seqRow = (id: string) => w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id } });

describe("clicks and the high-interest nudge", () => {
  it("the first click sets clicked_at; two clicks flag high interest once and nudge the contractor once", async () => {
    const { contractor, seq, token } = await twoStepsSent();
    const first = await recordClick(w.deps, token(1));
    expect(first.ok && first.value).toEqual({ url: "https://desertbreeze.example/options?x=1", highInterest: false });
    const e1 = await w.prisma.sequenceEvent.findFirstOrThrow({ where: { sequence_id: seq.id, step_number: 1 } });
    expect(e1.clicked_at?.toISOString()).toBe(w.clock.now().toISOString());
    expect((await seqRow(seq.id)).click_count).toBe(1);
    expect((await seqRow(seq.id)).high_interest_at).toBeNull();

    w.clock.advance(10 * MIN);
    const second = await recordClick(w.deps, token(2));
    expect(second.ok && second.value.highInterest).toBe(true);
    const flagged = await seqRow(seq.id);
    expect(flagged.click_count).toBe(2);
    expect(flagged.high_interest_at?.toISOString()).toBe(w.clock.now().toISOString());
    const e2 = await w.prisma.sequenceEvent.findFirstOrThrow({ where: { sequence_id: seq.id, step_number: 2 } });
    expect(e2.opened_at).not.toBeNull(); // a click on an e-mail proves it was opened

    w.clock.advance(10 * MIN);
    await recordClick(w.deps, token(1));
    const after = await seqRow(seq.id);
    expect(after.click_count).toBe(3);
    expect(after.high_interest_at?.toISOString()).toBe(flagged.high_interest_at?.toISOString());
    const link = await w.prisma.trackedLink.findUniqueOrThrow({ where: { token: token(1) } });
    expect(link.click_count).toBe(2);
    expect(link.first_clicked_at?.getTime()).toBeLessThan(link.last_clicked_at?.getTime() ?? 0);
    const clickedAgain = await w.prisma.sequenceEvent.findFirstOrThrow({ where: { id: e1.id } });
    expect(clickedAgain.clicked_at?.toISOString()).toBe(e1.clicked_at?.toISOString());

    const nudges = await noticesTo(w, contractor.id, "high_interest");
    expect(nudges.map((n) => n.body)).toEqual([
      "Anna Jensen clicked your link twice — check whether they booked elsewhere.",
    ]);
  });

  it("no nudge once the sequence is already won", async () => {
    const { contractor, seq, token } = await twoStepsSent();
    await markOutcome(w.deps, seq.id, { kind: "admin" }, { outcome: "converted", revenue_usd: 100 });
    await recordClick(w.deps, token(1));
    await recordClick(w.deps, token(1));
    expect((await seqRow(seq.id)).high_interest_at).not.toBeNull();
    expect(await noticesTo(w, contractor.id, "high_interest")).toHaveLength(0);
  });

  it("opens are recorded once; unknown tokens are NOT_FOUND", async () => {
    const { seq, token } = await twoStepsSent();
    const r = await recordOpen(w.deps, token(2));
    expect(r.ok && r.value.opened).toBe(true);
    w.clock.advance(MIN);
    const again = await recordOpen(w.deps, token(2));
    expect(again.ok && again.value.opened).toBe(false);
    const e2 = await w.prisma.sequenceEvent.findFirstOrThrow({ where: { sequence_id: seq.id, step_number: 2 } });
    expect(e2.opened_at?.getTime()).toBe(w.clock.now().getTime() - MIN);
    expect(e2.delivery_status).toBe("delivered");
    for (const bad of ["nope", "../../etc", "a".repeat(40)]) {
      const x = await recordClick(w.deps, bad);
      expect(x.ok ? "ok" : x.code).toBe("NOT_FOUND");
    }
  });
});

describe("GET /t/:token and /o/:token.gif (no auth)", () => {
  it("redirects to the stored URL and counts the click", async () => {
    const { seq, token } = await twoStepsSent();
    const res = await app.inject({ method: "GET", url: `/t/${token(1)}` });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe("https://desertbreeze.example/options?x=1");
    expect(res.headers["cache-control"]).toContain("no-store");
    expect((await seqRow(seq.id)).click_count).toBe(1);
    // a query string on the request never changes where it goes
    const sneaky = await app.inject({ method: "GET", url: `/t/${token(1)}?url=https://evil.example` });
    expect(sneaky.headers.location).toBe("https://desertbreeze.example/options?x=1");
  });

  it("the second link defaults to the public site when the step has no link_url", async () => {
    const { token } = await twoStepsSent();
    const res = await app.inject({ method: "GET", url: `/t/${token(2)}` });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe("https://leads.example.com/");
  });

  it("unknown tokens get a 404 page, never a redirect; stored non-http URLs are refused", async () => {
    const res = await app.inject({ method: "GET", url: "/t/doesnotexist" });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.headers.location).toBeUndefined();
    await w.prisma.trackedLink.create({ data: { token: "jsurl", url: "javascript:alert(1)" } });
    const js = await app.inject({ method: "GET", url: "/t/jsurl" });
    expect(js.statusCode).toBe(404);
    expect(js.headers.location).toBeUndefined();
  });

  it("link previewers and HEAD requests are redirected without counting", async () => {
    const { seq, token } = await twoStepsSent();
    const preview = await app.inject({
      method: "GET",
      url: `/t/${token(1)}`,
      headers: { "user-agent": "WhatsApp/2.23.20.0 A" },
    });
    expect(preview.statusCode).toBe(302);
    const head = await app.inject({ method: "HEAD", url: `/t/${token(1)}` });
    expect(head.statusCode).toBe(302);
    expect((await seqRow(seq.id)).click_count).toBe(0);
  });

  it("the open pixel is a 1×1 GIF that records the open, for known and unknown tokens alike", async () => {
    const { seq, token } = await twoStepsSent();
    const res = await app.inject({ method: "GET", url: `/o/${token(2)}.gif` });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("image/gif");
    expect(res.rawPayload.subarray(0, 6).toString()).toBe("GIF89a");
    const e2 = await w.prisma.sequenceEvent.findFirstOrThrow({ where: { sequence_id: seq.id, step_number: 2 } });
    expect(e2.opened_at).not.toBeNull();
    const unknown = await app.inject({ method: "GET", url: "/o/whatever.gif" });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.headers["content-type"]).toBe("image/gif");
  });
});
