/**
 * "📞 Call logged" pressed twice under one nudge logs one call (issue 15): the press is keyed by
 * the message the button sat under, so a double tap or a redelivered press writes nothing more
 * and says so; the same button under another nudge logs another call.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";
import { sandboxApp, sandboxClient, textsOf } from "./helpers.js";

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
const S = "sbx-call-twice";

beforeAll(async () => {
  w = await createWorld();
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("Call logged", () => {
  it("logs one call when the same button is pressed twice, another under another message", async () => {
    const carla = await makeContractor(w.prisma, { name: "Carla Twice" });
    const cleo = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Cleo Twice" });
    const as = `contractor:${carla.id}`;
    const press = (replyTo: string) => chat.say(S, as, { choice: `act:call:${cleo.id}`, reply_to: replyTo });
    expect(textsOf(await press("nudge-1"))).toBe("✓ Call logged for Cleo Twice.");
    expect(textsOf(await press("nudge-1"))).toMatch(/^✓ Already logged: Call for Cleo Twice/);
    expect(await w.prisma.customerInteraction.count({ where: { customer_id: cleo.id, type: "call" } })).toBe(1);
    await Promise.all([press("nudge-2"), press("nudge-2")]);
    expect(await w.prisma.customerInteraction.count({ where: { customer_id: cleo.id, type: "call" } })).toBe(2);
  });
});
