/**
 * Buttons through the REAL grammY bot against the local fake Telegram Bot API, on a fake clock:
 * the main menu as an inline keyboard, and a customer's relayed message answered with its
 * "Reply" button — the answer leaving through the outbox on the customer's own channel.
 */
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindIdentity } from "../../core/accounts/link.service.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeMarketer } from "../support/factories.js";
import { startTelegramChat, type TelegramChat } from "./telegram-harness.js";

const CHAT = 7301;
let w: TestWorld;
let t: TelegramChat;
let mia: User;
let sofie: Customer;

beforeAll(async () => {
  w = await createWorld();
  t = await startTelegramChat(w, CHAT, { first_name: "Mia" });
  mia = await makeMarketer(w.prisma, { name: "Mia Marketer" });
  sofie = await makeCustomer(w.prisma, { owner_id: mia.id, name: "Sofie Dahl" });
  const linked = await bindIdentity(w.deps, { channel: "telegram", address: String(CHAT), userId: mia.id });
  if (!linked.ok) throw new Error(linked.message);
});
afterAll(async () => {
  await t?.stop();
  await w?.close();
});

const says = (text: string) => t.says(text);
const presses = (message: Message | undefined, data: string) => t.presses(message, data);
const receive = (step: () => Promise<void>) => t.receive(step);

const keyboard = (m: Message | undefined) => m?.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text));

describe("buttons on Telegram", () => {
  it("shows the main menu as an inline keyboard, two to a row, and runs a command from it", async () => {
    const [help] = await says("/help");
    expect(keyboard(help)).toEqual([
      ["☀️ My day", "📊 My week"],
      ["🗂 Customer card", "✉️ Message a customer"],
      ["🎉 Won", "✖️ Lost"],
    ]);
    const [card] = await presses(help, "cmd:card");
    expect(card?.text).toMatch(/^🗂 Whose card\?/);
    expect((await says("sofie"))[0]?.text).toMatch(/^🗂 Sofie Dahl/);
  });

  it("answers a customer who came without a lead with the Reply button", async () => {
    const bound = await bindIdentity(w.deps, { channel: "sandbox", address: "sbx-sofie", customerId: sofie.id });
    expect(bound.ok).toBe(true);
    const [nudge] = await receive(async () => {
      await t.chat.handle({
        channel: "sandbox",
        externalId: "sofie-1",
        address: "sbx-sofie",
        text: "Still available?",
      });
    });
    expect(nudge?.text).toMatch(/^💬 Sofie Dahl: Still available\?/);
    expect(keyboard(nudge)).toEqual([["↩️ Reply", "✨ Suggest reply"], ["🗂 Card"]]);
    expect((await presses(nudge, `reply:${sofie.id}`))[0]?.text).toBe(
      "✍️ Type your message to Sofie Dahl. (/cancel to stop)",
    );
    expect((await says("Yes! Shall I book you for Friday?"))[0]?.text).toBe("✓ Sent to Sofie Dahl.");
    const relay = await w.prisma.outboundMessage.findFirstOrThrow({ where: { customer_id: sofie.id, kind: "relay" } });
    expect(relay).toMatchObject({
      channel: "sandbox",
      to_address: "sbx-sofie",
      body: "Yes! Shall I book you for Friday?",
    });
  });
});
