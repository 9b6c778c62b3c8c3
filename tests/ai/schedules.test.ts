/**
 * The AI layer's scheduled work on a fake clock: the reconciler drafts follow-ups for customers
 * due today and greetings for upcoming occasions, stored once per day (never sent: drafts await
 * a tap), shown in the morning summary with one-tap buttons and, for marketers, coaching. Plus
 * the start-up step that brings old installs' prompt templates in step with the code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderNotice } from "../../bot/chat/notices.js";
import { promptSyncAction, syncDefaultPrompts } from "../../core/ai/prompt-sync.js";
import { reconcileAiSchedules } from "../../core/ai/schedules.service.js";
import type { Notice } from "../../core/messaging/notices.js";
import { savePromptVersion } from "../../core/nurturing/prompt-template.service.js";
import { reconcileAll } from "../../core/wakeups.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { DEFAULT_PROMPTS } from "../../prompts/default-prompts.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeJob, makeMarketer, makeReminder } from "../support/factories.js";

const DAY = 86_400_000;
let w: TestWorld;
let paul: User; // contractor in Copenhagen: 08:00 local = 07:00 UTC
let mona: User; // marketer in Copenhagen
let anna: Customer;
let bo: Customer;
let dora: Customer;
let erik: Customer;
const at = (iso: string) => w.clock.set(iso);
const drafts = (kind?: string) =>
  w.prisma.aiDraft.findMany({ where: kind ? { kind } : {}, orderBy: [{ created_at: "asc" }, { customer_id: "asc" }] });

beforeAll(async () => {
  w = await createWorld();
  at("2026-03-10T01:00:00.000Z");
  const now = w.clock.now();
  paul = await makeContractor(w.prisma, { name: "Paul", company_name: "Paul's Pipes", timezone: "Europe/Copenhagen" });
  mona = await makeMarketer(w.prisma, { name: "Mona", timezone: "Europe/Copenhagen" });
  for (const [u, address] of [
    [paul, "sbx-paul"],
    [mona, "sbx-mona"],
  ] as const) {
    await w.prisma.channelIdentity.create({ data: { channel: "sandbox", address, user_id: u.id } });
  }
  anna = await makeCustomer(w.prisma, {
    owner_id: paul.id,
    name: "Anna Due",
    next_action: "Send the quote",
    next_action_date: new Date(now.getTime() - 3_600_000),
  });
  bo = await makeCustomer(w.prisma, { owner_id: paul.id, name: "Bo Reminder" });
  await makeReminder(w.prisma, {
    owner_id: paul.id,
    customer_id: bo.id,
    scheduled_for: new Date("2026-03-10T15:00:00.000Z"),
  });
  await makeCustomer(w.prisma, { owner_id: paul.id, name: "Carl Quiet" });
  await makeCustomer(w.prisma, {
    owner_id: paul.id,
    name: "Finn Optedout",
    opted_out_at: now,
    next_action_date: new Date(now.getTime() - DAY),
  });
  dora = await makeCustomer(w.prisma, { owner_id: paul.id, name: "Dora Done", language_preference: "da" });
  await makeJob(w.prisma, {
    owner_id: paul.id,
    customer_id: dora.id,
    title: "Boiler service",
    status: "completed",
    completion_date: new Date(now.getTime() - 3 * DAY),
  });
  erik = await makeCustomer(w.prisma, {
    owner_id: paul.id,
    name: "Erik Anniversary",
    created_at: new Date("2024-03-12T10:00:00.000Z"),
  });
});
afterAll(() => w?.close());

describe("daily drafts", () => {
  it("drafts a follow-up for each customer due today and a greeting for each occasion, sending nothing", async () => {
    expect(await reconcileAiSchedules(w.deps)).toEqual({ handled: 4 });
    const followups = await drafts("followup");
    expect(followups.map((d) => d.customer_id).sort()).toEqual([anna.id, bo.id].sort());
    expect(followups.every((d) => d.status === "pending" && d.engine === "rules")).toBe(true);
    expect(followups.find((d) => d.customer_id === anna.id)?.text).toMatch(/^Hi Anna, just following up/);
    const greetings = await drafts("greeting");
    expect(greetings.map((d) => [d.customer_id, (d.detail as { occasion: string }).occasion]).sort()).toEqual(
      [
        [dora.id, "thank_you"],
        [erik.id, "anniversary"],
      ].sort(),
    );
    expect(greetings.find((d) => d.customer_id === dora.id)?.text).toMatch(/^Hej Dora, tak fordi vi fra Paul's Pipes/);
    expect(await w.prisma.outboundMessage.count({ where: { customer_id: { not: null } } })).toBe(0);
  });

  it("stores them once per day: later passes and a whole reconcile the same day add nothing", async () => {
    at("2026-03-10T05:00:00.000Z");
    expect(await reconcileAiSchedules(w.deps)).toEqual({ handled: 0 });
    await reconcileAll(w.deps);
    expect(await w.prisma.aiDraft.count()).toBe(4);
  });

  it("the next day drafts the still-due follow-ups again, but not the same occasions", async () => {
    at("2026-03-11T01:00:00.000Z");
    expect(await reconcileAiSchedules(w.deps)).toEqual({ handled: 2 });
    expect(await w.prisma.aiDraft.count({ where: { kind: "followup" } })).toBe(4);
    expect(await w.prisma.aiDraft.count({ where: { kind: "greeting" } })).toBe(2);
    expect(
      await w.prisma.aiDraft.count({ where: { dedupe_key: { startsWith: `followup:${anna.id}:2026-03-11` } } }),
    ).toBe(1);
  });
});

describe("the morning summary", () => {
  it("shows the day's drafts with a button each (the summary sends nothing) and coaches the marketer", async () => {
    at("2026-03-11T07:00:00.000Z"); // 08:00 in Copenhagen
    await reconcileAll(w.deps);
    const paulsRow = await w.prisma.outboundMessage.findFirstOrThrow({
      where: { user_id: paul.id, kind: "morning_summary" },
    });
    const notice = paulsRow.payload as unknown as Extract<Notice, { kind: "morning_summary" }>;
    // Today's follow-ups (yesterday's greetings were drafted over a day ago: yesterday's summary had them).
    expect(notice.drafts?.map((d) => d.customerId).sort()).toEqual([anna.id, bo.id].sort());
    expect(notice.drafts?.every((d) => d.kind === "followup")).toBe(true);
    const ctx = { lang: "en" as const, tz: "Europe/Copenhagen", now: w.clock.now() };
    const shown = renderNotice(notice, ctx);
    expect(shown.text).toMatch(/✨ Drafts waiting for your OK \(2\):\n• Follow up (Anna Due|Bo Reminder): “Hi /);
    const showButtons = shown.buttons?.filter((b) => b.data.startsWith("ai:show:")) ?? [];
    expect(showButtons.map((b) => b.data.slice("ai:show:".length)).sort()).toEqual(
      (notice.drafts ?? []).map((d) => d.draftId).sort(),
    );
    expect(shown.buttons?.some((b) => b.data.startsWith("ai:send:"))).toBe(false);

    const monasRow = await w.prisma.outboundMessage.findFirstOrThrow({
      where: { user_id: mona.id, kind: "morning_summary" },
    });
    const monas = monasRow.payload as unknown as Extract<Notice, { kind: "morning_summary" }>;
    expect(monas.coaching?.engine).toBe("rules");
    expect(monas.coaching?.tips.map((t) => t.id)).toEqual(["invites_short", "follow_ups_short", "talk"]);
    const da = renderNotice(monas, { ...ctx, lang: "da" });
    expect(da.text).toMatch(/🎯 Dagens coaching:\n• Send 5 invitationer mere i dag \(0 af 5 indtil nu\)\./);
    // Only the product's own survey went to a customer (the reconciler's survey pass): no draft did.
    const toCustomers = await w.prisma.outboundMessage.findMany({ where: { customer_id: { not: null } } });
    expect(toCustomers.map((m) => m.kind)).toEqual(["post_service_survey"]);
    const texts = (await drafts()).map((d) => d.text);
    expect(toCustomers.filter((m) => texts.some((t) => m.body.includes(t)))).toEqual([]);
  });
});

describe("prompt templates of an existing install", () => {
  const timeline = DEFAULT_PROMPTS.find((p) => p.key === "timeline_summary");
  if (!timeline) throw new Error("no timeline prompt");

  it("decides per key: insert when missing, a new version only when the active one no longer fits", () => {
    const fits = { system_prompt: "Summarise for {{customer_name}}.", user_template: "{{timeline}}" };
    const stale = { system_prompt: "Summarise.", user_template: "{{customer}} {{history}}" };
    expect(promptSyncAction(timeline, { versions: 0, active: null })).toBe("insert_first");
    expect(promptSyncAction(timeline, { versions: 2, active: fits })).toBe("keep");
    expect(promptSyncAction(timeline, { versions: 1, active: stale })).toBe("add_version");
    expect(promptSyncAction(timeline, { versions: 1, active: null })).toBe("keep");
  });

  it("adds the current default as a new version of a stale key, leaves fitting edits alone, and is idempotent", async () => {
    const now = w.clock.now();
    await w.prisma.promptTemplate.createMany({
      data: [
        // An old install's default, written when the code still filled {{customer}} and {{history}}.
        {
          key: "timeline_summary",
          version: 1,
          name: "Old",
          system_prompt: "Sum up.",
          user_template: "{{customer}}: {{history}}",
        },
        // An admin's edit that still fits what the code fills.
        {
          key: "generate_greeting",
          version: 1,
          name: "Greeting",
          system_prompt: "Be warm in {{language}}.",
          user_template: "{{first_name}}",
          is_active: false,
        },
        {
          key: "generate_greeting",
          version: 2,
          name: "Greeting (edited)",
          system_prompt: "Be warm.",
          user_template: "Hi {{first_name}}",
        },
        // Switched off on purpose: no active version.
        { key: "nba", version: 1, name: "NBA", system_prompt: "Old {{thing}}", user_template: "x", is_active: false },
      ],
    });
    const first = await syncDefaultPrompts(w.prisma, DEFAULT_PROMPTS, now);
    expect(first.updated).toEqual(["timeline_summary"]);
    expect(first.inserted.sort()).toEqual(
      DEFAULT_PROMPTS.map((p) => p.key)
        .filter((k) => !["timeline_summary", "generate_greeting", "nba"].includes(k))
        .sort(),
    );
    const versions = await w.prisma.promptTemplate.findMany({
      where: { key: "timeline_summary" },
      orderBy: { version: "asc" },
    });
    expect(versions.map((v) => [v.version, v.is_active])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(versions[1]).toMatchObject({ system_prompt: timeline.system, user_template: timeline.user });
    const greeting = await w.prisma.promptTemplate.findFirstOrThrow({
      where: { key: "generate_greeting", is_active: true },
    });
    expect(greeting).toMatchObject({ version: 2, name: "Greeting (edited)" });
    expect(await w.prisma.promptTemplate.count({ where: { key: "nba" } })).toBe(1);
    expect(await w.prisma.auditLog.count({ where: { action: "prompt_template.default_updated" } })).toBe(1);

    const again = await syncDefaultPrompts(w.prisma, DEFAULT_PROMPTS, now);
    expect(again).toEqual({ inserted: [], updated: [] });
    expect(await w.prisma.promptTemplate.count({ where: { key: "timeline_summary" } })).toBe(2);
  });

  it("checks a panel edit against what the code fills now, not against the stale version 1", async () => {
    const active = await w.prisma.promptTemplate.findFirstOrThrow({
      where: { key: "timeline_summary", is_active: true },
    });
    const edit = (user: string) => ({ name: "Edited", model: "", system_prompt: "Be brief.", user_template: user });
    const stale = await savePromptVersion(w.deps, active.id, edit("{{customer}}: {{history}}"));
    expect(stale).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
    const fresh = await savePromptVersion(w.deps, active.id, edit("{{customer_name}}\n{{timeline}}\n{{messages}}"));
    expect(fresh).toMatchObject({ ok: true, value: { version: 3, is_active: true } });
  });
});
