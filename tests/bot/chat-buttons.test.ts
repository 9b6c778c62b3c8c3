/**
 * Every command without typing a slash command, through the sandbox API: the menu's buttons
 * (commands that need words ask for them), and the one-tap buttons under pushed nudges —
 * reminder due (Done / Snooze 1 h / Card) and high interest (Card / Call logged / Next stage).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { notifyUser } from "../../core/messaging/outbox.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeDeal, makePipeline } from "../support/factories.js";
import { MIN, sandboxApp, sandboxClient, textsOf } from "./helpers.js";

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let carla: User;
let bo: Customer;
let berg: Customer;
const S = "sbx-buttons";
const say = (text: string) => chat.say(S, `contractor:${carla.id}`, { text });
const press = (choice: string) => chat.say(S, `contractor:${carla.id}`, { choice });

beforeAll(async () => {
  w = await createWorld();
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  carla = await makeContractor(w.prisma, { name: "Carla Cool", timezone: "America/Phoenix" });
  bo = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Bo Lund" });
  berg = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Berg" });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("the menu: a button path for every command", () => {
  it("offers every command as a button under /help and /menu", async () => {
    const [help] = await say("/help");
    expect(help?.buttons.map((b) => b.label)).toEqual([
      "📋 My leads",
      "☀️ My day",
      "📊 My week",
      "⚠️ My strikes",
      "🙏 Appeal",
      "👤 My profile",
      "🗂 Customer card",
      "✉️ Message a customer",
      "🎉 Won",
      "✖️ Lost",
    ]);
    expect((await say("/menu"))[0]?.buttons).toEqual(help?.buttons);
  });

  it("runs the commands that need no words at once", async () => {
    expect(textsOf(await press("cmd:leads"))).toBe("Nothing open right now. New lead offers will arrive here.");
    expect(textsOf(await press("cmd:today"))).toMatch(/^☀️ Your day — Jan 5/);
    expect(textsOf(await press("cmd:stats"))).toMatch(/^📊 Your week so far/);
    expect(textsOf(await press("cmd:strikes"))).toMatch(/^No strikes/);
    expect(textsOf(await press("cmd:profile"))).toMatch(/^👤 Your profile\n📍 Service ZIP code \(1\): 85004/);
  });

  it("asks for a name under Card, then shows the card", async () => {
    expect(textsOf(await press("cmd:card"))).toMatch(/^🗂 Whose card\? Type a name/);
    expect(textsOf(await say("bo"))).toMatch(/^🗂 Bo Lund\n/);
    // The question is answered: the next text is no longer a name.
    expect(textsOf(await say("bo"))).toMatch(/didn't catch that|no open response window/);
  });

  it("asks for the amount under Won and the reason under Lost, names included", async () => {
    await press("cmd:won");
    expect(textsOf(await say("lots"))).toMatch(/^“lots” is not an amount I can use/);
    await press("cmd:won");
    expect(textsOf(await say("500 Bo"))).toBe(
      "Bo Lund has nothing open to mark as won: no open deal, no running sequence, no contacted lead without a sale.",
    );
    const pipeline = await makePipeline(w.prisma, { owner_id: carla.id });
    const deal = await makeDeal(w.prisma, { customer_id: bo.id, pipeline_id: pipeline.id, title: "Boiler" });
    await makeDeal(w.prisma, { customer_id: berg.id, pipeline_id: pipeline.id, title: "Gutter" });
    await press("cmd:won");
    expect(textsOf(await say("1,500 Bo"))).toBe(
      "🎉 Congratulations! Bo Lund — Boiler: $1,500.00 booked. Keep it going!",
    );
    expect((await w.prisma.deal.findUniqueOrThrow({ where: { id: deal.id } })).status).toBe("won");
    expect(textsOf(await press("cmd:lost"))).toMatch(/^Why was it lost\?/);
    expect(textsOf(await say("too expensive Anna Berg"))).toBe(
      "Noted: Anna Berg — Gutter is lost (too expensive). On to the next one!",
    );
  });

  it("asks for the reason under Appeal, and for the words under Message", async () => {
    expect(textsOf(await press("cmd:appeal"))).toMatch(/^🙏 Why should your bidding ban be lifted\?/);
    expect(textsOf(await say("I was in hospital that day"))).toBe(
      "You are not banned from bidding, so there is nothing to appeal.",
    );
    expect(textsOf(await press("cmd:msg"))).toMatch(/^✉️ Who to, and what\?/);
    expect(textsOf(await say("Bo: see you at 3"))).toMatch(/^✓ Queued for Bo Lund — it goes out 08:00 AM/);
    const row = await w.prisma.outboundMessage.findFirstOrThrow({ where: { customer_id: bo.id, kind: "relay" } });
    expect(row.body).toBe("see you at 3");
  });

  it("forgets the question on /cancel", async () => {
    await press("cmd:card");
    expect(textsOf(await say("/cancel"))).toBe("OK, cancelled.");
    expect(textsOf(await say("bo"))).not.toMatch(/Bo Lund/);
  });
});

describe("buttons on pushed nudges", () => {
  it("puts Done, Snooze 1 h and Card under a due reminder; snooze brings it back in an hour", async () => {
    await say("remind me in 1h to call Bo");
    await w.advance(60 * MIN);
    const [due] = await chat.fresh(S);
    expect(due?.kind).toBe("reminder_due");
    const reminder = await w.prisma.reminder.findFirstOrThrow({ where: { customer_id: bo.id, completed: false } });
    expect(due?.buttons).toEqual([
      { label: "✓ Done", data: `done:${reminder.id}` },
      { label: "⏰ Snooze 1 h", data: `snooze:${reminder.id}` },
      { label: "🗂 Card", data: `act:card:${bo.id}` },
    ]);
    const before = w.clock.now().getTime();
    expect(textsOf(await press(`snooze:${reminder.id}`))).toMatch(
      /^⏰ Snoozed — I'll remind you again \d\d:\d\d AM: call Bo/,
    );
    const snoozed = await w.prisma.reminder.findUniqueOrThrow({ where: { id: reminder.id } });
    expect(snoozed.scheduled_for.getTime()).toBe(before + 60 * MIN);
    await w.advance(30 * MIN);
    expect(await chat.fresh(S)).toEqual([]);
    await w.advance(30 * MIN);
    expect((await chat.fresh(S)).map((m) => m.kind)).toEqual(["reminder_due"]);
    expect(textsOf(await press(`act:card:${bo.id}`))).toMatch(/^🗂 Bo Lund/);
    expect(textsOf(await press(`done:${reminder.id}`))).toBe("✓ Done: call Bo");
    expect(textsOf(await press(`snooze:${reminder.id}`))).toBe("That reminder is already done.");
    expect(textsOf(await press("snooze:nope"))).toBe("I can't find that reminder any more.");
  });

  it("puts Card, Call logged and Next stage under a high-interest nudge", async () => {
    const cleo = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Cleo Hart" });
    await w.prisma.$transaction((tx) =>
      notifyUser(tx, {
        userId: carla.id,
        now: w.clock.now(),
        notice: {
          kind: "high_interest",
          sequenceId: cleo.id,
          customerId: cleo.id,
          customerName: "Cleo Hart",
          clicks: 2,
        },
      }),
    );
    const [nudge] = await chat.fresh(S);
    expect(nudge?.text).toMatch(/Cleo Hart clicked your link 2 times/);
    expect(nudge?.buttons.map((b) => b.data)).toEqual([
      `act:card:${cleo.id}`,
      `act:call:${cleo.id}`,
      `act:stage:${cleo.id}`,
    ]);
    expect(nudge?.buttons.map((b) => b.label)).toEqual(["🗂 Card", "📞 Call logged", "➡️ Next stage"]);
    expect(textsOf(await press(`act:call:${cleo.id}`))).toBe("✓ Call logged for Cleo Hart.");
    const call = await w.prisma.customerInteraction.findFirstOrThrow({ where: { customer_id: cleo.id, type: "call" } });
    expect(call.content).toBe("Call (logged from the chat)");
    expect(textsOf(await press(`act:stage:${cleo.id}`))).toBe("➡️ Cleo Hart moved from Lead to Relationship.");
  });

  it("never acts on another contractor's customer from a forged button", async () => {
    const otto = await makeContractor(w.prisma, { name: "Otto Other" });
    const olga = await makeCustomer(w.prisma, { owner_id: otto.id, name: "Olga Secret" });
    expect(textsOf(await press(`act:call:${olga.id}`))).toBe("I can't find that customer among yours any more.");
    expect(textsOf(await press(`reply:${olga.id}`))).toBe("I can't find that customer among yours any more.");
    expect(await w.prisma.customerInteraction.count({ where: { customer_id: olga.id } })).toBe(0);
  });
});
