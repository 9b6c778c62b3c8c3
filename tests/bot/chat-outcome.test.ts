/**
 * /won, /lost and /stats through the sandbox API: which deal or sequence is meant (the answered
 * message, the only open one, or a button), amounts people type, garbage, and the win showing up
 * in /stats at once.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeDeal, makePipeline, makeSequence } from "../support/factories.js";
import { sandboxApp, sandboxClient, textsOf } from "./helpers.js";

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let carla: User;
let anna: Customer;
let berg: Customer;
const S = "sbx-outcome";
const as = () => `contractor:${carla.id}`;
const say = (text: string) => chat.say(S, as(), { text });
const press = (choice: string) => chat.say(S, as(), { choice });

beforeAll(async () => {
  w = await createWorld();
  const chatApp = createChatApp(w.deps);
  app = await sandboxApp(w, chatApp);
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  carla = await makeContractor(w.prisma, { name: "Carla Cool", timezone: "America/Phoenix" });
  anna = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Jensen" });
  berg = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Berg" });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("/won and /lost", () => {
  let dealId = "";
  let sequenceId = "";

  it("explains the amount on garbage, and says when nothing is open", async () => {
    expect(textsOf(await say("/won"))).toMatch(/Send the sale amount: \/won 9000 \(up to \$10,000,000.00\)/);
    for (const bad of ["-5", "1e12", "abc", "0", "20000000", "9000.505", "🎉"]) {
      expect(textsOf(await say(`/won ${bad}`)), bad).toMatch(
        new RegExp(
          `“${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}” is not an amount I can use\\. .*more than \\$0 and at most \\$10,000,000\\.00`,
        ),
      );
    }
    expect(textsOf(await say("/won 9000"))).toMatch(/nothing open to mark as won/);
    expect(textsOf(await say("/lost"))).toMatch(/Tell me why it was lost: \/lost REASON/);
    expect(textsOf(await say("/lost too expensive"))).toMatch(/nothing open to mark as lost/);
  });

  it("asks which one when several are open, and records the win on the one picked", async () => {
    const pipeline = await makePipeline(w.prisma, { owner_id: carla.id });
    dealId = (await makeDeal(w.prisma, { customer_id: berg.id, pipeline_id: pipeline.id, title: "Heat pump" })).id;
    sequenceId = (await makeSequence(w.prisma, { customer_id: anna.id, sequence_type: "replacement_urgent" })).id;
    const [ask] = await say("/won $9,000");
    expect(ask?.text).toBe("Which one did you win? You have 2 open.");
    expect(ask?.buttons.map((b) => b.data).sort()).toEqual([`won:d:${dealId}`, `won:s:${sequenceId}`].sort());
    expect(ask?.buttons.map((b) => b.label)).toContain("Anna Berg — Heat pump");
    const won = textsOf(await press(`won:d:${dealId}`));
    expect(won).toBe("🎉 Congratulations! Anna Berg — Heat pump: $9,000.00 booked. Keep it going!");
    const deal = await w.prisma.deal.findUniqueOrThrow({ where: { id: dealId }, include: { stage: true } });
    expect(deal).toMatchObject({ status: "won", stage: { name: "Won" } });
    expect(deal.revenue_usd?.toString()).toBe("9000");
    // The same button again: the question is answered, nothing changes twice.
    expect(textsOf(await press(`won:d:${dealId}`))).toBe("That choice has expired. Please send /won again.");
  });

  it("with one thing open, just does it — a sequence is celebrated by core's notice", async () => {
    const got = await say("/won 9k");
    expect(got.map((m) => m.kind)).toEqual(["conversion_celebration"]);
    expect(textsOf(got)).toBe("🎉 Congratulations! Anna Jensen converted — $9,000.00 booked. Keep it going!");
    const seq = await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: sequenceId } });
    expect(seq).toMatchObject({ status: "completed", outcome: "converted" });
    expect(seq.revenue_usd?.toString()).toBe("9000");
  });

  it("shows both wins in /stats at once", async () => {
    const stats = textsOf(await say("/stats"));
    expect(stats).toMatch(/Jobs booked: 2\nRevenue: \$18,000\.00\nFrom automation: 0\nTrend: new — nothing booked/);
    expect(stats).toMatch(/Last week by now: 0 jobs, \$0\.00/);
  });

  it("reads which customer a reply to their card means, and marks lost with a reason", async () => {
    const pipeline = await makePipeline(w.prisma, { owner_id: carla.id });
    const a = await makeDeal(w.prisma, { customer_id: anna.id, pipeline_id: pipeline.id, title: "Furnace" });
    await makeDeal(w.prisma, { customer_id: berg.id, pipeline_id: pipeline.id, title: "Duct work" });
    const [cardMsg] = await say("/card Anna Jensen");
    expect(cardMsg?.text).toMatch(/^🗂 Anna Jensen/);
    const lost = textsOf(await chat.say(S, as(), { text: "/lost went with a cheaper quote", reply_to: cardMsg?.id }));
    expect(lost).toBe("Noted: Anna Jensen — Furnace is lost (went with a cheaper quote). On to the next one!");
    const deal = await w.prisma.deal.findUniqueOrThrow({ where: { id: a.id } });
    expect(deal).toMatchObject({ status: "lost", lost_reason: "went with a cheaper quote" });
    expect(textsOf(await say("/won 1,234.56"))).toMatch(/Anna Berg — Duct work: \$1,234\.56 booked/);
    expect(textsOf(await say("/stats"))).toMatch(/Jobs booked: 3\nRevenue: \$19,234\.56/);
  });

  it("offers the other open ones, never picks one, when the answered customer has nothing open", async () => {
    const pipeline = await makePipeline(w.prisma, { owner_id: carla.id });
    const gutter = await makeDeal(w.prisma, { customer_id: berg.id, pipeline_id: pipeline.id, title: "Gutter" });
    const [cardMsg] = await say("/card Anna Jensen");
    const [ask] = await chat.say(S, as(), { text: "/won 100", reply_to: cardMsg?.id });
    expect(ask?.text).toBe("Is it this one? You have 1 open.");
    expect(ask?.buttons).toEqual([{ label: "Anna Berg — Gutter", data: `won:d:${gutter.id}` }]);
    expect(textsOf(await press(`won:d:${gutter.id}`))).toMatch(/Anna Berg — Gutter: \$100\.00 booked/);
  });

  it("never offers another contractor's deals", async () => {
    const otto = await makeContractor(w.prisma, { name: "Otto Other" });
    const theirs = await makeDeal(w.prisma, { owner_id: otto.id, title: "Otto's roof" });
    expect(textsOf(await say("/won 100"))).toMatch(/nothing open to mark as won/);
    await chat.say(S, as(), { text: "/won 100" });
    expect(textsOf(await press(`won:d:${theirs.id}`))).toMatch(/That choice has expired/);
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe("open");
  });
});
