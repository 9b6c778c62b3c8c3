/**
 * Chat bot benchmark (`npm run bench -- bot`): Telegram updates per second through webhook mode
 * — the real grammY bot behind bot/telegram/webhook.ts on a real fastify listening on loopback,
 * the chat app, and a real database (PostgreSQL from TEST_DATABASE_URL when set, else PGlite) —
 * and the latency from POSTing an update until its answer is a row in the outbox. The webhook
 * answers only after the chat app has stored the update, handled it and written the reply rows,
 * so the POST's round trip is exactly "update → reply in the outbox". Delivery to Telegram is the
 * outbox sender's job, paced by Telegram's 1 message/s per chat, and is not measured here.
 *
 * Bounded: 2,000 updates (BENCH_UPDATES) from 200 linked contractors' chats (BENCH_CHATS), 32 in
 * flight (BENCH_CONCURRENCY), after 200 warm-up updates; a 2-minute limit on the measured phase.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import type { Update } from "grammy/types";
import { type ChatApp, createChatApp } from "../../bot/chat/app.js";
import { createTelegramBot } from "../../bot/telegram/bot.js";
import { telegramWebhookRoutes } from "../../bot/telegram/webhook.js";
import { parseConfig } from "../../core/config/config.js";
import type { CoreDeps } from "../../core/context.js";
import { createPrisma } from "../../prisma/database.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { type DbKind, openBacktestDb } from "../backtest/env.js";
import { inPool, JsonClient } from "../backtest/http.js";
import { FakeTelegram } from "../support/fake-telegram.js";
import type { BenchResult } from "./marketplace.bench.js";

const UPDATES = Number(process.env.BENCH_UPDATES ?? 2_000);
const CHATS = Number(process.env.BENCH_CHATS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
/** Updates sent one at a time after the loaded phase: the latency of one update with no queue. */
const SERIAL = Number(process.env.BENCH_SERIAL ?? 200);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const LIMIT_MS = 120_000;
const SECRET = "bench-secret-token";
const PATH = "/api/hooks/telegram";
const FIRST_CHAT = 700_000;
const CUSTOMERS = [
  "Anna Jensen",
  "Anna Berg",
  "Bo Lund",
  "Carl Holm",
  "Dorte Kjær",
  "Erik Sand",
  "Frida Dahl",
  "Gustav Lie",
];
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Contractor {
  chatId: number;
  userId: string;
  boId: string;
}

/** What each chat sends, in turn: commands, CRM text, a button, a win and a stray sentence. */
const MIX: ReadonlyArray<{ name: string; update: (c: Contractor) => { text: string } | { data: string } }> = [
  { name: "/today", update: () => ({ text: "/today" }) },
  { name: "/stats", update: () => ({ text: "/stats" }) },
  { name: "/card (two match: buttons)", update: () => ({ text: "/card Anna" }) },
  { name: "log a call by text", update: () => ({ text: "called Bo Lund, sending the video" }) },
  { name: "set a reminder by text", update: () => ({ text: "remind me tomorrow 9:00 to call Carl" }) },
  { name: "card button (callback query)", update: (c) => ({ data: `act:card:${c.boId}` }) },
  { name: "/help", update: () => ({ text: "/help" }) },
  { name: "/leads", update: () => ({ text: "/leads" }) },
  { name: "/won 500 (sequence converted)", update: () => ({ text: "/won 500" }) },
  { name: "plain text, no window", update: () => ({ text: "Hi there, on my way" }) },
];

async function seed(prisma: PrismaClient): Promise<Contractor[]> {
  const now = new Date();
  const users = await prisma.user.createManyAndReturn({
    data: Array.from({ length: CHATS }, (_, i) => ({
      name: `Bench Contractor ${i}`,
      email: `bench${i}@bot.bench`,
      role: "contractor" as const,
      is_contractor: true,
      timezone: i % 2 === 0 ? "America/Phoenix" : "Europe/Copenhagen",
    })),
    select: { id: true },
  });
  await prisma.channelIdentity.createMany({
    data: users.map((u, i) => ({ channel: "telegram" as const, address: String(FIRST_CHAT + i), user_id: u.id })),
  });
  const customers = await prisma.customer.createManyAndReturn({
    data: users.flatMap((u) =>
      CUSTOMERS.map((name) => ({
        owner_id: u.id,
        name,
        stage_entered_at: now,
        last_activity_at: now,
        created_at: now,
      })),
    ),
    select: { id: true, owner_id: true, name: true },
  });
  const byOwner = new Map<string, Array<{ id: string; name: string }>>();
  for (const c of customers) byOwner.set(c.owner_id, [...(byOwner.get(c.owner_id) ?? []), c]);
  const past = new Date(now.getTime() - 3 * 3_600_000);
  await prisma.reminder.createMany({
    data: customers
      .filter((c) => c.name === "Anna Jensen" || c.name === "Erik Sand")
      .map((c) => ({
        owner_id: c.owner_id,
        customer_id: c.id,
        type: "custom" as const,
        scheduled_for: past,
        message: "call back",
        notified_at: past,
      })),
  });
  await prisma.nurturingSequence.createMany({
    data: customers
      .filter((c) => c.name === "Frida Dahl")
      .map((c) => ({
        owner_id: c.owner_id,
        customer_id: c.id,
        sequence_type: "maintenance",
        total_steps: 3,
        started_at: now,
      })),
  });
  return users.map((u, i) => ({
    chatId: FIRST_CHAT + i,
    userId: u.id,
    boId: byOwner.get(u.id)?.find((c) => c.name === "Bo Lund")?.id ?? "",
  }));
}

/**
 * The n-th update of the run: chat n mod CHATS, that chat's next kind. Made by the fake Telegram
 * itself (real update shapes, command entities, callback queries it will accept an answer to).
 */
function updateOf(tg: FakeTelegram, n: number, contractors: readonly Contractor[]): { update: Update; kind: string } {
  const c = contractors[n % contractors.length] as Contractor;
  const turn = Math.floor(n / contractors.length);
  // Every chat goes through every kind; at any moment the chats in flight are at different kinds.
  const m = MIX[(turn + (n % contractors.length)) % MIX.length] as (typeof MIX)[number];
  const body = m.update(c);
  const from = { first_name: "Bench", language_code: "en" };
  if ("text" in body) return { update: tg.sendText(c.chatId, body.text, from), kind: m.name };
  const under = tg.sendText(c.chatId, "(the message a button sits under)", from).message?.message_id ?? 0;
  return { update: tg.pressButton(c.chatId, under, body.data, from), kind: m.name };
}

const pct = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);
const ms = (v: number) => `${v.toFixed(1)} ms`;

export async function run(): Promise<BenchResult> {
  const kind: DbKind = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";
  const db = await openBacktestDb(kind);
  progress(`database: ${db.description}`);
  const prisma = createPrisma(db.url, { poolSize: POOL });
  const deps: CoreDeps = {
    prisma,
    clock: { now: () => new Date() },
    scheduler: { at: async () => {}, cancel: async () => {} },
    ids: { token: (bytes = 16) => randomBytes(bytes).toString("base64url") },
    config: parseConfig({ NODE_ENV: "test" }),
    log: { info() {}, warn: (msg: string) => process.stderr.write(`[core] ${msg}\n`) },
  };
  const tg = await FakeTelegram.start();
  const chat: ChatApp = createChatApp(deps);
  const bot = createTelegramBot({ token: tg.token, apiRoot: tg.apiRoot, chat, log: deps.log });
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  await app.register(telegramWebhookRoutes(bot, { path: PATH, secretToken: SECRET }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const client = new JsonClient(
    `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    { "x-telegram-bot-api-secret-token": SECRET },
    { sockets: CONCURRENCY },
  );
  try {
    const seedStart = performance.now();
    const contractors = await seed(prisma);
    progress(`seeded ${CHATS} contractors in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
    const total = WARMUP + UPDATES + SERIAL;
    const all = Array.from({ length: total }, (_, n) => updateOf(tg, n, contractors));
    const post = async (u: { update: Update }) => client.post(PATH, u.update);
    await inPool(all.slice(0, WARMUP), CONCURRENCY, post);
    progress(`warmed up on ${WARMUP} updates; measuring ${UPDATES}, then ${SERIAL} one at a time`);
    const measured = all.slice(WARMUP, WARMUP + UPDATES);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const results = await inPool(measured, CONCURRENCY, post, { deadline: Date.now() + LIMIT_MS });
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    await chat.idle();
    const serial = await inPool(all.slice(WARMUP + UPDATES), 1, post, { deadline: Date.now() + LIMIT_MS });
    const alone = serial.map((r) => r.ms).sort((a, b) => a - b);
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const failed = [...results, ...serial].filter((r) => r.status !== 200).length;
    const byKind = new Map<string, number[]>();
    for (const [i, r] of results.entries()) {
      const k = measured[i]?.kind ?? "?";
      byKind.set(k, [...(byKind.get(k) ?? []), r.ms]);
    }
    const [answered] = await prisma.$queryRaw<Array<{ handled: number; replied: number; errors: number }>>`
      SELECT count(*) FILTER (WHERE i.processed_at IS NOT NULL AND i.error IS NULL)::int AS handled,
        count(*) FILTER (WHERE EXISTS (SELECT 1 FROM outbound_messages o
          WHERE o.dedupe_key = 'reply:' || i.id || ':0' OR (o.kind = 'conversion_celebration' AND o.identity_id = i.identity_id)))::int AS replied,
        count(*) FILTER (WHERE i.error IS NOT NULL)::int AS errors
      FROM inbound_messages i`;
    const rows: string[][] = [
      [
        "updates handled (after warm-up)",
        `${results.length} from ${CHATS} chats`,
        `${CONCURRENCY} POSTs in flight, keep-alive`,
      ],
      [
        "updates per second",
        `${((results.length / elapsed) * 1000).toFixed(0)} /s`,
        `${results.length} in ${(elapsed / 1000).toFixed(2)} s`,
      ],
      ["update → reply in outbox p50", ms(pct(latencies, 50)), "POST sent → 200 (reply rows committed)"],
      ["update → reply in outbox p95", ms(pct(latencies, 95)), ""],
      ["update → reply in outbox p99", ms(pct(latencies, 99)), ""],
      ["update → reply in outbox max", ms(latencies.at(-1) ?? Number.NaN), ""],
      [
        "one at a time: p50 / p95 / p99",
        `${ms(pct(alone, 50))} / ${ms(pct(alone, 95))} / ${ms(pct(alone, 99))}`,
        `${serial.length} more updates, 1 in flight (no queueing)`,
      ],
      ["non-200 answers", String(failed), "must be 0"],
      [
        "stored, handled, answered",
        `${answered?.handled ?? 0} / ${answered?.replied ?? 0} of ${total}`,
        `handler errors: ${answered?.errors ?? 0} (all phases)`,
      ],
      [
        "CPU per update (this process)",
        ms((used.user + used.system) / 1000 / Math.max(1, results.length)),
        kind === "pglite" ? "client, web, chat app and PGlite" : "client, web and chat app",
      ],
    ];
    for (const [k, v] of byKind) {
      const s = [...v].sort((a, b) => a - b);
      rows.push([`  p50 / p95: ${k}`, `${ms(pct(s, 50))} / ${ms(pct(s, 95))}`, `${s.length} updates`]);
    }
    return {
      title: `Chat bot (issue 5): Telegram webhook → chat app → outbox on ${db.description}`,
      columns: ["measurement", "result", "how"],
      rows,
      notes: [
        `Each update is one of ${MIX.length} kinds in turn per chat (${MIX.map((m) => m.name).join(", ")}); ${CHATS} contractors with ${CUSTOMERS.length} customers each, two overdue reminders and one running sequence. Prisma pool ${POOL}. Real clock; grammY webhookCallback behind the secret-token check; the fake Telegram answers getMe and answerCallbackQuery.`,
      ],
    };
  } finally {
    client.close();
    await app.close();
    await tg.close();
    await prisma.$disconnect();
    await db.close();
  }
}
