/**
 * `/won AMOUNT NAME` and `/lost REASON NAME` through the sandbox API: the named customer's open
 * deal or sequence, own customers only, buttons when the name is ambiguous, clear replies on
 * garbage — and a plain reason never mistaken for a name.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { splitAmountName } from "../../bot/chat/features/outcome.js";
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
let jensen: Customer;
let berg: Customer;
let pipeline: Awaited<ReturnType<typeof makePipeline>>;
const S = "sbx-named";
const say = (text: string) => chat.say(S, `contractor:${carla.id}`, { text });
const press = (choice: string) => chat.say(S, `contractor:${carla.id}`, { choice });

beforeAll(async () => {
  w = await createWorld();
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  carla = await makeContractor(w.prisma, { name: "Carla Cool", timezone: "America/Phoenix" });
  jensen = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Jensen" });
  berg = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Berg" });
  pipeline = await makePipeline(w.prisma, { owner_id: carla.id });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("reading /won AMOUNT NAME", () => {
  it("splits the amount from the name, however the amount is typed", () => {
    expect(splitAmountName("9000 Anna")).toEqual({ cents: 900_000, name: "Anna" });
    expect(splitAmountName("9 500 Anna Berg")).toEqual({ cents: 950_000, name: "Anna Berg" });
    expect(splitAmountName("$1,234.56 Bo")).toEqual({ cents: 123_456, name: "Bo" });
    expect(splitAmountName("9k Bo")).toEqual({ cents: 900_000, name: "Bo" });
    expect(splitAmountName("-5 Anna")).toBeNull();
    expect(splitAmountName("Anna 9000")).toBeNull();
    expect(splitAmountName("9000 42")).toBeNull();
  });
});

describe("/won and /lost with a name", () => {
  it("marks the named customer's only open deal won", async () => {
    const deal = await makeDeal(w.prisma, { customer_id: jensen.id, pipeline_id: pipeline.id, title: "Heat pump" });
    await makeDeal(w.prisma, { customer_id: berg.id, pipeline_id: pipeline.id, title: "Gutter" });
    expect(textsOf(await say("/won 9000 Anna Jensen"))).toBe(
      "🎉 Congratulations! Anna Jensen — Heat pump: $9,000.00 booked. Keep it going!",
    );
    const row = await w.prisma.deal.findUniqueOrThrow({ where: { id: deal.id } });
    expect(row.status).toBe("won");
    expect(row.revenue_usd?.toString()).toBe("9000");
    expect(textsOf(await say("/won 100 jensen"))).toMatch(/^Anna Jensen has nothing open to mark as won/);
  });

  it("asks by buttons when the name matches several customers", async () => {
    const seq = await makeSequence(w.prisma, { customer_id: jensen.id, sequence_type: "maintenance" });
    const gutter = await w.prisma.deal.findFirstOrThrow({ where: { customer_id: berg.id } });
    const [ask] = await say("/won 2,500 Anna");
    expect(ask?.text).toBe("Which one did you win? You have 2 open.");
    expect(ask?.buttons.map((b) => b.data).sort()).toEqual([`won:d:${gutter.id}`, `won:s:${seq.id}`].sort());
    expect(textsOf(await press(`won:d:${gutter.id}`))).toBe(
      "🎉 Congratulations! Anna Berg — Gutter: $2,500.00 booked. Keep it going!",
    );
    expect(textsOf(await press(`won:d:${gutter.id}`))).toMatch(/That choice has expired/);
  });

  it("marks lost with the reason before the name, and leaves a plain reason alone", async () => {
    const seq = await w.prisma.nurturingSequence.findFirstOrThrow({ where: { customer_id: jensen.id } });
    expect(textsOf(await say("/lost went with a cheaper quote Anna Jensen"))).toBe(
      "Noted: Anna Jensen — maintenance is lost (went with a cheaper quote). On to the next one!",
    );
    expect((await w.prisma.nurturingSequence.findUniqueOrThrow({ where: { id: seq.id } })).status).not.toBe("active");
    const boiler = await makeDeal(w.prisma, { customer_id: berg.id, pipeline_id: pipeline.id, title: "Boiler" });
    // No customer's name at the end: the whole text is the reason, for the only open one.
    expect(textsOf(await say("/lost no budget this year"))).toBe(
      "Noted: Anna Berg — Boiler is lost (no budget this year). On to the next one!",
    );
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: boiler.id } })).lost_reason).toBe(
      "no budget this year",
    );
  });

  it("never reaches another contractor's customer, and explains garbage", async () => {
    const otto = await makeContractor(w.prisma, { name: "Otto Other" });
    const olga = await makeCustomer(w.prisma, { owner_id: otto.id, name: "Olga Secret" });
    const theirs = await makeDeal(w.prisma, { customer_id: olga.id, title: "Roof" });
    expect(textsOf(await say("/won 100 Olga"))).toBe(
      "I can't find a customer called “Olga” among yours. /card NAME searches your customers.",
    );
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe("open");
    expect(textsOf(await say("/won -5 Anna"))).toMatch(/^“-5” is not an amount I can use/);
    expect(textsOf(await say("/won 1e12 Anna"))).toMatch(/^“1e12” is not an amount I can use/);
    expect(textsOf(await say("/won Anna"))).toMatch(/^“Anna” is not an amount I can use/);
  });
});
